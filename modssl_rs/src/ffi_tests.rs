//! Handshakes through the C ABI, driven as the shim drives them: `End`'s
//! methods are `micropython/modssl_socket.c`'s `flush_out`, `fill_in`,
//! `advance_handshake`, `socket_read`, `socket_write`, `fail` and `release`,
//! on an in-memory socket that always takes what is written and has what the
//! peer wrote.  A client and a server made from `tests-data/certs/` through
//! the `modssl_context_*` calls: what a MicroPython user gets from
//! `wrap_socket`, without MicroPython.

use core::ptr;
use std::ffi::CStr;

use crate::conn::flags::{FLAG_CLOSED, FLAG_HANDSHAKING, FLAG_PEER_CLOSED, FLAG_READABLE, FLAG_UNCLEAN_EOF};
use crate::testkit::*;

const INTER_DER: &[u8] = include_bytes!("../tests-data/certs/inter-ca.der");
const LEAF_DER: &[u8] = include_bytes!("../tests-data/certs/leaf-p256.der");
const RSA_DER: &[u8] = include_bytes!("../tests-data/certs/leaf-rsa2048.der");
const CLIENT_DER: &[u8] = include_bytes!("../tests-data/certs/client.der");
const UNTRUSTED_PEM: &[u8] = include_bytes!("../tests-data/certs/untrusted.pem");
const UNTRUSTED_KEY: &[u8] = include_bytes!("../tests-data/certs/untrusted.key");

const TLS12: u16 = 0x0303;
const TLS13: u16 = 0x0304;
const CERT_NONE: u8 = 0;
const CERT_REQUIRED: u8 = 2;

/// What the socket gave `fill_in`.
enum Io {
    Data,
    WouldBlock,
    Eof,
}

/// One end of the connection, as the shim's socket object holds it.
struct End {
    conn: *mut Connection,
    /// What the peer wrote that this end has not read (its socket's queue).
    inbox: Vec<u8>,
    /// What this end wrote that the peer has not been given yet.
    outbox: Vec<u8>,
    /// The peer closed its socket: once `inbox` is empty, reads give EOF.
    peer_gone: bool,
    /// The error that failed the connection (the shim's `last_error`) and
    /// its message, as the exception would carry them.
    error: Option<(i32, String)>,
}

impl End {
    fn new(conn: *mut Connection) -> End {
        End { conn, inbox: Vec::new(), outbox: Vec::new(), peer_gone: false, error: None }
    }

    /// `flush_out`: everything the core queued goes to the socket.
    fn flush_out(&mut self) {
        self.outbox.extend(take_pending(self.conn));
    }

    /// `fill_in`: what the socket has, into the room the core offers.
    fn fill_in(&mut self) -> Io {
        let mut buf = ptr::null_mut();
        let room = ffi::modssl_conn_recv_space(self.conn, &mut buf);
        assert!(room > 0 && !buf.is_null(), "recv_space gave no room");
        if self.inbox.is_empty() {
            if !self.peer_gone {
                return Io::WouldBlock;
            }
            ffi::modssl_conn_recv_commit(self.conn, 0);
            return Io::Eof;
        }
        let n = room.min(self.inbox.len());
        unsafe { ptr::copy_nonoverlapping(self.inbox.as_ptr(), buf, n) };
        self.inbox.drain(..n);
        ffi::modssl_conn_recv_commit(self.conn, n);
        Io::Data
    }

    /// `fail`: keeps the code and its message, sends the alert, frees the
    /// connection.  Returns the code.
    fn fail(&mut self, code: i32) -> i32 {
        let mut buf = [0u8; 200];
        let n = ffi::modssl_conn_error_message(self.conn, code, buf.as_mut_ptr().cast(), buf.len());
        let message = String::from_utf8(buf[..n].to_vec()).expect("the message is UTF-8");
        self.flush_out();
        ffi::modssl_conn_free(self.conn);
        self.conn = ptr::null_mut();
        self.error = Some((code, message));
        code
    }

    /// `advance_handshake`: Ok(true) once complete, Ok(false) when it waits
    /// for the peer.
    fn advance_handshake(&mut self) -> Result<bool, i32> {
        loop {
            let flags = ffi::modssl_conn_process(self.conn);
            if flags < 0 {
                return Err(self.fail(flags));
            }
            self.flush_out();
            if flags as u32 & FLAG_HANDSHAKING == 0 {
                return Ok(true);
            }
            if let Io::WouldBlock = self.fill_in() {
                return Ok(false);
            }
        }
    }

