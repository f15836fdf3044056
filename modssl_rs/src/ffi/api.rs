//! The exported functions (see `ffi/mod.rs` for the conventions).

use super::status;

use core::ptr;
use core::slice;
// The ABI's C types from cty, the crate chosen for them (core::ffi has the
// same since Rust 1.64; one spelling for the boundary).
use cty::c_char;

use alloc::boxed::Box;

use crate::conn::Conn;
use crate::context::{self, Context};
use crate::errors::{self, Detail};
use crate::heap::{Arena, ArenaStats, OwnerGuard};
use crate::port;
use crate::verifier::VerifyMode;

/// A connection and the arena that holds it.
pub struct Connection {
    arena: *mut Arena,
    conn: Conn,
}

impl Connection {
    pub(super) fn conn(&self) -> &Conn {
        &self.conn
    }
}

/// Sizes of a connection's arena, in bytes.
#[repr(C)]
pub struct ArenaConfig {
    /// Reserved when the connection is made; the first handshake steps and
    /// writes with the heap locked use no other memory.
    pub first_chunk: usize,
    /// The smallest chunk taken when the arena grows.
    pub grow_chunk: usize,
    /// The most heap the connection may hold; beyond it, `MemoryError`.
    pub limit: usize,
}

/// What was negotiated.
#[repr(C)]
pub struct ConnInfo {
    /// 0x0304 for TLS 1.3, 0x0303 for TLS 1.2; 0 while handshaking.
    pub protocol_version: u16,
    /// The IANA number of the cipher suite; 0 while handshaking.
    pub cipher_suite: u16,
    /// The IANA name of the cipher suite (NUL-terminated, static), or NULL.
    pub cipher_suite_name: *const c_char,
    /// How many certificates the peer presented.
    pub peer_certificates: usize,
}

unsafe fn bytes<'a>(p: *const u8, len: usize) -> Option<&'a [u8]> {
    if p.is_null() {
        if len == 0 {
            Some(&[])
        } else {
            None
        }
    } else {
        Some(slice::from_raw_parts(p, len))
    }
}

fn code_of(r: Result<(), i32>) -> i32 {
    match r {
        Ok(()) => status::OK,
        Err(e) => e,
    }
}

// ---- status --------------------------------------------------------------

/// The text for a status code (NUL-terminated, static).
#[no_mangle]
pub extern "C" fn modssl_status_text(code: i32) -> *const c_char {
    status::text(code).as_ptr() as *const c_char
}

/// How `code` is raised: 1 `ValueError` (bad input), 2
/// `SSLCertVerificationError` (a refused certificate), 3 `SSLError` (a
/// protocol error), 4 `MemoryError`; 0 for success.
#[no_mangle]
pub extern "C" fn modssl_status_raised(code: i32) -> u8 {
    status::raised(code) as u8
}

/// Writes `detail`'s message for `code` into `buf` (NUL-terminated, cut to
/// `len` bytes); its length without the NUL.
fn message(code: i32, detail: Detail, buf: *mut c_char, len: usize) -> usize {
    if buf.is_null() || len == 0 {
        return 0;
    }
    let out = unsafe { slice::from_raw_parts_mut(buf as *mut u8, len) };
    errors::write_message(code, detail, out)
}

/// The message for `code`, returned by one of `ctx`'s calls: the status text
/// and what the call knew beyond the code (why a key was refused, which
/// certificate was bad).  Into `buf` as for `modssl_conn_error_message`.
#[no_mangle]
pub extern "C" fn modssl_context_error_message(ctx: *const Context, code: i32, buf: *mut c_char, len: usize) -> usize {
    let detail = unsafe { ctx.as_ref() }.map_or(Detail::None, |c| c.error_detail(code));
    message(code, detail, buf, len)
}

/// The message for `code`, returned by one of `conn`'s calls: the status text
/// and, for the connection's error, what the code does not say (the alert
/// the peer sent, with a hint).  Written to `buf`, NUL-terminated and cut to
/// `len` bytes; returns its length without the NUL.  Allocates nothing.
#[no_mangle]
pub extern "C" fn modssl_conn_error_message(conn: *const Connection, code: i32, buf: *mut c_char, len: usize) -> usize {
    let detail = unsafe { conn.as_ref() }.map_or(Detail::None, |c| c.conn.error_detail(code));
    message(code, detail, buf, len)
}

