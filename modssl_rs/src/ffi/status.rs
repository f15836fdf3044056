//! Result codes of the C ABI and the text for each.
//!
//! Zero or positive: success (some calls return a count or flags).  Negative:
//! an error, which the shim raises as [`Status::raised`] says:
//! * `MemoryError` for [`OUT_OF_MEMORY`];
//! * `ValueError(text)` for bad input, as MicroPython's mbedTLS module does;
//! * `ssl.SSLCertVerificationError(text)` for a refused certificate: a
//!   `ValueError` as in MicroPython, and an `ssl.SSLError` as in CPython;
//! * `ssl.SSLError(code, text)`, an `OSError`, for protocol errors (the bare
//!   code while the heap is locked, as MicroPython does).
//!
//! Where mbedTLS has an equivalent condition we use its number, so code and
//! tests written against MicroPython's module (which check e.g. `-29184` for a
//! non-TLS peer) keep working; the rest are ours.  All are listed in
//! `docs/api.md`.

use core::ffi::c_char;

use crate::errors::Detail;

pub const OK: i32 = 0;

// Bad input from the caller (ValueError).
/// A NULL pointer or an impossible length where one was not allowed.
pub const BAD_ARGUMENT: i32 = -0x7100;
/// Certificate bytes are neither PEM nor DER certificates, or are malformed.
pub const INVALID_CERT: i32 = -0x2180;
/// Key bytes are malformed, of an unsupported type, or encrypted.
pub const INVALID_KEY: i32 = -0x3D00;
/// The private key does not belong to the certificate.
pub const KEY_MISMATCH: i32 = -0x3D80;
/// `CERT_REQUIRED` on a client without `server_hostname`.
pub const HOSTNAME_REQUIRED: i32 = -0x7110;
/// The server name is neither a DNS name nor an IP address.
pub const INVALID_HOSTNAME: i32 = -0x7120;
/// A cipher suite name we do not implement.
pub const UNKNOWN_CIPHER: i32 = -0x6080;
/// A server context has no certificate and key.
pub const NO_CERTIFICATE: i32 = -0x7580;
/// DTLS was asked for: rustls has no DTLS.
pub const DTLS_UNSUPPORTED: i32 = -0x7080;
/// The built-in CA bundle was asked for, but this build has none.
pub const NO_CA_BUNDLE: i32 = -0x7090;
/// A server context was asked for, but this build has no server (`server`
/// feature off: docs/building.md, "Feature profiles").
pub const SERVER_NOT_IN_BUILD: i32 = -0x70A0;
/// A well-formed private key of a type this build cannot sign with.
pub const KEY_NOT_IN_BUILD: i32 = -0x70B0;
/// A verifying context (`CERT_REQUIRED`/`CERT_OPTIONAL`) with nothing to
/// verify against: no CA, no pin, no bundle.
pub const NO_CA_LOADED: i32 = -0x70C0;
/// `verify_mode = CERT_NONE` after `check_hostname = True` (CPython's rule).
pub const CHECK_HOSTNAME_NEEDS_VERIFY: i32 = -0x70D0;
/// A raw public key (RFC 7250) was given, but this build has none (`rpk`
/// feature off).
pub const RPK_NOT_IN_BUILD: i32 = -0x70E0;
/// Certificates (or the built-in roots) and raw public keys trusted by one
/// context.
pub const RPK_MIXED_TRUST: i32 = -0x70E1;
/// Raw public keys with TLS 1.3 left out (rustls has them in TLS 1.3 only).
pub const RPK_NEEDS_TLS13: i32 = -0x70E2;