    /// `socket_read`: Some(bytes), empty at the end of the stream; None when
    /// it would block.
    fn read(&mut self, max: usize) -> Result<Option<Vec<u8>>, i32> {
        loop {
            let mut buf = vec![0u8; max];
            let n = ffi::modssl_conn_read(self.conn, buf.as_mut_ptr(), max);
            if n > 0 {
                buf.truncate(n as usize);
                return Ok(Some(buf));
            } else if n < 0 {
                return Err(self.fail(n as i32));
            }
            let flags = ffi::modssl_conn_process(self.conn);
            if flags < 0 {
                return Err(self.fail(flags));
            }
            self.flush_out();
            let flags = flags as u32;
            if flags & FLAG_HANDSHAKING != 0 {
                if !self.advance_handshake()? {
                    return Ok(None);
                }
                continue;
            }
            if flags & FLAG_READABLE != 0 {
                continue;
            }
            if flags & FLAG_PEER_CLOSED != 0 {
                return Ok(Some(Vec::new()));
            }
            if let Io::WouldBlock = self.fill_in() {
                return Ok(None);
            }
        }
    }

    /// `socket_write` on a socket that takes everything: how many bytes of
    /// `data` went into a record, None while the handshake waits.
    fn write(&mut self, data: &[u8]) -> Result<Option<usize>, i32> {
        let flags = ffi::modssl_conn_flags(self.conn);
        if flags < 0 {
            return Err(self.fail(flags));
        }
        if flags as u32 & FLAG_HANDSHAKING != 0 && !self.advance_handshake()? {
            return Ok(None);
        }
        let n = ffi::modssl_conn_write(self.conn, data.as_ptr(), data.len());
        if n < 0 {
            return Err(self.fail(n as i32));
        }
        self.flush_out();
        Ok(Some(n as usize))
    }

    /// `release(notify)`: close_notify, sent.
    fn close_notify(&mut self) {
        assert_eq!(ffi::modssl_conn_close_notify(self.conn), status::OK);
        self.flush_out();
    }

    fn flags(&self) -> u32 {
        let f = ffi::modssl_conn_flags(self.conn);
        assert!(f >= 0, "flags: {f}");
        f as u32
    }

    fn info(&self) -> ConnInfo {
        let mut info = ConnInfo::default();
        assert_eq!(ffi::modssl_conn_info(self.conn, &mut info), status::OK);
        info
    }

    fn suite_name(&self) -> &'static str {
        let p = self.info().cipher_suite_name;
        assert!(!p.is_null(), "no cipher suite name");
        unsafe { CStr::from_ptr(p) }.to_str().unwrap()
    }

    /// The certificates the peer presented, DER, through `modssl_conn_peer_cert`.
    fn peer_certs(&self) -> Vec<Vec<u8>> {
        (0..self.info().peer_certificates)
            .map(|i| {
                let (mut der, mut len) = (ptr::null(), 0usize);
                assert_eq!(ffi::modssl_conn_peer_cert(self.conn, i, &mut der, &mut len), status::OK);
                unsafe { core::slice::from_raw_parts(der, len) }.to_vec()
            })
            .collect()
    }

    fn error(&self) -> (i32, &str) {
        let (code, message) = self.error.as_ref().expect("no error");
        (*code, message.as_str())
    }
}

impl Drop for End {
    fn drop(&mut self) {
        ffi::modssl_conn_free(self.conn);
    }
}

/// A client and a server over one in-memory socket pair.
struct Pair {
    c: End,
    s: End,
    ctx: [*mut Context; 2],
    /// Bytes each end (client, server) has put on the wire.
    sent: [usize; 2],
}

impl Pair {
    /// `cctx` connects to `sctx` by the name `host`.
    fn new(cctx: *mut Context, sctx: *mut Context, host: &[u8]) -> Pair {
        let c = conn(cctx, host).expect("client connection");
        let s = conn(sctx, b"").expect("server connection");
        Pair { c: End::new(c), s: End::new(s), ctx: [cctx, sctx], sent: [0, 0] }
    }

    /// The network: what each end wrote reaches the other; an end that
    /// failed closes its socket (the user's `with` block ends).
    fn wire(&mut self) {
        self.sent[0] += self.c.outbox.len();
        self.sent[1] += self.s.outbox.len();
        self.s.inbox.append(&mut self.c.outbox);
        self.c.inbox.append(&mut self.s.outbox);
        self.s.peer_gone |= self.c.error.is_some();
        self.c.peer_gone |= self.s.error.is_some();
    }

    /// Both handshakes, as two blocking `wrap_socket`s run them, taking
    /// turns until each has finished or failed.  Whether each finished.
    fn handshake(&mut self) -> (bool, bool) {
        let mut done = [false, false];
        for _ in 0..20 {
            for (i, end) in [&mut self.c, &mut self.s].into_iter().enumerate() {
                if !done[i] && end.error.is_none() {
                    done[i] = end.advance_handshake() == Ok(true);
                }
            }
            self.wire();
            let settled = |i: usize, e: &End| done[i] || e.error.is_some();
            if settled(0, &self.c) && settled(1, &self.s) {
                return (done[0], done[1]);
            }
        }
        panic!("the handshake made no progress");
    }