// ---- contexts ------------------------------------------------------------

/// A new context for clients (`server` false) or servers.
#[no_mangle]
pub extern "C" fn modssl_context_new(server: bool, out: *mut *mut Context) -> i32 {
    if out.is_null() {
        return status::BAD_ARGUMENT;
    }
    if server && !cfg!(feature = "server") {
        return status::SERVER_NOT_IN_BUILD;
    }
    OwnerGuard::shared(|| {
        let ctx = Box::new(Context::new(server));
        unsafe { *out = Box::into_raw(ctx) };
        status::OK
    })
}

/// Frees a context.  Connections made from it keep what they need.
#[no_mangle]
pub extern "C" fn modssl_context_free(ctx: *mut Context) {
    if !ctx.is_null() {
        OwnerGuard::shared(|| drop(unsafe { Box::from_raw(ctx) }));
    }
}

/// 0 `CERT_NONE`, 1 `CERT_OPTIONAL`, 2 `CERT_REQUIRED`; `explicit`: the
/// user's choice (an attribute or keyword), not the flavour's default.
#[no_mangle]
pub extern "C" fn modssl_context_set_verify_mode(ctx: *mut Context, mode: u8, explicit: bool) -> i32 {
    let Some(ctx) = (unsafe { ctx.as_mut() }) else {
        return status::BAD_ARGUMENT;
    };
    let Some(mode) = VerifyMode::from_u8(mode) else {
        return status::BAD_ARGUMENT;
    };
    code_of(OwnerGuard::shared(|| ctx.set_verify_mode(mode, explicit)))
}

#[no_mangle]
pub extern "C" fn modssl_context_verify_mode(ctx: *const Context) -> i32 {
    match unsafe { ctx.as_ref() } {
        Some(ctx) => ctx.verify_mode() as i32,
        None => status::BAD_ARGUMENT,
    }
}

/// Adds trusted certificates: PEM or DER, one or many.  Returns how many.
#[no_mangle]
pub extern "C" fn modssl_context_load_verify(ctx: *mut Context, data: *const u8, len: usize) -> i32 {
    let (Some(ctx), Some(data)) = (unsafe { ctx.as_mut() }, unsafe { bytes(data, len) }) else {
        return status::BAD_ARGUMENT;
    };
    match port::deep_once(|| OwnerGuard::shared(|| ctx.add_trusted(data))) {
        Some(Ok(n)) => n.min(i32::MAX as usize) as i32,
        Some(Err(e)) => e,
        None => status::OUT_OF_MEMORY,
    }
}

/// Sets the certificate chain (PEM or DER, leaf first) and private key
/// (PEM or DER; RSA PKCS#1/PKCS#8, EC SEC1/PKCS#8, Ed25519 PKCS#8).
#[no_mangle]
pub extern "C" fn modssl_context_load_cert_chain(
    ctx: *mut Context,
    cert: *const u8,
    cert_len: usize,
    key: *const u8,
    key_len: usize,
) -> i32 {
    let (Some(ctx), Some(cert), Some(key)) =
        (unsafe { ctx.as_mut() }, unsafe { bytes(cert, cert_len) }, unsafe { bytes(key, key_len) })
    else {
        return status::BAD_ARGUMENT;
    };
    port::deep_once(|| OwnerGuard::shared(|| ctx.set_identity(cert, key))).map_or(status::OUT_OF_MEMORY, code_of)
}

/// 1 if `ctx` has a certificate and key (`load_cert_chain`), else 0: a
/// server without one refuses at `wrap_socket` rather than at a ClientHello.
#[no_mangle]
pub extern "C" fn modssl_context_has_identity(ctx: *const Context) -> i32 {
    match unsafe { ctx.as_ref() } {
        Some(c) => c.has_identity() as i32,
        None => status::BAD_ARGUMENT,
    }
}

/// Restricts the cipher suites to `ids` (IANA numbers), in that order.
#[no_mangle]
pub extern "C" fn modssl_context_set_ciphers(ctx: *mut Context, ids: *const u16, n: usize) -> i32 {
    let Some(ctx) = (unsafe { ctx.as_mut() }) else {
        return status::BAD_ARGUMENT;
    };
    if ids.is_null() {
        return status::BAD_ARGUMENT;
    }
    let ids = unsafe { slice::from_raw_parts(ids, n) };
    code_of(OwnerGuard::shared(|| ctx.set_suites(ids)))
}