// Certificate verification failures (ValueError).
pub const CERT_EXPIRED: i32 = -0x2701;
pub const CERT_NOT_YET_VALID: i32 = -0x2702;
pub const CERT_HOSTNAME_MISMATCH: i32 = -0x2703;
pub const CERT_UNKNOWN_ISSUER: i32 = -0x2704;
pub const CERT_BAD_SIGNATURE: i32 = -0x2705;
pub const CERT_REVOKED: i32 = -0x2706;
pub const CERT_BAD_USAGE: i32 = -0x2707;
pub const CERT_INVALID: i32 = -0x2708;
pub const CERT_CLOCK_NOT_SET: i32 = -0x2709;
pub const CERT_REJECTED_BY_CALLBACK: i32 = -0x270A;
/// The certificate is signed with an algorithm this build leaves out
/// (RSA, P-384 or Ed25519 with its feature off), or one we never support.
pub const CERT_UNSUPPORTED_ALGORITHM: i32 = -0x270B;
/// The peer's raw public key is not one of the keys we trust.
pub const CERT_RAW_KEY_UNTRUSTED: i32 = -0x270C;
/// The peer sent no certificate but one is required (mbedTLS's
/// NO_CLIENT_CERTIFICATE, and like it an `OSError`).
pub const PEER_CERT_REQUIRED: i32 = -0x7480;

// Protocol and state (OSError).
/// Bytes that are not a TLS record arrived (a plain-text peer, say).
pub const INVALID_RECORD: i32 = -0x7200;
/// A record or message that does not decode.
pub const DECODE_ERROR: i32 = -0x7300;
/// The peer's compressed certificate chain (RFC 8879) did not inflate to
/// exactly its declared length, or used an algorithm we did not offer.
pub const CERT_COMPRESSION_INVALID: i32 = -0x7310;
/// The peer sent a fatal alert.
pub const PEER_ALERT: i32 = -0x7780;
/// The peer chose something we did not offer, or we share no version,
/// suite or group with it.
pub const HANDSHAKE_FAILURE: i32 = -0x6E00;
/// The certificate types do not agree: we asked for raw public keys and the
/// peer does not use them (or the other way round).
pub const RPK_NOT_NEGOTIATED: i32 = -0x6E10;
/// A message arrived that the protocol does not allow here.
pub const UNEXPECTED_MESSAGE: i32 = -0x7700;
/// Decryption or integrity check failed.
pub const BAD_RECORD_MAC: i32 = -0x7180;
/// A record larger than TLS allows.
pub const RECORD_OVERFLOW: i32 = -0x7190;
/// The connection was already closed (by us) or failed earlier.
pub const CONNECTION_CLOSED: i32 = -0x7290;
/// The peer closed the TCP connection in the middle of the handshake
/// (mbedTLS's CONN_EOF, which MicroPython's tests print).
pub const EOF_IN_HANDSHAKE: i32 = -0x7280;
/// Application data was written before the handshake finished, or read
/// was called while a write is pending, and the like.
pub const WRONG_STATE: i32 = -0x7400;
/// The port's random source failed.
pub const RANDOM_FAILED: i32 = -0x0034;
/// Out of memory: the connection is poisoned and its memory released.
pub const OUT_OF_MEMORY: i32 = -0x7F00;
/// A bug (a panic inside the core): the connection is poisoned and its
/// memory released; please report it.
pub const INTERNAL: i32 = -0x6C00;
/// Any other error rustls reports.
pub const GENERAL: i32 = -0x6D00;

/// How the shim raises a status (docs/api.md, "Errors"); the values are
/// what `modssl_status_raised` returns.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Raised {
    /// Success: not raised.
    Nothing = 0,
    /// Bad input from the caller: `ValueError`, as MicroPython.
    ValueError = 1,
    /// The peer's certificate was refused: `ssl.SSLCertVerificationError`,
    /// both an `SSLError` and the `ValueError` MicroPython raises.
    CertVerification = 2,
    /// A protocol failure: `ssl.SSLError`, an `OSError`.
    SslError = 3,
    MemoryError = 4,
}

