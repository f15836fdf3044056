//! Connections driven through the C ABI, as the shim drives them: contexts
//! made with the `modssl_context_*` calls, an in-memory pair of connections
//! and the steps that move ciphertext between them.  For the core's tests
//! (`ffi_tests.rs`) and, with `std-host`, the fuzz targets (`fuzz/src/lib.rs`
//! re-exports this module) and host tools; never in a MicroPython build.
//!
//! The certificates are `tests-data/certs/` (root CA, intermediate, leaves).

use alloc::vec::Vec;
use core::ptr;

pub use crate::context::Context;
pub use crate::ffi::{self, status, ArenaConfig, ConnInfo, Connection};

pub const CA_PEM: &[u8] = include_bytes!("../tests-data/certs/root-ca.pem");
pub const LEAF_CHAIN: &[u8] = include_bytes!("../tests-data/certs/leaf-p256-chain.pem");
pub const LEAF_PEM: &[u8] = include_bytes!("../tests-data/certs/leaf-p256.pem");
pub const LEAF_KEY: &[u8] = include_bytes!("../tests-data/certs/leaf-p256.key");
pub const RSA_PEM: &[u8] = include_bytes!("../tests-data/certs/leaf-rsa2048.pem");
pub const RSA_KEY: &[u8] = include_bytes!("../tests-data/certs/leaf-rsa2048.key");
pub const CLIENT_PEM: &[u8] = include_bytes!("../tests-data/certs/client.pem");
pub const CLIENT_KEY: &[u8] = include_bytes!("../tests-data/certs/client.key");

/// The shim's arena sizes on 64-bit.
pub const ARENA: ArenaConfig = ArenaConfig { first_chunk: 8192, grow_chunk: 4096, limit: 112 * 1024 };

pub fn arena() -> ArenaConfig {
    ArenaConfig { ..ARENA }
}

/// A context through the C ABI; panics (a test or fuzz failure) if the
/// fixed material does not load.
pub fn context(server: bool, verify: u8, cert: Option<(&[u8], &[u8])>, ca: Option<&[u8]>) -> *mut Context {
    let mut ctx = ptr::null_mut();
    assert_eq!(ffi::modssl_context_new(server, &mut ctx), status::OK);
    assert_eq!(ffi::modssl_context_set_verify_mode(ctx, verify, true), status::OK);
    if let Some((c, k)) = cert {
        assert_eq!(ffi::modssl_context_load_cert_chain(ctx, c.as_ptr(), c.len(), k.as_ptr(), k.len()), status::OK);
    }
    if let Some(ca) = ca {
        assert!(ffi::modssl_context_load_verify(ctx, ca.as_ptr(), ca.len()) > 0);
    }
    ctx
}

pub fn conn(ctx: *mut Context, name: &[u8]) -> Result<*mut Connection, i32> {
    let mut c = ptr::null_mut();
    let r = ffi::modssl_conn_new(ctx, name.as_ptr(), name.len(), arena(), &mut c);
    if r == status::OK {
        Ok(c)
    } else {
        Err(r)
    }
}

/// Gives `data` to `conn` as the shim does: into the room the core offers,
/// processing after each piece.  Returns the last status (flags or error).
pub fn feed(conn: *mut Connection, mut data: &[u8]) -> i32 {
    let mut last = ffi::modssl_conn_process(conn);
    while !data.is_empty() && last >= 0 {
        let mut buf = ptr::null_mut();
        let room = ffi::modssl_conn_recv_space(conn, &mut buf);
        assert!(room >= 1 && !buf.is_null(), "recv_space gave no room");
        let n = room.min(data.len());
        unsafe { ptr::copy_nonoverlapping(data.as_ptr(), buf, n) };
        ffi::modssl_conn_recv_commit(conn, n);
        data = &data[n..];
        last = ffi::modssl_conn_process(conn);
        drain_plaintext(conn);
    }
    last
}

/// Reads and drops whatever plaintext is buffered.
pub fn drain_plaintext(conn: *mut Connection) {
    let mut buf = [0u8; 4096];
    while ffi::modssl_conn_read(conn, buf.as_mut_ptr(), buf.len()) > 0 {}
}

/// Everything `conn` wants to send.
pub fn take_pending(conn: *mut Connection) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let mut p = ptr::null();
        let n = ffi::modssl_conn_send_pending(conn, &mut p);
        if n == 0 {
            return out;
        }
        out.extend_from_slice(unsafe { core::slice::from_raw_parts(p, n) });
        ffi::modssl_conn_send_consume(conn, n);
    }
}

/// One step of a real exchange: what `from` has queued goes to `to`.
/// Returns false once either side has failed.
pub fn step(from: *mut Connection, to: *mut Connection) -> bool {
    if ffi::modssl_conn_process(from) < 0 {
        return false;
    }
    let bytes = take_pending(from);
    feed(to, &bytes) >= 0
}

/// Runs a real handshake between `a` (speaks first) and `b` for `steps`
/// one-way transfers (a→b, b→a, ...), with application data once it may
/// flow.  Returns false if it failed (the fixed material is good, so that is
/// a bug unless the fuzzer chose the options).
pub fn exchange(a: *mut Connection, b: *mut Connection, steps: u8) -> bool {
    for i in 0..steps {
        let (from, to) = if i % 2 == 0 { (a, b) } else { (b, a) };
        let f = ffi::modssl_conn_flags(from);
        if f >= 0 && f as u32 & 1 == 0 {
            let msg = b"ping from the in-memory peer";
            ffi::modssl_conn_write(from, msg.as_ptr(), msg.len());
        }
        if !step(from, to) {
            return false;
        }
    }
    true
}

/// Everything callers may ask of a connection, whatever its state.
pub fn poke(conn: *mut Connection) {
    let mut info = ConnInfo::default();
    assert_eq!(ffi::modssl_conn_info(conn, &mut info), status::OK);
    for i in 0..info.peer_certificates + 1 {
        let (mut p, mut n) = (ptr::null(), 0usize);
        let _ = ffi::modssl_conn_peer_cert(conn, i, &mut p, &mut n);
    }
    let _ = ffi::modssl_conn_flags(conn);
    let _ = ffi::modssl_conn_stats(conn);
    let msg = b"after";
    let _ = ffi::modssl_conn_write(conn, msg.as_ptr(), msg.len());
    let _ = ffi::modssl_conn_close_notify(conn);
    let _ = take_pending(conn);
    ffi::modssl_conn_recv_commit(conn, 0); // EOF
    let _ = ffi::modssl_conn_process(conn);
    drain_plaintext(conn);
}
