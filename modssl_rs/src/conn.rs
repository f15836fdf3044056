//! One TLS connection: rustls' unbuffered state machine plus the three byte
//! buffers the core owns (ciphertext in, ciphertext out, plaintext in).
//!
//! The shim never sees rustls.  It fills `incoming` from the socket, calls
//! [`Conn::process`], drains `outgoing` to the socket, and reads plaintext.
//! Every buffer starts small and grows to what the peer's records need (at
//! most one full record, 18,437 bytes, in each direction); the plaintext
//! buffer is released once drained.  All of it lives in the connection's
//! arena (see `heap`), never on the shared heap.

use alloc::sync::Arc;
use alloc::vec::Vec;

use rustls::client::{ClientConnectionData, UnbufferedClientConnection};
use rustls::pki_types::ServerName;
#[cfg(feature = "server")]
use rustls::server::{ServerConnectionData, UnbufferedServerConnection};
use rustls::unbuffered::{
    ConnectionState, EncodeError, EncryptError, InsufficientSizeError, UnbufferedConnectionCommon, UnbufferedStatus,
};
#[cfg(feature = "server")]
use rustls::ServerConfig;
use rustls::{ClientConfig, CommonState};

use crate::errors::{self, Detail};
use crate::ffi::status;

/// The largest TLS record on the wire: header + 2^14 + 2048 (RFC 8446 5.2).
pub const MAX_RECORD: usize = 5 + 16384 + 2048;
/// Application data encrypted per call: one full-size record.
const MAX_PLAINTEXT_PER_WRITE: usize = 16384;
/// The first size of the incoming buffer: enough for a record header and a
/// small alert or ServerHello without growing.
const INITIAL_INCOMING: usize = 512;
/// A drained plaintext buffer bigger than this is released.
const KEEP_PLAINTEXT: usize = 1024;

/// What the shim may ask for, besides moving bytes.
pub mod flags {
    /// The handshake has not finished.
    pub const FLAG_HANDSHAKING: u32 = 1;
    /// The core cannot progress without more bytes from the peer.
    pub const FLAG_WANT_READ: u32 = 2;
    /// Ciphertext is waiting to be sent.
    pub const FLAG_WANT_WRITE: u32 = 4;
    /// Decrypted bytes are waiting to be read.
    pub const FLAG_READABLE: u32 = 8;
    /// The peer will send nothing more (close_notify, or the socket hit EOF).
    pub const FLAG_PEER_CLOSED: u32 = 16;
    /// We have sent close_notify.
    pub const FLAG_CLOSED: u32 = 32;
    /// The peer closed the socket without close_notify.
    pub const FLAG_UNCLEAN_EOF: u32 = 64;
}

enum Tls {
    Client(UnbufferedClientConnection),
    /// Only in builds with the `server` feature: without it, no server
    /// state machine is linked at all.
    #[cfg(feature = "server")]
    Server(UnbufferedServerConnection),
}

/// What a pass over the state machine should do once it may send data.
enum Action<'a> {
    Drive,
    Encrypt(&'a [u8]),
    CloseNotify,
}

/// Ciphertext waiting to go out: `buf[start..end]`.
#[derive(Default)]
struct Outgoing {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl Outgoing {
    fn pending(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or(&[])
    }

    fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Lets `write` put bytes after the pending ones, growing the buffer to
    /// whatever size `needs` reads from its "too small" error; false when
    /// `write` fails otherwise.
    fn fill<E>(
        &mut self,
        mut write: impl FnMut(&mut [u8]) -> Result<usize, E>,
        needs: fn(&E) -> Option<usize>,
    ) -> bool {
        loop {
            match write(self.space(0)) {
                Ok(n) => {
                    self.end += n;
                    return true;
                }
                Err(e) => match needs(&e) {
                    Some(required) => {
                        self.space(required);
                    }
                    None => return false,
                },
            }
        }
    }

    /// The free space after the pending bytes, at least `need` long.
    fn space(&mut self, need: usize) -> &mut [u8] {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() < self.end + need {
            self.buf.resize(self.end + need, 0);
        }
        &mut self.buf[self.end..]
    }
}

/// Ciphertext from the socket: `buf[..len]`, records not yet processed.
/// rustls' handshake deframer keeps offsets into it between calls, so it is
/// always handed the real buffer, never a copy.
struct Incoming {
    buf: Vec<u8>,
    len: usize,
}

impl Incoming {
    fn new() -> Incoming {
        Incoming { buf: alloc::vec![0; INITIAL_INCOMING], len: 0 }
    }