/// Every status code, one variant each (the values are the constants above,
/// which cbindgen puts in the header).  [`Status::text`] and
/// [`Status::raised`] match on it exhaustively, so a code cannot be added
/// without its text and its exception; the tests below check that every
/// constant has its variant and that docs/api.md's table says the same.
/// cbindgen:ignore
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok = OK,
    BadArgument = BAD_ARGUMENT,
    InvalidCert = INVALID_CERT,
    InvalidKey = INVALID_KEY,
    KeyMismatch = KEY_MISMATCH,
    HostnameRequired = HOSTNAME_REQUIRED,
    InvalidHostname = INVALID_HOSTNAME,
    UnknownCipher = UNKNOWN_CIPHER,
    NoCertificate = NO_CERTIFICATE,
    DtlsUnsupported = DTLS_UNSUPPORTED,
    NoCaBundle = NO_CA_BUNDLE,
    ServerNotInBuild = SERVER_NOT_IN_BUILD,
    KeyNotInBuild = KEY_NOT_IN_BUILD,
    NoCaLoaded = NO_CA_LOADED,
    CheckHostnameNeedsVerify = CHECK_HOSTNAME_NEEDS_VERIFY,
    RpkNotInBuild = RPK_NOT_IN_BUILD,
    RpkMixedTrust = RPK_MIXED_TRUST,
    RpkNeedsTls13 = RPK_NEEDS_TLS13,
    CertExpired = CERT_EXPIRED,
    CertNotYetValid = CERT_NOT_YET_VALID,
    CertHostnameMismatch = CERT_HOSTNAME_MISMATCH,
    CertUnknownIssuer = CERT_UNKNOWN_ISSUER,
    CertBadSignature = CERT_BAD_SIGNATURE,
    CertRevoked = CERT_REVOKED,
    CertBadUsage = CERT_BAD_USAGE,
    CertInvalid = CERT_INVALID,
    CertClockNotSet = CERT_CLOCK_NOT_SET,
    CertRejectedByCallback = CERT_REJECTED_BY_CALLBACK,
    CertUnsupportedAlgorithm = CERT_UNSUPPORTED_ALGORITHM,
    CertRawKeyUntrusted = CERT_RAW_KEY_UNTRUSTED,
    PeerCertRequired = PEER_CERT_REQUIRED,
    InvalidRecord = INVALID_RECORD,
    DecodeError = DECODE_ERROR,
    CertCompressionInvalid = CERT_COMPRESSION_INVALID,
    PeerAlert = PEER_ALERT,
    HandshakeFailure = HANDSHAKE_FAILURE,
    RpkNotNegotiated = RPK_NOT_NEGOTIATED,
    UnexpectedMessage = UNEXPECTED_MESSAGE,
    BadRecordMac = BAD_RECORD_MAC,
    RecordOverflow = RECORD_OVERFLOW,
    ConnectionClosed = CONNECTION_CLOSED,
    EofInHandshake = EOF_IN_HANDSHAKE,
    WrongState = WRONG_STATE,
    RandomFailed = RANDOM_FAILED,
    OutOfMemory = OUT_OF_MEMORY,
    Internal = INTERNAL,
    General = GENERAL,
}