    /// `data` from one end to the other, as a blocking `write` loop and a
    /// blocking `read` loop: what arrived.
    fn send(&mut self, from_client: bool, data: &[u8]) -> Vec<u8> {
        let mut sent = 0;
        let mut got = Vec::new();
        for _ in 0..10 * (data.len() / 1000 + 10) {
            let (from, to) = if from_client { (&mut self.c, &mut self.s) } else { (&mut self.s, &mut self.c) };
            if sent < data.len() {
                sent += from.write(&data[sent..]).expect("write").unwrap_or(0);
            }
            to.inbox.append(&mut from.outbox);
            while let Some(r) = to.read(4096).expect("read") {
                assert!(!r.is_empty(), "end of stream in the middle of the data");
                got.extend(r);
            }
            self.wire();
            if got.len() == data.len() {
                return got;
            }
        }
        panic!("sent {sent} bytes, {} arrived", got.len());
    }
}

impl Drop for Pair {
    /// The contexts; the connections after (they keep what they need).
    fn drop(&mut self) {
        self.ctx.iter().for_each(|&c| ffi::modssl_context_free(c));
    }
}

fn versions(ctx: *mut Context, v: u16) -> *mut Context {
    assert_eq!(ffi::modssl_context_set_versions(ctx, v, v), status::OK);
    ctx
}

fn ciphers(ctx: *mut Context, ids: &[u16]) -> *mut Context {
    assert_eq!(ffi::modssl_context_set_ciphers(ctx, ids.as_ptr(), ids.len()), status::OK);
    ctx
}

/// A verifying client trusting the root CA.
fn client() -> *mut Context {
    context(false, CERT_REQUIRED, None, Some(CA_PEM))
}

fn p256_server() -> *mut Context {
    context(true, CERT_NONE, Some((LEAF_CHAIN, LEAF_KEY)), None)
}

/// A deterministic pattern, different per seed.
fn pattern(n: usize, seed: u32) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(1103515245).wrapping_add(12345);
            (x >> 16) as u8
        })
        .collect()
}

#[test]
fn tls13_handshake_verifies_a_p256_chain() {
    let cctx = ciphers(versions(client(), TLS13), &[0x1303]);
    let mut p = Pair::new(cctx, p256_server(), b"localhost");
    assert_eq!(p.handshake(), (true, true));
    for end in [&p.c, &p.s] {
        let info = end.info();
        assert_eq!(info.protocol_version, TLS13);
        assert_eq!(info.cipher_suite, 0x1303);
        assert_eq!(end.suite_name(), "TLS_CHACHA20_POLY1305_SHA256");
        assert_eq!(end.flags() & (FLAG_HANDSHAKING | FLAG_CLOSED | FLAG_PEER_CLOSED), 0);
    }
    // The server's chain as sent: its leaf, then the intermediate.
    assert_eq!(p.c.peer_certs(), [LEAF_DER, INTER_DER]);
    assert_eq!(p.s.peer_certs(), Vec::<Vec<u8>>::new());
}