    /// Room for ciphertext from the socket: at least what completes the
    /// record being received (or its header), often more.
    fn space(&mut self) -> &mut [u8] {
        let need = self.bytes_to_complete_record().max(1);
        let want = (self.len + need).min(MAX_RECORD.max(self.len + 1));
        if self.buf.len() < want {
            self.buf.resize(want, 0);
        }
        &mut self.buf[self.len..]
    }

    /// How many more bytes the record at the front needs.
    fn bytes_to_complete_record(&self) -> usize {
        if self.len < 5 {
            return 5 - self.len;
        }
        let len = u16::from_be_bytes([self.buf[3], self.buf[4]]) as usize;
        (5 + len).saturating_sub(self.len)
    }

    fn commit(&mut self, n: usize) {
        self.len = (self.len + n).min(self.buf.len());
    }

    /// The bytes received and not yet processed, for rustls.
    fn received(&mut self) -> &mut [u8] {
        &mut self.buf[..self.len]
    }

    /// Removes `n` processed bytes from the front.
    fn discard(&mut self, n: usize) {
        let n = n.min(self.len);
        if n > 0 {
            self.buf.copy_within(n..self.len, 0);
            self.len -= n;
        }
    }
}

/// Decrypted application data waiting for `read`: `buf[pos..]`.
#[derive(Default)]
struct Plaintext {
    buf: Vec<u8>,
    pos: usize,
}

impl Plaintext {
    fn waiting(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Copies into `out`; a drained buffer is emptied, and released when
    /// big (a full record's worth need not stay for a connection at rest).
    fn read(&mut self, out: &mut [u8]) -> usize {
        let avail = self.buf.get(self.pos..).unwrap_or(&[]);
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.pos += n;
        if self.pos >= self.buf.len() {
            self.pos = 0;
            if self.buf.capacity() > KEEP_PLAINTEXT {
                self.buf = Vec::new();
            } else {
                self.buf.clear();
            }
        }
        n
    }
}

/// What one pass of rustls' state machine works on (`drive`): the three
/// buffers, and what the pass learnt of the peer.
struct Io {
    incoming: Incoming,
    outgoing: Outgoing,
    plain: Plaintext,
    /// rustls waits for more of the peer's handshake.
    blocked: bool,
    /// The peer sent close_notify.
    peer_closed: bool,
}

pub struct Conn {
    tls: Tls,
    io: Io,
    eof: bool,
    sent_close: bool,
    /// The first error; every later call reports it again.
    error: i32,
    /// What the first error's code does not say (the alert the peer sent).
    detail: Detail,
    /// Our key does not belong to our certificate: a failed handshake (or,
    /// for a TLS 1.3 client, whose handshake ends before the server has
    /// checked its certificate, the server's alert just after it) is
    /// reported as that, whatever the peer said.
    key_mismatch: bool,
    /// We verify the peer with no CA, pin or bundle to verify against: an
    /// unknown issuer is reported as that.
    no_trust: bool,
    /// Application data has arrived (see `needs_core_stack`).
    data_seen: bool,
}

impl Conn {
    pub fn client(config: Arc<ClientConfig>, name: ServerName<'static>, key_mismatch: bool) -> Result<Conn, i32> {
        let tls = UnbufferedClientConnection::new(config, name).map_err(|e| errors::code(&e))?;
        let mut conn = Conn::with(Tls::Client(tls));
        conn.key_mismatch = key_mismatch;
        Ok(conn)
    }

    #[cfg(feature = "server")]
    pub fn server(config: Arc<ServerConfig>, key_mismatch: bool) -> Result<Conn, i32> {
        let tls = UnbufferedServerConnection::new(config).map_err(|e| errors::code(&e))?;
        let mut conn = Conn::with(Tls::Server(tls));
        conn.key_mismatch = key_mismatch;
        Ok(conn)
    }

    fn with(tls: Tls) -> Conn {
        let io = Io {
            incoming: Incoming::new(),
            outgoing: Outgoing::default(),
            plain: Plaintext::default(),
            blocked: false,
            peer_closed: false,
        };
        Conn {
            tls,
            io,
            eof: false,
            sent_close: false,
            error: status::OK,
            detail: Detail::None,
            key_mismatch: false,
            no_trust: false,
            data_seen: false,
        }
    }