impl Status {
    /// Every variant, in the order of the constants.
    pub const ALL: &'static [Status] = &[
        Status::Ok,
        Status::BadArgument,
        Status::InvalidCert,
        Status::InvalidKey,
        Status::KeyMismatch,
        Status::HostnameRequired,
        Status::InvalidHostname,
        Status::UnknownCipher,
        Status::NoCertificate,
        Status::DtlsUnsupported,
        Status::NoCaBundle,
        Status::ServerNotInBuild,
        Status::KeyNotInBuild,
        Status::NoCaLoaded,
        Status::CheckHostnameNeedsVerify,
        Status::RpkNotInBuild,
        Status::RpkMixedTrust,
        Status::RpkNeedsTls13,
        Status::CertExpired,
        Status::CertNotYetValid,
        Status::CertHostnameMismatch,
        Status::CertUnknownIssuer,
        Status::CertBadSignature,
        Status::CertRevoked,
        Status::CertBadUsage,
        Status::CertInvalid,
        Status::CertClockNotSet,
        Status::CertRejectedByCallback,
        Status::CertUnsupportedAlgorithm,
        Status::CertRawKeyUntrusted,
        Status::PeerCertRequired,
        Status::InvalidRecord,
        Status::DecodeError,
        Status::CertCompressionInvalid,
        Status::PeerAlert,
        Status::HandshakeFailure,
        Status::RpkNotNegotiated,
        Status::UnexpectedMessage,
        Status::BadRecordMac,
        Status::RecordOverflow,
        Status::ConnectionClosed,
        Status::EofInHandshake,
        Status::WrongState,
        Status::RandomFailed,
        Status::OutOfMemory,
        Status::Internal,
        Status::General,
    ];

    pub fn from_code(code: i32) -> Option<Status> {
        Status::ALL.iter().copied().find(|s| *s as i32 == code)
    }

    pub fn raised(self) -> Raised {
        match self {
            Status::Ok => Raised::Nothing,
            Status::BadArgument => Raised::ValueError,
            Status::InvalidCert => Raised::ValueError,
            Status::InvalidKey => Raised::ValueError,
            Status::KeyMismatch => Raised::ValueError,
            Status::HostnameRequired => Raised::ValueError,
            Status::InvalidHostname => Raised::ValueError,
            Status::UnknownCipher => Raised::ValueError,
            Status::NoCertificate => Raised::ValueError,
            Status::DtlsUnsupported => Raised::ValueError,
            Status::NoCaBundle => Raised::ValueError,
            Status::ServerNotInBuild => Raised::ValueError,
            Status::KeyNotInBuild => Raised::ValueError,
            Status::NoCaLoaded => Raised::CertVerification,
            Status::CheckHostnameNeedsVerify => Raised::ValueError,
            Status::RpkNotInBuild => Raised::ValueError,
            Status::RpkMixedTrust => Raised::ValueError,
            Status::RpkNeedsTls13 => Raised::ValueError,
            Status::CertExpired => Raised::CertVerification,
            Status::CertNotYetValid => Raised::CertVerification,
            Status::CertHostnameMismatch => Raised::CertVerification,
            Status::CertUnknownIssuer => Raised::CertVerification,
            Status::CertBadSignature => Raised::CertVerification,
            Status::CertRevoked => Raised::CertVerification,
            Status::CertBadUsage => Raised::CertVerification,
            Status::CertInvalid => Raised::CertVerification,
            Status::CertClockNotSet => Raised::CertVerification,
            Status::CertRejectedByCallback => Raised::CertVerification,
            Status::CertUnsupportedAlgorithm => Raised::CertVerification,
            Status::CertRawKeyUntrusted => Raised::CertVerification,
            Status::PeerCertRequired => Raised::SslError,
            Status::InvalidRecord => Raised::SslError,
            Status::DecodeError => Raised::SslError,
            Status::CertCompressionInvalid => Raised::SslError,
            Status::PeerAlert => Raised::SslError,
            Status::HandshakeFailure => Raised::SslError,
            Status::RpkNotNegotiated => Raised::SslError,
            Status::UnexpectedMessage => Raised::SslError,
            Status::BadRecordMac => Raised::SslError,
            Status::RecordOverflow => Raised::SslError,
            Status::ConnectionClosed => Raised::SslError,
            Status::EofInHandshake => Raised::SslError,
            Status::WrongState => Raised::SslError,
            Status::RandomFailed => Raised::SslError,
            Status::OutOfMemory => Raised::MemoryError,
            Status::Internal => Raised::SslError,
            Status::General => Raised::SslError,
        }
    }

    /// The message, NUL-terminated.  Protocol errors start with the short
    /// name MicroPython's tests look for (e.g. "SSL_INVALID_RECORD").
    pub fn text(self) -> &'static str {
        match self {
            Status::Ok => "ok\0",
            Status::BadArgument => "invalid argument\0",
            Status::InvalidCert => "invalid cert\0",
            Status::InvalidKey => "invalid key\0",
            Status::KeyMismatch => "private key does not match the certificate\0",
            Status::HostnameRequired => "CERT_REQUIRED requires server_hostname\0",
            Status::InvalidHostname => "server_hostname is not a valid DNS name or IP address\0",
            Status::UnknownCipher => "unknown or unsupported cipher suite\0",
            Status::NoCertificate => "server context needs load_cert_chain()\0",
            Status::DtlsUnsupported => "DTLS is not supported\0",
            Status::NoCaBundle => {
                "this build has no built-in CA roots (MODSSL_CA_BUNDLE=0, MODSSL_CA_COMPACT=0): load a CA with load_verify_locations()\0"
            }
            Status::ServerNotInBuild => "this build has no TLS server (built without the `server` feature)\0",
            Status::KeyNotInBuild => "this build cannot sign with this key type (built without it)\0",
            Status::NoCaLoaded => {
                "CERT_REQUIRED but no CA is loaded: load_verify_locations(), cadata= or load_default_certs()\0"
            }
            Status::CheckHostnameNeedsVerify => {
                "cannot set verify_mode to CERT_NONE while check_hostname is True (set check_hostname = False first)\0"
            }
            Status::RpkNotInBuild => {
                "raw public keys (RFC 7250) are not in this build (built without the `rpk` feature)\0"
            }
            Status::RpkMixedTrust => {
                "a context trusts either certificates or raw public keys, not both (use two contexts)\0"
            }
            Status::RpkNeedsTls13 => "raw public keys need TLS 1.3 (maximum_version is TLS 1.2)\0",
            Status::CertExpired => "certificate verification failed: certificate has expired\0",
            Status::CertNotYetValid => {
                "certificate verification failed: certificate not yet valid (is the clock set?)\0"
            }
            Status::CertHostnameMismatch => "certificate verification failed: hostname mismatch\0",
            Status::CertUnknownIssuer => "certificate verification failed: unknown issuer\0",
            Status::CertBadSignature => "certificate verification failed: bad signature\0",
            Status::CertRevoked => "certificate verification failed: certificate revoked\0",
            Status::CertBadUsage => "certificate verification failed: certificate not valid for this purpose\0",
            Status::CertInvalid => "certificate verification failed: invalid certificate\0",
            Status::CertClockNotSet => {
                "certificate verification failed: the clock is not set (set the time, e.g. ntptime.settime())\0"
            }
            Status::CertRejectedByCallback => "certificate verification failed: rejected by verify_callback\0",
            Status::CertUnsupportedAlgorithm => {
                "certificate verification failed: signature algorithm not supported by this build\0"
            }
            Status::CertRawKeyUntrusted => "certificate verification failed: raw public key not trusted\0",
            Status::PeerCertRequired => "SSL_PEER_CERT_REQUIRED: the peer sent no certificate\0",
            Status::InvalidRecord => "SSL_INVALID_RECORD: the peer sent something that is not TLS\0",
            Status::DecodeError => "SSL_DECODE_ERROR: a TLS message did not decode\0",
            Status::CertCompressionInvalid => {
                "SSL_BAD_CERT_COMPRESSION: the peer's compressed certificate chain did not decompress\0"
            }
            Status::PeerAlert => "SSL_FATAL_ALERT_MESSAGE: the peer sent a fatal alert\0",
            Status::HandshakeFailure => "SSL_HANDSHAKE_FAILURE: no common protocol version, cipher suite or group\0",
            Status::UnexpectedMessage => "SSL_UNEXPECTED_MESSAGE: the peer broke the protocol\0",
            Status::RpkNotNegotiated => {
                "SSL_UNSUPPORTED_CERTIFICATE_TYPE: the peer does not use raw public keys (RFC 7250) as this context does\0"
            }
            Status::BadRecordMac => "SSL_BAD_RECORD_MAC: decryption failed\0",
            Status::RecordOverflow => "SSL_RECORD_OVERFLOW: record too large\0",
            Status::ConnectionClosed => "SSL_CONNECTION_CLOSED: the TLS connection is closed\0",
            Status::EofInHandshake => "SSL_CONN_EOF: the peer closed the connection during the handshake\0",
            Status::WrongState => "SSL_BAD_STATE: operation not allowed in this state\0",
            Status::RandomFailed => "SSL_RANDOM_FAILED: no random numbers\0",
            Status::OutOfMemory => "out of memory in TLS\0",
            Status::Internal => "SSL_INTERNAL_ERROR: internal error in the TLS core\0",
            Status::General => "SSL_ERROR: TLS error\0",
        }
    }
}

