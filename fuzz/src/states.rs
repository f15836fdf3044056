//! The handshake states the record targets hand to the fuzzer: where the
//! connection under test stands when the fuzzer's bytes start, after the
//! real in-memory peer has played its first `steps` transfers.  Named after
//! the rustls state that then reads the fuzzer's first record; told apart by
//! what the connection reports (the version negotiated so far, whether it is
//! still handshaking) and by whether the server asks for a client certificate.
//!
//! With `MODSSL_FUZZ_STATES=<file>` in the environment each execution
//! appends `reached <target> <state>` to the file (and each process first
//! `defined <target> <state>` for every state of the target), which
//! `fuzz/check-states.py` counts: `make fuzz-smoke` fails if the smoke run's
//! corpus and seeds leave a state unreached.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::sync::{Mutex, OnceLock};

use crate::{ffi, ConnInfo, Connection};

/// client_records: the client, once the server's first `steps` transfers
/// arrived (the whole of a server flight arrives in one transfer).
pub const CLIENT_STATES: &[&str] = &[
    // Nothing from the server yet (steps 0, 1): the fuzzer's bytes are the
    // server's first flight, ServerHello (or HelloRetryRequest) onwards.
    "ExpectServerHello",
    // TLS 1.2, the client has sent ClientKeyExchange, ChangeCipherSpec and
    // Finished after the server's flight (steps 2, 3): the server's
    // ChangeCipherSpec is next (our servers send no NewSessionTicket).
    "tls12/ExpectCcs",
    // TLS 1.2 handshake done (steps 4..7): application data, alerts,
    // renegotiation requests.
    "tls12/ExpectTraffic",
    // TLS 1.3 handshake done (steps 2..7): NewSessionTicket, KeyUpdate,
    // application data, alerts.
    "tls13/ExpectTraffic",
];

/// server_records: the server, once the client's first `steps` transfers
/// arrived; `mtls`: the server requires a client certificate.
pub const SERVER_STATES: &[&str] = &[
    // Nothing from the client yet (steps 0): the fuzzer's bytes are the
    // ClientHello.
    "ExpectClientHello",
    // The server sent its flight after the real ClientHello (steps 1, 2).
    "tls12/ExpectClientKx",
    "tls12/ExpectCertificate",
    "tls13/ExpectFinished",
    "tls13/ExpectCertificate",
    // Handshake done (steps 3..7).
    "tls12/ExpectTraffic",
    "tls13/ExpectTraffic",
];

const TLS12: u16 = 0x0303;
const TLS13: u16 = 0x0304;

/// (negotiated version or 0, still handshaking)
fn phase(conn: *mut Connection) -> (u16, bool) {
    let mut info = ConnInfo::default();
    assert_eq!(ffi::modssl_conn_info(conn, &mut info), ffi::status::OK);
    let flags = ffi::modssl_conn_flags(conn);
    (info.protocol_version, flags >= 0 && flags as u32 & modssl_rs::conn::flags::FLAG_HANDSHAKING != 0)
}

/// The client's state (one of [`CLIENT_STATES`], or a name outside it that
/// the check reports).
pub fn client_state(client: *mut Connection) -> &'static str {
    match phase(client) {
        (0, _) => "ExpectServerHello",
        (TLS12, true) => "tls12/ExpectCcs",
        (TLS12, false) => "tls12/ExpectTraffic",
        (TLS13, false) => "tls13/ExpectTraffic",
        (TLS13, true) => "tls13/mid-handshake (not a defined state)",
        _ => "unknown version (not a defined state)",
    }
}

/// The server's state (one of [`SERVER_STATES`], or a name outside it).
pub fn server_state(server: *mut Connection, mtls: bool) -> &'static str {
    match (phase(server), mtls) {
        ((0, _), _) => "ExpectClientHello",
        ((TLS12, true), false) => "tls12/ExpectClientKx",
        ((TLS12, true), true) => "tls12/ExpectCertificate",
        ((TLS13, true), false) => "tls13/ExpectFinished",
        ((TLS13, true), true) => "tls13/ExpectCertificate",
        ((TLS12, false), _) => "tls12/ExpectTraffic",
        ((TLS13, false), _) => "tls13/ExpectTraffic",
        _ => "unknown version (not a defined state)",
    }
}

/// Notes that `target` handed `state` to the fuzzer (with
/// `MODSSL_FUZZ_STATES` set; nothing otherwise).
pub fn reached(target: &str, defined: &[&str], state: &str) {
    static LOG: OnceLock<Option<Mutex<File>>> = OnceLock::new();
    let log = LOG.get_or_init(|| {
        let path = std::env::var_os("MODSSL_FUZZ_STATES")?;
        let mut f = OpenOptions::new().create(true).append(true).open(path).expect("MODSSL_FUZZ_STATES: cannot open");
        for d in defined {
            writeln!(f, "defined {target} {d}").expect("MODSSL_FUZZ_STATES: cannot write");
        }
        Some(Mutex::new(f))
    });
    if let Some(f) = log {
        let mut f = f.lock().unwrap_or_else(|e| e.into_inner());
        writeln!(f, "reached {target} {state}").expect("MODSSL_FUZZ_STATES: cannot write");
    }
}