    fn common(&self) -> &CommonState {
        match &self.tls {
            Tls::Client(c) => c,
            #[cfg(feature = "server")]
            Tls::Server(s) => s,
        }
    }

    pub fn is_handshaking(&self) -> bool {
        self.common().is_handshaking()
    }

    pub fn error(&self) -> i32 {
        self.error
    }

    pub fn set_no_trust(&mut self, no_trust: bool) {
        self.no_trust = no_trust;
    }

    /// The detail of the connection's error, if it is `code`.
    pub fn error_detail(&self, code: i32) -> Detail {
        if code == self.error {
            self.detail
        } else {
            Detail::None
        }
    }

    pub fn flags(&self) -> u32 {
        let mut f = 0;
        if self.is_handshaking() {
            f |= flags::FLAG_HANDSHAKING;
        }
        if self.io.blocked || self.io.incoming.len == 0 {
            f |= flags::FLAG_WANT_READ;
        }
        if !self.io.outgoing.pending().is_empty() {
            f |= flags::FLAG_WANT_WRITE;
        }
        if self.io.plain.waiting() > 0 {
            f |= flags::FLAG_READABLE;
        }
        if self.io.peer_closed || self.eof {
            f |= flags::FLAG_PEER_CLOSED;
        }
        if self.eof && !self.io.peer_closed {
            f |= flags::FLAG_UNCLEAN_EOF;
        }
        if self.sent_close {
            f |= flags::FLAG_CLOSED;
        }
        f
    }

    /// Room for ciphertext from the socket: at least what completes the
    /// record being received (or its header), often more.
    pub fn recv_space(&mut self) -> &mut [u8] {
        self.io.incoming.space()
    }

    pub fn recv_commit(&mut self, n: usize) {
        self.io.incoming.commit(n);
    }

    /// The socket reached end of file.
    pub fn recv_eof(&mut self) {
        self.eof = true;
    }

    pub fn send_pending(&self) -> &[u8] {
        self.io.outgoing.pending()
    }

    pub fn send_consume(&mut self, n: usize) {
        self.io.outgoing.consume(n);
    }

    /// Whether the next `process` may go deep (docs/design.md, "The core
    /// stack"): during the handshake, and for a TLS 1.3 client until the
    /// first application data, because the session tickets a server sends
    /// just after the handshake (HKDF, the session kept) took 5.4 KB of the
    /// main stack on the emulated Cortex-M, against 2.6 KB for records after.
    pub fn needs_core_stack(&self) -> bool {
        if self.is_handshaking() {
            return true;
        }
        matches!(self.tls, Tls::Client(_))
            && self.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_3)
            && !self.data_seen
            && self.error == status::OK
            && !self.io.peer_closed
            && !self.eof
    }

    /// Process what has arrived and queue what must be sent.
    pub fn process(&mut self) -> Result<u32, i32> {
        let waiting = self.io.plain.waiting();
        let run = self.run(Action::Drive);
        if self.io.plain.waiting() > waiting {
            self.data_seen = true;
        }
        run?;
        // After EOF nothing more will come: a handshake waiting for bytes
        // (none buffered, or part of a record) can never finish.
        if self.eof && self.is_handshaking() && (self.io.incoming.len == 0 || self.io.blocked) {
            return self.fail(status::EOF_IN_HANDSHAKE);
        }
        Ok(self.flags())
    }

    /// Decrypted bytes into `buf`; 0 when none are buffered.
    pub fn read(&mut self, buf: &mut [u8]) -> usize {
        self.io.plain.read(buf)
    }

    /// Encrypts up to one record of `data` into the outgoing buffer.
    /// Returns how many bytes of `data` were taken.
    pub fn write(&mut self, data: &[u8]) -> Result<usize, i32> {
        if self.sent_close {
            // For this call only: the connection stays usable for reading.
            return Err(status::CONNECTION_CLOSED);
        }
        if self.is_handshaking() {
            return Err(status::WRONG_STATE);
        }
        let chunk = &data[..data.len().min(MAX_PLAINTEXT_PER_WRITE)];
        if chunk.is_empty() {
            return Ok(0);
        }
        match self.run(Action::Encrypt(chunk))? {
            true => Ok(chunk.len()),
            false => Err(status::WRONG_STATE),
        }
    }

    /// Queues close_notify (once).
    pub fn close_notify(&mut self) -> Result<(), i32> {
        if self.sent_close || self.error != status::OK || self.is_handshaking() {
            return Ok(());
        }
        self.run(Action::CloseNotify)?;
        self.sent_close = true;
        Ok(())
    }