/// The `index`th cipher suite the context offers: its IANA number, and its
/// name through `name` (static, NUL-terminated).  `BAD_ARGUMENT` past the end.
#[no_mangle]
pub extern "C" fn modssl_context_cipher(ctx: *const Context, index: usize, name: *mut *const c_char) -> i32 {
    let Some(ctx) = (unsafe { ctx.as_ref() }) else {
        return status::BAD_ARGUMENT;
    };
    let suites = OwnerGuard::shared(|| ctx.suites());
    let Some(suite) = suites.get(index) else {
        return status::BAD_ARGUMENT;
    };
    let id = u16::from(suite.suite());
    if !name.is_null() {
        unsafe { *name = crate::suites::name(id) };
    }
    OwnerGuard::shared(|| drop(suites));
    id as i32
}

/// The IANA number of a suite named `name` (e.g. "TLS_AES_128_GCM_SHA256")
/// that we implement, or `UNKNOWN_CIPHER`.
#[no_mangle]
pub extern "C" fn modssl_cipher_id(name: *const u8, len: usize) -> i32 {
    match unsafe { bytes(name, len) } {
        Some(name) => crate::suites::id(name).map_or(status::UNKNOWN_CIPHER, |id| id as i32),
        None => status::BAD_ARGUMENT,
    }
}

// ---- connections ---------------------------------------------------------

/// Makes a connection from `ctx`.  A client passes the server name (DNS name
/// or IP address; NULL/0 for none), which is sent as SNI and verified.
/// Runs on the core stack (it makes the key shares and the first flight),
/// which it leaves held for the handshake to come.
#[no_mangle]
pub extern "C" fn modssl_conn_new(
    ctx: *mut Context,
    server_name: *const u8,
    server_name_len: usize,
    arena: ArenaConfig,
    out: *mut *mut Connection,
) -> i32 {
    let r = port::deep(|| conn_new(ctx, server_name, server_name_len, arena, out)).unwrap_or(status::OUT_OF_MEMORY);
    if r != status::OK {
        port::release_deep();
    }
    r
}

fn conn_new(
    ctx: *mut Context,
    server_name: *const u8,
    server_name_len: usize,
    arena: ArenaConfig,
    out: *mut *mut Connection,
) -> i32 {
    let (Some(ctx), Some(name)) = (unsafe { ctx.as_mut() }, unsafe { bytes(server_name, server_name_len) }) else {
        return status::BAD_ARGUMENT;
    };
    if out.is_null() {
        return status::BAD_ARGUMENT;
    }
    // The configuration belongs to the context: build it on the shared heap.
    // Verifying with nothing to verify against: named when the certificate
    // arrives (so a peer that is not TLS at all still reads as that, as
    // MicroPython's tests expect), or at once if the name is missing too.
    let no_trust = ctx.verify_mode() != VerifyMode::None && !ctx.has_trust();
    let setup = OwnerGuard::shared(|| -> Result<_, i32> {
        if ctx.is_server() {
            Ok((None, Some(ctx.server_config()?), None, ctx.key_mismatch()))
        } else {
            let named = !name.is_empty();
            let name = if !named {
                // As CPython: a name is needed only to check it.
                if ctx.needs_hostname() {
                    return Err(if no_trust { status::NO_CA_LOADED } else { status::HOSTNAME_REQUIRED });
                }
                // rustls needs a name; this one is not checked here, and an
                // IP address is not sent as SNI.
                &b"0.0.0.0"[..]
            } else {
                name
            };
            // Checked here; made again in the connection's arena below (made
            // on this heap, it would outlive a connection discarded after
            // an out-of-memory).
            drop(context::server_name(name)?);
            Ok((Some(ctx.client_config(named)?), None, Some(name), ctx.key_mismatch()))
        }
    });
    let (client, server, name, mismatch) = match setup {
        Ok(s) => s,
        Err(e) => return e,
    };
    let a = Arena::create(arena.first_chunk, arena.grow_chunk, arena.limit);
    if a.is_null() {
        OwnerGuard::shared(|| drop((client, server, name)));
        return status::OUT_OF_MEMORY;
    }
    let _owner = unsafe { OwnerGuard::enter_new(a) };
    let conn = match (client, server, name) {
        (Some(c), _, Some(n)) => context::server_name(n).and_then(|n| Conn::client(c, n, mismatch)),
        #[cfg(feature = "server")]
        (_, Some(s), _) => Conn::server(s, mismatch),
        _ => Err(status::INTERNAL),
    };
    match conn {
        Ok(mut conn) => {
            conn.set_no_trust(no_trust);
            let boxed = Box::new(Connection { arena: a, conn });
            unsafe { *out = Box::into_raw(boxed) };
            status::OK
        }
        Err(e) => {
            drop(_owner);
            unsafe { Arena::release(a) };
            e
        }
    }
}

