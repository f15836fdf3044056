//! `modssl_conn`: one TLS connection, in an arena of its own.  The shim
//! moves ciphertext between the socket and the buffers `conn.rs` keeps
//! (`recv_space`/`recv_commit`, `send_pending`/`send_consume`) and asks
//! `process` to run rustls over them; every call runs with the connection's
//! arena as the allocation owner.

use alloc::boxed::Box;
use core::ffi::c_char;
use core::ptr;

use super::{code_of, status};
use crate::conn::Conn;
use crate::context::{self, Context};
use crate::errors::Detail;
use crate::heap::{Arena, OwnerGuard};
use crate::port;
use crate::verifier::VerifyMode;

/// A connection and the arena that holds it.
pub struct Connection {
    pub(super) arena: *mut Arena,
    conn: Conn,
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
    /// The IANA number of the key exchange group; 0 while handshaking or
    /// when none was made (a TLS 1.2 resumption).
    pub key_exchange_group: u16,
    /// Its IANA name (NUL-terminated, static), or NULL.
    pub key_exchange_group_name: *const c_char,
}

// ---- connections ---------------------------------------------------------

/// What a client's first chunk holds beyond the shim's `first_chunk`: with
/// `pq`, the ML-KEM-768 keys `modssl_conn_new` makes (about 7 KB) and a
/// ClientHello 1,216 B longer, so that the first flight is still written
/// without growing the arena, as it must be when the user has locked the
/// heap (MicroPython's tls_num_errors test): measured on qemu MPS2_AN385,
/// 9,863 B in use after `wrap_socket` and 14,560 B reserved after the first
/// write, against 2,919 B of a 4,160 B chunk without.
const CLIENT_FIRST_CHUNK_EXTRA: usize = if cfg!(feature = "pq") { 10 * 1024 } else { 0 };

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
    let ctx = try_mut!(ctx);
    let name = try_slice!(server_name, server_name_len);
    try_out!(out);
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
    let first = if client.is_some() { arena.first_chunk + CLIENT_FIRST_CHUNK_EXTRA } else { arena.first_chunk };
    let a = Arena::create(first, arena.grow_chunk, arena.limit.max(first));
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
    try_out!(conn, ());
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
    let c = try_mut!(conn, bad);
    let _owner = unsafe { OwnerGuard::enter(c.arena) };
    f(&mut c.conn)
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
    let c = &try_ref!(conn).conn;
    match c.error() {
        status::OK => c.flags() as i32,
        e => e,
    }
}

/// Where to put ciphertext read from the socket: sets `*buf` and returns the
/// room there (at least 1 byte; enough to complete the current record).
#[no_mangle]
pub extern "C" fn modssl_conn_recv_space(conn: *mut Connection, buf: *mut *mut u8) -> usize {
    try_out!(buf, 0);
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
    try_out!(buf, 0);
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
    let out = try_slice_mut!(buf, len, status::BAD_ARGUMENT as isize);
    with_conn(conn, status::BAD_ARGUMENT as isize, |c| if out.is_empty() { 0 } else { c.read(out) as isize })
}

/// Encrypts up to one record's worth of `data` into the outgoing buffer;
/// returns how many bytes were taken.  The handshake must be complete.
#[no_mangle]
pub extern "C" fn modssl_conn_write(conn: *mut Connection, data: *const u8, len: usize) -> isize {
    let data = try_slice!(data, len, status::BAD_ARGUMENT as isize);
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
    let c = &try_ref!(conn).conn;
    try_out!(info);
    let suite = c.cipher_suite().map(|s| u16::from(s.suite())).unwrap_or(0);
    let version = c.protocol_version().map(u16::from).unwrap_or(0);
    let group = c.key_exchange_group().map(u16::from).unwrap_or(0);
    unsafe {
        *info = ConnInfo {
            protocol_version: version,
            cipher_suite: suite,
            cipher_suite_name: if suite == 0 { ptr::null() } else { crate::suites::name(suite) },
            peer_certificates: c.peer_certificates().len(),
            key_exchange_group: group,
            key_exchange_group_name: crate::suites::group_name(group),
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
    let c = try_ref!(conn);
    try_out!(der);
    try_out!(len);
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

impl Default for ConnInfo {
    /// Nothing negotiated yet.
    fn default() -> Self {
        ConnInfo {
            protocol_version: 0,
            cipher_suite: 0,
            cipher_suite_name: ptr::null(),
            peer_certificates: 0,
            key_exchange_group: 0,
            key_exchange_group_name: ptr::null(),
        }
    }
}

/// Whether the connection's handshake resumed a session: 1, 0, or an error.
#[no_mangle]
pub extern "C" fn modssl_conn_resumed(conn: *const Connection) -> i32 {
    try_ref!(conn).conn.resumed() as i32
}

/// The ALPN protocol the peers agreed on: `*proto`/`*len`, or length 0.
#[no_mangle]
pub extern "C" fn modssl_conn_alpn(conn: *const Connection, proto: *mut *const u8, len: *mut usize) -> i32 {
    let c = try_ref!(conn);
    try_out!(proto);
    try_out!(len);
    let p = c.conn.alpn_protocol().unwrap_or(&[]);
    unsafe {
        *proto = p.as_ptr();
        *len = p.len();
    }
    status::OK
}

/// The message for `code`, returned by one of `conn`'s calls: the status text
/// and, for the connection's error, what the code does not say (the alert
/// the peer sent, with a hint).  Written to `buf`, NUL-terminated and cut to
/// `len` bytes; returns its length without the NUL.  Allocates nothing.
#[no_mangle]
pub extern "C" fn modssl_conn_error_message(conn: *const Connection, code: i32, buf: *mut c_char, len: usize) -> usize {
    let detail = unsafe { conn.as_ref() }.map_or(Detail::None, |c| c.conn.error_detail(code));
    status::message(code, detail, buf, len)
}