    pub fn protocol_version(&self) -> Option<rustls::ProtocolVersion> {
        self.common().protocol_version()
    }

    /// The key exchange group of the handshake (of the first, when resumed
    /// with TLS 1.2, which makes no new exchange: none then).
    pub fn key_exchange_group(&self) -> Option<rustls::NamedGroup> {
        self.common().negotiated_key_exchange_group().map(|g| g.name())
    }

    pub fn cipher_suite(&self) -> Option<rustls::SupportedCipherSuite> {
        self.common().negotiated_cipher_suite()
    }

    pub fn resumed(&self) -> bool {
        self.common().handshake_kind() == Some(rustls::HandshakeKind::Resumed)
    }

    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.common().alpn_protocol()
    }

    pub fn peer_certificates(&self) -> &[rustls::pki_types::CertificateDer<'static>] {
        self.common().peer_certificates().unwrap_or(&[])
    }

    fn fail<T>(&mut self, code: i32) -> Result<T, i32> {
        if self.error == status::OK {
            self.error = code;
        }
        Err(self.error)
    }

    /// Runs the state machine until it needs the peer or the shim; returns
    /// whether `action` was carried out.
    fn run(&mut self, action: Action<'_>) -> Result<bool, i32> {
        if self.error != status::OK {
            return Err(self.error);
        }
        let result = match &mut self.tls {
            Tls::Client(c) => drive(&mut **c, &mut self.io, action),
            #[cfg(feature = "server")]
            Tls::Server(s) => drive(&mut **s, &mut self.io, action),
        };
        match result {
            Ok(done) => Ok(done),
            Err(e) => {
                let mismatch = self.key_mismatch && (self.is_handshaking() || errors::rejects_our_certificate(&e));
                let code = match errors::code(&e) {
                    _ if mismatch => status::KEY_MISMATCH,
                    status::CERT_UNKNOWN_ISSUER if self.no_trust => status::NO_CA_LOADED,
                    code => code,
                };
                if self.error == status::OK {
                    self.detail = if mismatch { Detail::None } else { errors::detail(&e) };
                }
                self.queue_final_records();
                self.fail(code)
            }
        }
    }

    /// After an error, rustls may still hold records for the peer: the
    /// flight that went before the failure and the fatal alert that tells
    /// the peer why.  Encode them so the shim can send them.
    fn queue_final_records(&mut self) {
        // Bounded: each pass encodes one queued record or stops.
        for _ in 0..16 {
            let encoded = match &mut self.tls {
                Tls::Client(c) => encode_pending(&mut **c, &mut self.io),
                #[cfg(feature = "server")]
                Tls::Server(s) => encode_pending(&mut **s, &mut self.io),
            };
            if !encoded {
                break;
            }
        }
    }
}

/// Encodes one record rustls has queued; false when there is none.  The
/// incoming buffer must be the real one: rustls' handshake deframer keeps
/// offsets into it between calls (an empty slice here made it panic).
fn encode_pending<M: Machine>(machine: &mut M, io: &mut Io) -> bool {
    let UnbufferedStatus { discard, state } = machine.process(io.incoming.received());
    let encoded = match state {
        Ok(ConnectionState::EncodeTlsData(mut e)) => io.outgoing.fill(|buf| e.encode(buf), encode_needs),
        Ok(ConnectionState::TransmitTlsData(t)) => {
            t.done();
            true
        }
        _ => false,
    };
    io.incoming.discard(discard);
    encoded
}

/// How big the buffer must be, when encoding failed for lack of room.
fn encode_needs(e: &EncodeError) -> Option<usize> {
    match e {
        EncodeError::InsufficientSize(InsufficientSizeError { required_size }) => Some(*required_size),
        _ => None,
    }
}

/// How big the buffer must be, when encrypting failed for lack of room.
fn encrypt_needs(e: &EncryptError) -> Option<usize> {
    match e {
        EncryptError::InsufficientSize(InsufficientSizeError { required_size }) => Some(*required_size),
        _ => None,
    }
}

/// rustls' client and server state machines, seen alike.
trait Machine {
    type Data;
    fn process<'c, 'i>(&'c mut self, incoming: &'i mut [u8]) -> UnbufferedStatus<'c, 'i, Self::Data>;
}

impl Machine for UnbufferedConnectionCommon<ClientConnectionData> {
    type Data = ClientConnectionData;
    fn process<'c, 'i>(&'c mut self, incoming: &'i mut [u8]) -> UnbufferedStatus<'c, 'i, Self::Data> {
        self.process_tls_records(incoming)
    }
}