/// Frees a connection normally (its destructors run) and then its arena.
#[no_mangle]
pub extern "C" fn modssl_conn_free(conn: *mut Connection) {
    if conn.is_null() {
        return;
    }
    unsafe {
        let arena = (*conn).arena;
        {
            let _owner = OwnerGuard::enter(arena);
            drop(Box::from_raw(conn));
        }
        Arena::release(arena);
    }
    port::release_deep();
}

/// Frees a connection after a panic escaped one of its calls: its arena is
/// released whole and no destructor runs (its state may be half-updated).
#[no_mangle]
pub extern "C" fn modssl_conn_discard(conn: *mut Connection) {
    if !conn.is_null() {
        unsafe { Arena::discard((*conn).arena) };
    }
    port::release_deep();
}

/// Runs `f` on the connection with its arena current.
fn with_conn<R>(conn: *mut Connection, bad: R, f: impl FnOnce(&mut Conn) -> R) -> R {
    match unsafe { conn.as_mut() } {
        Some(c) => {
            let _owner = unsafe { OwnerGuard::enter(c.arena) };
            f(&mut c.conn)
        }
        None => bad,
    }
}

/// Processes received ciphertext and queues what must be sent.  Returns the
/// connection's flags (`MODSSL_FLAG_*`) or an error.
///
/// While the handshake is under way, and for a TLS 1.3 client until its
/// first application data (the session tickets servers send just after the
/// handshake), this runs on the core stack, which it gives back after:
/// records after that (application data, alerts) need no more than the
/// main stack (`Conn::needs_core_stack`).
#[no_mangle]
pub extern "C" fn modssl_conn_process(conn: *mut Connection) -> i32 {
    let process = || {
        with_conn(conn, status::BAD_ARGUMENT, |c| match c.process() {
            Ok(f) => f as i32,
            Err(e) => e,
        })
    };
    let needs = |conn: *mut Connection| unsafe { conn.as_ref() }.is_some_and(|c| c.conn.needs_core_stack());
    if !needs(conn) {
        return process();
    }
    let r = port::deep(process).unwrap_or(status::OUT_OF_MEMORY);
    if r < 0 || !needs(conn) {
        port::release_deep();
    }
    r
}

/// The connection's flags (`MODSSL_FLAG_*`), without doing any work.
#[no_mangle]
pub extern "C" fn modssl_conn_flags(conn: *const Connection) -> i32 {
    match unsafe { conn.as_ref() } {
        Some(c) if c.conn.error() != status::OK => c.conn.error(),
        Some(c) => c.conn.flags() as i32,
        None => status::BAD_ARGUMENT,
    }
}

/// Where to put ciphertext read from the socket: sets `*buf` and returns the
/// room there (at least 1 byte; enough to complete the current record).
#[no_mangle]
pub extern "C" fn modssl_conn_recv_space(conn: *mut Connection, buf: *mut *mut u8) -> usize {
    if buf.is_null() {
        return 0;
    }
    with_conn(conn, 0, |c| {
        let space = c.recv_space();
        unsafe { *buf = space.as_mut_ptr() };
        space.len()
    })
}

/// `n` bytes were written to the space from `modssl_conn_recv_space`.
/// `n == 0` means the socket reached end of file.
#[no_mangle]
pub extern "C" fn modssl_conn_recv_commit(conn: *mut Connection, n: usize) {
    with_conn(conn, (), |c| if n == 0 { c.recv_eof() } else { c.recv_commit(n) })
}