/// How the shim raises `code` (an unknown code: as [`GENERAL`]).
pub fn raised(code: i32) -> Raised {
    Status::from_code(code).unwrap_or(Status::General).raised()
}

/// Whether `code` is raised as a `ValueError` (plain, or the certificate
/// error that is one too).
pub fn is_value_error(code: i32) -> bool {
    matches!(raised(code), Raised::ValueError | Raised::CertVerification)
}

/// The text for `code`, NUL-terminated; an unknown code reads as
/// [`GENERAL`]'s.
pub fn text(code: i32) -> &'static str {
    Status::from_code(code).unwrap_or(Status::General).text()
}

/// The text for a status code (NUL-terminated, static).
#[no_mangle]
pub extern "C" fn modssl_status_text(code: i32) -> *const c_char {
    text(code).as_ptr() as *const c_char
}

/// How `code` is raised: 1 `ValueError` (bad input), 2
/// `SSLCertVerificationError` (a refused certificate), 3 `SSLError` (a
/// protocol error), 4 `MemoryError`; 0 for success.
#[no_mangle]
pub extern "C" fn modssl_status_raised(code: i32) -> u8 {
    raised(code) as u8
}

/// Writes `detail`'s message for `code` into `buf` (NUL-terminated, cut to
/// `len` bytes); its length without the NUL.  The handles' `error_message`
/// calls (`ffi/context.rs`, `ffi/conn.rs`) say where the detail comes from.
pub(super) fn message(code: i32, detail: Detail, buf: *mut c_char, len: usize) -> usize {
    match unsafe { super::slice_of_mut(buf as *mut u8, len) } {
        Some(out) if !out.is_empty() => crate::errors::write_message(code, detail, out),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::{String, ToString};
    use std::vec::Vec;

    const SOURCE: &str = include_str!("status.rs");
    const API_MD: &str = include_str!("../../../docs/api.md");

    /// `(NAME, value)` of every `pub const` above, read from this file.
    fn constants() -> Vec<(String, i32)> {
        let mut out = Vec::new();
        for line in SOURCE.lines() {
            let Some(rest) = line.strip_prefix("pub const ") else { continue };
            let (name, value) = rest.split_once(": i32 = ").unwrap();
            let value = value.trim_end_matches(';');
            let (neg, hex) = match value.strip_prefix('-') {
                Some(h) => (true, h),
                None => (false, value),
            };
            let v =
                i32::from_str_radix(hex.trim_start_matches("0x"), if hex.starts_with("0x") { 16 } else { 10 }).unwrap();
            out.push((name.to_string(), if neg { -v } else { v }));
        }
        out
    }

    #[test]
    fn every_constant_has_its_variant() {
        let consts = constants();
        assert_eq!(consts.len(), Status::ALL.len());
        for ((name, value), status) in consts.iter().zip(Status::ALL) {
            assert_eq!(*status as i32, *value, "{name}");
            assert_eq!(Status::from_code(*value), Some(*status), "{name}");
            assert!(status.text().ends_with('\0') && status.text().len() > 1, "{name}");
        }
        assert_eq!(text(12345), Status::General.text());
        assert!(!is_value_error(12345));
        assert_eq!(raised(12345), Raised::SslError);
    }

    #[test]
    fn docs_api_table_is_the_code() {
        // | `MODSSL_NAME` | value | raised as | text |
        let mut rows = Vec::new();
        for line in API_MD.lines() {
            let Some(rest) = line.strip_prefix("| `MODSSL_") else { continue };
            let cells: Vec<&str> = rest.split(" | ").collect();
            let name = cells[0].trim_end_matches('`');
            rows.push((
                name.to_string(),
                cells[1].to_string(),
                cells[2].to_string(),
                cells[3].trim_end_matches(" |").to_string(),
            ));
        }
        let consts = constants();
        let listed: Vec<(String, String, String, String)> = consts
            .iter()
            .zip(Status::ALL)
            .filter(|(_, s)| **s != Status::Ok)
            .map(|((name, value), s)| {
                let kind = match s.raised() {
                    Raised::Nothing => "",
                    Raised::ValueError => "ValueError",
                    Raised::CertVerification => "SSLCertVerificationError",
                    Raised::SslError => "SSLError",
                    Raised::MemoryError => "MemoryError",
                };
                (name.clone(), value.to_string(), kind.to_string(), s.text().trim_end_matches('\0').to_string())
            })
            .collect();
        assert_eq!(rows, listed, "docs/api.md's status table differs from ffi/status.rs");
    }
}