#[cfg(feature = "server")]
impl Machine for UnbufferedConnectionCommon<ServerConnectionData> {
    type Data = ServerConnectionData;
    fn process<'c, 'i>(&'c mut self, incoming: &'i mut [u8]) -> UnbufferedStatus<'c, 'i, Self::Data> {
        self.process_tls_records(incoming)
    }
}

/// One pass of rustls' unbuffered state machine over our buffers.
fn drive<M: Machine>(machine: &mut M, io: &mut Io, action: Action<'_>) -> Result<bool, rustls::Error> {
    // Each state is handled at most a bounded number of times per call: the
    // peer cannot keep us here (every pass either consumes input or stops).
    loop {
        let UnbufferedStatus { discard, state } = machine.process(io.incoming.received());
        let mut finished: Option<bool> = None;
        match state {
            Err(e) => {
                io.incoming.discard(discard);
                return Err(e);
            }
            Ok(ConnectionState::ReadTraffic(mut r)) => {
                while let Some(rec) = r.next_record() {
                    io.plain.buf.extend_from_slice(rec?.payload);
                }
            }
            Ok(ConnectionState::EncodeTlsData(mut e)) => {
                io.outgoing.fill(|buf| e.encode(buf), encode_needs);
            }
            Ok(ConnectionState::TransmitTlsData(t)) => {
                // Our outgoing buffer is the transmission queue: the shim
                // sends it, in order, before anything queued after it.
                t.done();
            }
            Ok(ConnectionState::BlockedHandshake) => {
                io.blocked = true;
                finished = Some(false);
            }
            Ok(ConnectionState::PeerClosed) => {
                io.peer_closed = true;
            }
            Ok(ConnectionState::Closed) => {
                io.peer_closed = true;
                finished = Some(matches!(action, Action::Drive));
            }
            Ok(ConnectionState::WriteTraffic(mut w)) => {
                io.blocked = false;
                let done = match action {
                    Action::Drive => true,
                    Action::Encrypt(data) => io.outgoing.fill(|buf| w.encrypt(data, buf), encrypt_needs),
                    Action::CloseNotify => io.outgoing.fill(|buf| w.queue_close_notify(buf), encrypt_needs),
                };
                finished = Some(done);
            }
            // ReadEarlyData: we never accept 0-RTT data, so rustls never
            // offers it; any future state stops the pass.
            Ok(_) => {
                finished = Some(false);
            }
        }
        io.incoming.discard(discard);
        if let Some(done) = finished {
            return Ok(done);
        }
    }
}

#[cfg(all(test, all_algorithms))]
mod tests {
    use crate::ffi::{self, status, ArenaConfig};
    use core::ptr;

    /// A peer that sends part of a record header and closes: the handshake
    /// fails with EOF_IN_HANDSHAKE instead of waiting forever for the rest
    /// (found by tests/test_hostile.py, truncated_header).
    #[test]
    fn eof_after_a_partial_record_fails_the_handshake() {
        for partial in [&b"\x16\x03"[..], b"\x16\x03\x03\x00\x40\x02\x00"] {
            let mut ctx = ptr::null_mut();
            assert_eq!(ffi::modssl_context_new(false, &mut ctx), status::OK);
            assert_eq!(ffi::modssl_context_set_verify_mode(ctx, 0, true), status::OK);
            let arena = ArenaConfig { first_chunk: 8192, grow_chunk: 4096, limit: 112 * 1024 };
            let mut c = ptr::null_mut();
            assert_eq!(ffi::modssl_conn_new(ctx, ptr::null(), 0, arena, &mut c), status::OK);
            assert!(ffi::modssl_conn_process(c) >= 0);
            let mut buf = ptr::null_mut();
            let room = ffi::modssl_conn_recv_space(c, &mut buf);
            assert!(room >= partial.len());
            unsafe { ptr::copy_nonoverlapping(partial.as_ptr(), buf, partial.len()) };
            ffi::modssl_conn_recv_commit(c, partial.len());
            assert!(ffi::modssl_conn_process(c) >= 0);
            ffi::modssl_conn_recv_commit(c, 0);
            assert_eq!(ffi::modssl_conn_process(c), status::EOF_IN_HANDSHAKE);
            ffi::modssl_conn_free(c);
            ffi::modssl_context_free(ctx);
        }
    }
}