#[test]
fn tls12_handshake_verifies_an_rsa_chain() {
    // The RSA leaf is signed by the root itself: a chain of one.
    let cctx = ciphers(versions(client(), TLS12), &[0xC02F]);
    let sctx = context(true, CERT_NONE, Some((RSA_PEM, RSA_KEY)), None);
    let mut p = Pair::new(cctx, sctx, b"localhost");
    assert_eq!(p.handshake(), (true, true));
    for end in [&p.c, &p.s] {
        assert_eq!(end.info().protocol_version, TLS12);
        assert_eq!(end.info().cipher_suite, 0xC02F);
        assert_eq!(end.suite_name(), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    }
    assert_eq!(p.c.peer_certs(), [RSA_DER]);
}

#[test]
fn application_data_both_ways() {
    // More than two full records each way, in both versions.
    for v in [TLS13, TLS12] {
        let mut p = Pair::new(versions(client(), v), p256_server(), b"localhost");
        assert_eq!(p.handshake(), (true, true));
        let up = pattern(40_000, 1);
        let down = pattern(40_000, 2);
        assert!(p.send(true, &up) == up, "client to server, {v:#x}");
        assert!(p.send(false, &down) == down, "server to client, {v:#x}");
        assert!(p.send(true, b"x") == b"x");
    }
}

#[test]
fn close_notify_reaches_the_peer() {
    for v in [TLS13, TLS12] {
        let mut p = Pair::new(versions(client(), v), p256_server(), b"localhost");
        assert_eq!(p.handshake(), (true, true));
        assert_eq!(p.send(true, b"last words"), b"last words");
        p.c.close_notify();
        assert_ne!(p.c.flags() & FLAG_CLOSED, 0);
        p.wire();
        p.s.peer_gone = true; // and the client's socket closes
        assert_eq!(p.s.read(100), Ok(Some(Vec::new())), "end of stream, {v:#x}");
        let f = p.s.flags();
        assert_ne!(f & FLAG_PEER_CLOSED, 0);
        assert_eq!(f & FLAG_UNCLEAN_EOF, 0, "close_notify seen, {v:#x}");
    }
    // Without close_notify, the same end of stream is an unclean one.
    let mut p = Pair::new(client(), p256_server(), b"localhost");
    assert_eq!(p.handshake(), (true, true));
    p.s.peer_gone = true;
    assert_eq!(p.s.read(100), Ok(Some(Vec::new())));
    assert_ne!(p.s.flags() & FLAG_UNCLEAN_EOF, 0);
}

#[test]
fn wrong_hostname_fails_verification() {
    for v in [TLS13, TLS12] {
        let mut p = Pair::new(versions(client(), v), p256_server(), b"wrong.example");
        assert_eq!(p.handshake(), (false, false));
        let (code, message) = p.c.error();
        assert_eq!(code, status::CERT_HOSTNAME_MISMATCH);
        assert_eq!(ffi::modssl_status_raised(code), status::Raised::CertVerification as u8);
        assert_eq!(message, "certificate verification failed: hostname mismatch");
        // The server is told why.
        let (code, message) = p.s.error();
        assert_eq!(code, status::PEER_ALERT);
        assert_eq!(
            message,
            "SSL_FATAL_ALERT_MESSAGE: the peer sent a fatal alert: bad_certificate (the peer rejected our certificate)"
        );
    }
}

#[test]
fn untrusted_server_fails_verification() {
    let sctx = context(true, CERT_NONE, Some((UNTRUSTED_PEM, UNTRUSTED_KEY)), None);
    let mut p = Pair::new(client(), sctx, b"localhost");
    assert_eq!(p.handshake(), (false, false));
    assert_eq!(p.c.error(), (status::CERT_UNKNOWN_ISSUER, "certificate verification failed: unknown issuer"));
}

#[test]
fn client_certificate_required_and_given() {
    for v in [TLS13, TLS12] {
        let cctx = context(false, CERT_REQUIRED, Some((CLIENT_PEM, CLIENT_KEY)), Some(CA_PEM));
        let sctx = context(true, CERT_REQUIRED, Some((LEAF_CHAIN, LEAF_KEY)), Some(CA_PEM));
        let mut p = Pair::new(versions(cctx, v), sctx, b"localhost");
        assert_eq!(p.handshake(), (true, true));
        assert_eq!(p.s.peer_certs(), [CLIENT_DER], "{v:#x}");
        assert_eq!(p.send(true, b"hello"), b"hello");
    }
}

#[test]
fn client_certificate_required_and_absent() {
    for v in [TLS13, TLS12] {
        let sctx = context(true, CERT_REQUIRED, Some((LEAF_CHAIN, LEAF_KEY)), Some(CA_PEM));
        let mut p = Pair::new(versions(client(), v), sctx, b"localhost");
        let (client_done, server_done) = p.handshake();
        assert!(!server_done);
        if client_done {
            // TLS 1.3: the client's handshake ends before the server reads
            // its (empty) Certificate; the alert comes to its first read.
            assert_eq!(v, TLS13);
            assert_eq!(p.c.read(10), Err(status::PEER_ALERT));
        }
        let (code, message) = p.c.error();
        assert_eq!(code, status::PEER_ALERT);
        assert_eq!(
            message,
            "SSL_FATAL_ALERT_MESSAGE: the peer sent a fatal alert: certificate_required \
             (the server requires a client certificate (load_cert_chain))"
        );
        assert_eq!(p.s.error(), (status::PEER_CERT_REQUIRED, "SSL_PEER_CERT_REQUIRED: the peer sent no certificate"));
    }
}

/// An intermediate the server leaves out is not found by the client: the
/// chain test above passes because the server sends it.
#[test]
fn a_chain_without_its_intermediate_fails() {
    let sctx = context(true, CERT_NONE, Some((LEAF_PEM, LEAF_KEY)), None);
    let mut p = Pair::new(client(), sctx, b"localhost");
    assert_eq!(p.handshake(), (false, false));
    assert_eq!(p.c.error().0, status::CERT_UNKNOWN_ISSUER);
}

#[test]
fn context_calls_reject_null_and_garbage() {
    let mut ctx = ptr::null_mut();
    assert_eq!(ffi::modssl_context_new(false, ptr::null_mut()), status::BAD_ARGUMENT);
    assert_eq!(ffi::modssl_context_new(false, &mut ctx), status::OK);
    let null = ptr::null_mut();
    assert_eq!(ffi::modssl_context_set_verify_mode(null, CERT_REQUIRED, true), status::BAD_ARGUMENT);
    assert_eq!(ffi::modssl_context_set_verify_mode(ctx, 3, true), status::BAD_ARGUMENT);
    assert_eq!(ffi::modssl_context_verify_mode(null), status::BAD_ARGUMENT);
    assert_eq!(ffi::modssl_context_load_verify(null, CA_PEM.as_ptr(), CA_PEM.len()), status::BAD_ARGUMENT);
    assert_eq!(ffi::modssl_context_load_verify(ctx, ptr::null(), 5), status::BAD_ARGUMENT);
    let junk = b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n";
    assert_eq!(ffi::modssl_context_load_verify(ctx, junk.as_ptr(), junk.len()), status::INVALID_CERT);
    let (c, k) = (LEAF_CHAIN, b"not a key");
    assert_eq!(ffi::modssl_context_load_cert_chain(ctx, c.as_ptr(), c.len(), ptr::null(), 3), status::BAD_ARGUMENT);
    assert_eq!(ffi::modssl_context_load_cert_chain(ctx, c.as_ptr(), c.len(), k.as_ptr(), k.len()), status::INVALID_KEY);
    assert_eq!(ffi::modssl_context_has_identity(ctx), 0);
    assert_eq!(ffi::modssl_context_set_ciphers(ctx, ptr::null(), 1), status::BAD_ARGUMENT);
    assert_eq!(ffi::modssl_context_cipher(ctx, 1000, ptr::null_mut()), status::BAD_ARGUMENT);
    assert_eq!(ffi::modssl_context_set_versions(ctx, 0x0301, 0), status::BAD_ARGUMENT);
    let name = b"TLS_NULL_WITH_NULL_NULL";
    assert_eq!(ffi::modssl_cipher_id(name.as_ptr(), name.len()), status::UNKNOWN_CIPHER);
    // Still usable after every refusal: a verified handshake.
    assert_eq!(ffi::modssl_context_load_verify(ctx, CA_PEM.as_ptr(), CA_PEM.len()), 1);
    assert_eq!(ffi::modssl_context_set_verify_mode(ctx, CERT_REQUIRED, true), status::OK);
    let mut p = Pair::new(ctx, p256_server(), b"localhost");
    assert_eq!(p.handshake(), (true, true));
    ffi::modssl_context_free(null);
}

#[test]
fn connection_calls_reject_null_and_garbage() {
    let ctx = client();
    let mut c = ptr::null_mut();
    let host = b"localhost";
    assert_eq!(ffi::modssl_conn_new(ptr::null_mut(), host.as_ptr(), host.len(), arena(), &mut c), status::BAD_ARGUMENT);
    assert_eq!(ffi::modssl_conn_new(ctx, ptr::null(), 4, arena(), &mut c), status::BAD_ARGUMENT);
    assert_eq!(ffi::modssl_conn_new(ctx, host.as_ptr(), host.len(), arena(), ptr::null_mut()), status::BAD_ARGUMENT);
    let bad = b"not a host name!";
    assert_eq!(ffi::modssl_conn_new(ctx, bad.as_ptr(), bad.len(), arena(), &mut c), status::INVALID_HOSTNAME);
    assert_eq!(ffi::modssl_conn_new(ctx, ptr::null(), 0, arena(), &mut c), status::HOSTNAME_REQUIRED);
    assert!(c.is_null());

    let null: *mut Connection = ptr::null_mut();
    let mut byte = [0u8; 4];
    let mut info = ConnInfo::default();
    let (mut der, mut len) = (ptr::null(), 0usize);
    assert_eq!(ffi::modssl_conn_process(null), status::BAD_ARGUMENT);
    assert_eq!(ffi::modssl_conn_flags(null), status::BAD_ARGUMENT);
    assert_eq!(ffi::modssl_conn_read(null, byte.as_mut_ptr(), 4), status::BAD_ARGUMENT as isize);
    assert_eq!(ffi::modssl_conn_write(null, byte.as_ptr(), 4), status::BAD_ARGUMENT as isize);
    assert_eq!(ffi::modssl_conn_close_notify(null), status::BAD_ARGUMENT);
    assert_eq!(ffi::modssl_conn_info(null, &mut info), status::BAD_ARGUMENT);
    assert_eq!(ffi::modssl_conn_peer_cert(null, 0, &mut der, &mut len), status::BAD_ARGUMENT);
    let mut space = ptr::null_mut();
    assert_eq!(ffi::modssl_conn_recv_space(null, &mut space), 0);
    ffi::modssl_conn_free(null);

    let mut p = Pair::new(ctx, p256_server(), b"localhost");
    let c = p.c.conn;
    assert_eq!(ffi::modssl_conn_read(c, ptr::null_mut(), 4), status::BAD_ARGUMENT as isize);
    assert_eq!(ffi::modssl_conn_write(c, ptr::null(), 4), status::BAD_ARGUMENT as isize);
    assert_eq!(ffi::modssl_conn_info(c, ptr::null_mut()), status::BAD_ARGUMENT);
    assert_eq!(ffi::modssl_conn_peer_cert(c, 0, ptr::null_mut(), &mut len), status::BAD_ARGUMENT);
    assert_eq!(ffi::modssl_conn_recv_space(c, ptr::null_mut()), 0);
    assert_eq!(ffi::modssl_conn_send_pending(c, ptr::null_mut()), 0);
    // Before the handshake: nothing negotiated, no certificate, no writes.
    assert_eq!(ffi::modssl_conn_info(c, &mut info), status::OK);
    assert_eq!((info.protocol_version, info.cipher_suite, info.peer_certificates), (0, 0, 0));
    assert!(info.cipher_suite_name.is_null());
    assert_eq!(ffi::modssl_conn_peer_cert(c, 0, &mut der, &mut len), status::BAD_ARGUMENT);
    assert_eq!(ffi::modssl_conn_write(c, byte.as_ptr(), 4), status::WRONG_STATE as isize);
    // Still good for a handshake; after it, a certificate index past the end.
    assert_eq!(p.handshake(), (true, true));
    assert_eq!(ffi::modssl_conn_peer_cert(p.c.conn, 2, &mut der, &mut len), status::BAD_ARGUMENT);
}

/// Raw public keys (RFC 7250, `rpk`): contexts loaded with bare
/// SubjectPublicKeyInfos through the same calls as certificates.
#[cfg(feature = "rpk")]
mod raw_keys {
    use super::*;

    const ED_KEY: &[u8] = include_bytes!("../tests-data/certs/leaf-ed25519.key");

    /// The SPKI (DER) of a private key file.
    fn spki(key: &[u8]) -> Vec<u8> {
        crate::crypto::keys::load_signing_key(key).unwrap().public_key().unwrap().as_ref().to_vec()
    }

    fn load(ctx: *mut Context, cert: &[u8], key: &[u8]) -> i32 {
        ffi::modssl_context_load_cert_chain(ctx, cert.as_ptr(), cert.len(), key.as_ptr(), key.len())
    }

    fn trust(ctx: *mut Context, data: &[u8]) -> i32 {
        ffi::modssl_context_load_verify(ctx, data.as_ptr(), data.len())
    }

    fn message(ctx: *mut Context, code: i32) -> String {
        let mut buf = [0 as core::ffi::c_char; 200];
        ffi::modssl_context_error_message(ctx, code, buf.as_mut_ptr(), buf.len());
        unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap().to_string()
    }

    #[test]
    fn mutual_raw_keys_p256_server_ed25519_client() {
        let (s_spki, c_spki) = (spki(LEAF_KEY), spki(ED_KEY));
        let sctx = context(true, CERT_REQUIRED, Some((&s_spki, LEAF_KEY)), Some(&c_spki));
        let cctx = context(false, CERT_REQUIRED, Some((&c_spki, ED_KEY)), Some(&s_spki));
        // No name to check a key against: a name that no certificate here
        // has is no failure.
        let mut p = Pair::new(cctx, sctx, b"no-such-name.example");
        assert_eq!(p.handshake(), (true, true));
        assert_eq!(p.c.info().protocol_version, TLS13);
        // The peer's "certificate" is its SPKI.
        assert_eq!(p.c.peer_certs(), [s_spki]);
        assert_eq!(p.s.peer_certs(), [c_spki]);
        assert_eq!(p.send(true, b"hello"), b"hello");
    }

    #[test]
    fn a_key_not_trusted_is_refused_on_both_sides() {
        let s_spki = spki(LEAF_KEY);
        // The client trusts another key.
        let sctx = context(true, CERT_NONE, Some((&s_spki, LEAF_KEY)), None);
        let cctx = context(false, CERT_REQUIRED, None, Some(&spki(ED_KEY)));
        let mut p = Pair::new(cctx, sctx, b"x");
        assert_eq!(p.handshake(), (false, false));
        assert_eq!(
            p.c.error(),
            (status::CERT_RAW_KEY_UNTRUSTED, "certificate verification failed: raw public key not trusted")
        );
        // The server trusts another client key.
        let c_spki = spki(ED_KEY);
        let sctx = context(true, CERT_REQUIRED, Some((&s_spki, LEAF_KEY)), Some(&spki(RSA_KEY)));
        let cctx = context(false, CERT_REQUIRED, Some((&c_spki, ED_KEY)), Some(&s_spki));
        let mut p = Pair::new(cctx, sctx, b"x");
        let (_, server_done) = p.handshake();
        assert!(!server_done);
        assert_eq!(p.s.error().0, status::CERT_RAW_KEY_UNTRUSTED);
    }

    #[test]
    fn certificates_where_raw_keys_are_wanted_are_named() {
        // A client wanting a raw key, a server with a certificate only.
        let cctx = context(false, CERT_REQUIRED, None, Some(&spki(LEAF_KEY)));
        let mut p = Pair::new(cctx, p256_server(), b"localhost");
        assert_eq!(p.handshake(), (false, false));
        assert_eq!(p.s.error().0, status::RPK_NOT_NEGOTIATED);
        // A server with a raw key, a client that knows certificates only.
        let s_spki = spki(LEAF_KEY);
        let sctx = context(true, CERT_NONE, Some((&s_spki, LEAF_KEY)), None);
        let mut p = Pair::new(client(), sctx, b"localhost");
        assert_eq!(p.handshake(), (false, false));
        let (code, text) = p.s.error();
        assert_eq!(code, status::RPK_NOT_NEGOTIATED);
        assert!(text.starts_with("SSL_UNSUPPORTED_CERTIFICATE_TYPE: the peer does not use raw public keys"), "{text}");
    }

    #[test]
    fn loads_refused_with_their_reason() {
        let s_spki = spki(LEAF_KEY);
        // The public key is another key's.
        let ctx = context(true, CERT_NONE, None, None);
        assert_eq!(load(ctx, &spki(ED_KEY), LEAF_KEY), status::KEY_MISMATCH);
        assert_eq!(
            message(ctx, status::KEY_MISMATCH),
            "private key does not match the certificate: the PUBLIC KEY given is not this private key's"
        );
        assert_eq!(ffi::modssl_context_has_identity(ctx), 0);
        ffi::modssl_context_free(ctx);
        // Keys and certificates in one trust, either way round.
        let ctx = context(false, CERT_REQUIRED, None, Some(CA_PEM));
        assert_eq!(trust(ctx, &s_spki), status::RPK_MIXED_TRUST);
        ffi::modssl_context_free(ctx);
        let ctx = context(false, CERT_REQUIRED, None, Some(&s_spki));
        assert_eq!(trust(ctx, CA_PEM), status::RPK_MIXED_TRUST);
        // With the built-in roots: refused when the connection is made.
        if ffi::modssl_context_load_default_certs(ctx) == status::OK {
            assert_eq!(conn(ctx, b"x").err(), Some(status::RPK_MIXED_TRUST));
        }
        ffi::modssl_context_free(ctx);
        // TLS 1.2 only.
        let ctx = context(false, CERT_REQUIRED, None, Some(&s_spki));
        if ffi::modssl_context_set_versions(ctx, TLS12, TLS12) == status::OK {
            assert_eq!(conn(ctx, b"x").err(), Some(status::RPK_NEEDS_TLS13));
        }
        ffi::modssl_context_free(ctx);
        // A malformed key names itself.
        let ctx = context(false, CERT_REQUIRED, None, None);
        let mut cut = s_spki.clone();
        cut.truncate(cut.len() - 1);
        let cut = [s_spki.clone(), cut].concat();
        assert_eq!(trust(ctx, &cut), status::INVALID_CERT);
        assert_eq!(
            message(ctx, status::INVALID_CERT),
            "invalid cert: public key 2: malformed public key (SubjectPublicKeyInfo)"
        );
        // Two trusted keys in one call.
        assert_eq!(trust(ctx, &[s_spki.clone(), spki(ED_KEY)].concat()), 2);
        ffi::modssl_context_free(ctx);
    }
}

/// Certificate compression (RFC 8879, `compress.rs`) through the test
/// port's zlib hooks (miniz_oxide; firmware uses uzlib, which
/// tests/test_cert_compress.py drives).
#[cfg(feature = "cert-compress")]
mod cert_compress {
    use rustls::compress::{CertCompressor, CompressionFailed, CompressionLevel};
    use rustls::CertificateCompressionAlgorithm;

    use super::*;
    use crate::port::test_port::ZLIB_OFF;

    fn zlib(data: &[u8]) -> Vec<u8> {
        miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
    }

    /// A hostile server's compressor: what it sends instead of its chain
    /// compressed (rustls declares the chain's true length).
    #[derive(Debug)]
    struct Hostile(fn(Vec<u8>) -> Vec<u8>);

    impl CertCompressor for Hostile {
        fn compress(&self, input: Vec<u8>, _: CompressionLevel) -> Result<Vec<u8>, CompressionFailed> {
            Ok((self.0)(input))
        }
        fn algorithm(&self) -> CertificateCompressionAlgorithm {
            CertificateCompressionAlgorithm::Zlib
        }
    }

    /// Expands 64 KiB past the declared length.
    static BOMB: Hostile = Hostile(|mut chain| {
        chain.extend(b"ZIPBOMB!".repeat(8192));
        zlib(&chain)
    });
    /// One byte short of it.
    static SHORT: Hostile = Hostile(|chain| zlib(&chain[..chain.len() - 1]));
    /// A byte of the chain changed after the checksum was taken (or of the
    /// codes: either way the stream is bad).
    static CORRUPT: Hostile = Hostile(|chain| {
        let mut z = zlib(&chain);
        let n = z.len();
        z[n / 2] ^= 0x40;
        z
    });
    /// A good stream with a byte after it.
    static TRAILING: Hostile = Hostile(|chain| {
        let mut z = zlib(&chain);
        z.push(0);
        z
    });
    /// Not zlib at all.
    static GARBAGE: Hostile = Hostile(|chain| pattern(chain.len() / 2, 7));

    fn tls13_client() -> *mut Context {
        versions(client(), TLS13)
    }

    /// A handshake of our client and server: whether each finished, and
    /// the bytes the server sent.
    fn handshake(cctx: *mut Context, sctx: *mut Context) -> ((bool, bool), usize, Pair) {
        let mut p = Pair::new(cctx, sctx, b"localhost");
        let done = p.handshake();
        let sent = p.sent[1];
        (done, sent, p)
    }

    #[test]
    fn the_server_sends_its_chain_compressed_and_the_client_takes_it() {
        let (done, compressed, p) = handshake(tls13_client(), p256_server());
        assert_eq!(done, (true, true));
        assert_eq!(p.c.peer_certs(), [LEAF_DER, INTER_DER]);
        drop(p);
        // The same without zlib in the port (the hooks say "unsupported"):
        // nothing offered, the chain sent whole.
        ZLIB_OFF.with(|z| z.set(true));
        let (done, plain, p) = handshake(tls13_client(), p256_server());
        ZLIB_OFF.with(|z| z.set(false));
        assert_eq!(done, (true, true));
        assert_eq!(p.c.peer_certs(), [LEAF_DER, INTER_DER]);
        assert!(compressed + 200 < plain, "compressed {compressed} B, plain {plain} B");
    }

    #[test]
    fn a_client_without_zlib_gets_the_chain_whole() {
        let (_, compressed, _) = handshake(tls13_client(), p256_server());
        ZLIB_OFF.with(|z| z.set(true));
        let c = conn(tls13_client(), b"localhost");
        ZLIB_OFF.with(|z| z.set(false));
        let cctx = client();
        let sctx = p256_server();
        let mut p = Pair::new(cctx, sctx, b"localhost");
        // Swap in the client made without zlib.
        ffi::modssl_conn_free(p.c.conn);
        p.c.conn = c.expect("client connection");
        assert_eq!(p.handshake(), (true, true));
        assert_eq!(p.c.peer_certs(), [LEAF_DER, INTER_DER]);
        assert!(p.sent[1] > compressed + 200, "{} vs {compressed}", p.sent[1]);
    }

    #[test]
    fn a_client_certificate_is_sent_compressed() {
        // Bytes client -> server, with the port's zlib and without.
        let mut sent = [0; 2];
        for (i, off) in [false, true].into_iter().enumerate() {
            ZLIB_OFF.with(|z| z.set(off));
            let sctx = context(true, CERT_REQUIRED, Some((LEAF_CHAIN, LEAF_KEY)), Some(CA_PEM));
            let cctx = context(false, CERT_REQUIRED, Some((CLIENT_PEM, CLIENT_KEY)), Some(CA_PEM));
            let mut p = Pair::new(versions(cctx, TLS13), sctx, b"localhost");
            assert_eq!(p.handshake(), (true, true));
            assert_eq!(p.s.peer_certs(), [CLIENT_DER]);
            sent[i] = p.sent[0];
        }
        ZLIB_OFF.with(|z| z.set(false));
        // One certificate compresses by a little (2,040 vs 2,048 B in all),
        // and the ClientHello's offer costs 7 B: sent whole, it would be
        // more than without zlib.
        assert!(sent[0] < sent[1], "client -> server: {} B compressed, {} B plain", sent[0], sent[1]);
    }

    #[test]
    fn hostile_compressed_chains_fail_with_a_named_error() {
        for (what, hostile) in
            [("bomb", &BOMB), ("short", &SHORT), ("corrupt", &CORRUPT), ("trailing", &TRAILING), ("garbage", &GARBAGE)]
        {
            let sctx = p256_server();
            unsafe { &mut *sctx }.change_server_config(|c| c.cert_compressors = vec![hostile as &dyn CertCompressor]);
            let mut p = Pair::new(tls13_client(), sctx, b"localhost");
            assert!(!p.handshake().0, "{what}");
            let (code, message) = p.c.error();
            assert_eq!(code, status::CERT_COMPRESSION_INVALID, "{what}: {message}");
            assert!(message.starts_with("SSL_BAD_CERT_COMPRESSION"), "{what}: {message}");
        }
    }

    #[test]
    fn the_glue_refuses_what_the_hook_must_not_be_asked() {
        let z = zlib(b"chain");
        let mut out = [0u8; 5];
        assert!(crate::compress::inflate(&z, &mut out));
        assert_eq!(&out, b"chain");
        assert!(!crate::compress::inflate(&z, &mut []));
        assert!(!crate::compress::inflate(&z, &mut [0u8; 4]));
        assert!(!crate::compress::inflate(&z, &mut [0u8; 6]));
        assert!(crate::compress::can_inflate() && crate::compress::can_deflate());
        assert_eq!(crate::compress::decompressors().len(), 1);
        ZLIB_OFF.with(|z| z.set(true));
        assert!(!crate::compress::can_inflate() && !crate::compress::can_deflate());
        assert!(crate::compress::decompressors().is_empty() && crate::compress::compressors().is_empty());
        ZLIB_OFF.with(|z| z.set(false));
    }
}