/// Ciphertext to send: sets `*buf` and returns its length (0: nothing).
#[no_mangle]
pub extern "C" fn modssl_conn_send_pending(conn: *mut Connection, buf: *mut *const u8) -> usize {
    if buf.is_null() {
        return 0;
    }
    with_conn(conn, 0, |c| {
        let p = c.send_pending();
        unsafe { *buf = if p.is_empty() { ptr::null() } else { p.as_ptr() } };
        p.len()
    })
}

/// `n` bytes of the pending ciphertext were sent.
#[no_mangle]
pub extern "C" fn modssl_conn_send_consume(conn: *mut Connection, n: usize) {
    with_conn(conn, (), |c| c.send_consume(n))
}

/// Copies decrypted bytes into `buf`; returns how many (0: none buffered;
/// the flags tell whether more may come).
#[no_mangle]
pub extern "C" fn modssl_conn_read(conn: *mut Connection, buf: *mut u8, len: usize) -> isize {
    if buf.is_null() && len != 0 {
        return status::BAD_ARGUMENT as isize;
    }
    with_conn(conn, status::BAD_ARGUMENT as isize, |c| {
        if len == 0 {
            return 0;
        }
        let out = unsafe { slice::from_raw_parts_mut(buf, len) };
        c.read(out) as isize
    })
}

/// Encrypts up to one record's worth of `data` into the outgoing buffer;
/// returns how many bytes were taken.  The handshake must be complete.
#[no_mangle]
pub extern "C" fn modssl_conn_write(conn: *mut Connection, data: *const u8, len: usize) -> isize {
    let Some(data) = (unsafe { bytes(data, len) }) else {
        return status::BAD_ARGUMENT as isize;
    };
    with_conn(conn, status::BAD_ARGUMENT as isize, |c| match c.write(data) {
        Ok(n) => n as isize,
        Err(e) => e as isize,
    })
}

/// Queues close_notify (once; nothing before the handshake completes).
#[no_mangle]
pub extern "C" fn modssl_conn_close_notify(conn: *mut Connection) -> i32 {
    with_conn(conn, status::BAD_ARGUMENT, |c| code_of(c.close_notify()))
}

/// What was negotiated.
#[no_mangle]
pub extern "C" fn modssl_conn_info(conn: *const Connection, info: *mut ConnInfo) -> i32 {
    let (Some(c), false) = (unsafe { conn.as_ref() }, info.is_null()) else {
        return status::BAD_ARGUMENT;
    };
    let c = &c.conn;
    let suite = c.cipher_suite().map(|s| u16::from(s.suite())).unwrap_or(0);
    let version = c.protocol_version().map(u16::from).unwrap_or(0);
    unsafe {
        *info = ConnInfo {
            protocol_version: version,
            cipher_suite: suite,
            cipher_suite_name: if suite == 0 { ptr::null() } else { crate::suites::name(suite) },
            peer_certificates: c.peer_certificates().len(),
        }
    };
    status::OK
}

/// The `index`th certificate the peer presented (0: its own), DER.  The
/// bytes stay valid until the connection is freed.
#[no_mangle]
pub extern "C" fn modssl_conn_peer_cert(
    conn: *const Connection,
    index: usize,
    der: *mut *const u8,
    len: *mut usize,
) -> i32 {
    let (Some(c), false, false) = (unsafe { conn.as_ref() }, der.is_null(), len.is_null()) else {
        return status::BAD_ARGUMENT;
    };
    match c.conn.peer_certificates().get(index) {
        Some(cert) => {
            unsafe {
                *der = cert.as_ptr();
                *len = cert.len();
            }
            status::OK
        }
        None => status::BAD_ARGUMENT,
    }
}

/// Heap held by the connection's arena.
#[no_mangle]
pub extern "C" fn modssl_conn_stats(conn: *const Connection) -> ArenaStats {
    match unsafe { conn.as_ref() } {
        Some(c) => unsafe { (*c.arena).stats() },
        None => ArenaStats::default(),
    }
}

#[cfg(all(test, all_algorithms))]
mod tests {
    #[test]
    fn version_string_names_the_crate_version() {
        let v = core::str::from_utf8(&crate::ffi::modssl_version_string).unwrap();
        assert!(v.contains(concat!(" ", env!("CARGO_PKG_VERSION"), " ")));
        assert!(v.ends_with('\0'));
    }
}
