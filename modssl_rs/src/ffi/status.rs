//! Result codes of the C ABI and the text for each.
//!
//! Zero or positive: success (some calls return a count or flags).  Negative:
//! an error, which the shim raises as:
//! * `MemoryError` for [`OUT_OF_MEMORY`];
//! * `ValueError(text)` for the certificate and bad-input codes
//!   ([`is_value_error`]), as MicroPython's mbedTLS module does;
//! * `OSError(code, text)` for protocol errors (the bare code while the heap
//!   is locked, as MicroPython does).
//!
//! Where mbedTLS has an equivalent condition we use its number, so code and
//! tests written against MicroPython's module (which check e.g. `-29184` for a
//! non-TLS peer) keep working; the rest are ours.  All are listed in
//! `docs/api.md`.

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
/// The peer sent no certificate but one is required (mbedTLS's
/// NO_CLIENT_CERTIFICATE, and like it an `OSError`).
pub const CERT_REQUIRED: i32 = -0x7480;

// Protocol and state (OSError).
/// Bytes that are not a TLS record arrived (a plain-text peer, say).
pub const INVALID_RECORD: i32 = -0x7200;
/// A record or message that does not decode.
pub const DECODE_ERROR: i32 = -0x7300;
/// The peer sent a fatal alert.
pub const PEER_ALERT: i32 = -0x7780;
/// The peer chose something we did not offer, or we share no version,
/// suite or group with it.
pub const HANDSHAKE_FAILURE: i32 = -0x6E00;
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

/// Whether the shim raises `ValueError` (rather than `OSError`) for `code`.
pub fn is_value_error(code: i32) -> bool {
    matches!(
        code,
        BAD_ARGUMENT
            | INVALID_CERT
            | INVALID_KEY
            | KEY_MISMATCH
            | HOSTNAME_REQUIRED
            | INVALID_HOSTNAME
            | UNKNOWN_CIPHER
            | NO_CERTIFICATE
            | DTLS_UNSUPPORTED
            | NO_CA_BUNDLE
            | SERVER_NOT_IN_BUILD
            | KEY_NOT_IN_BUILD
            | CERT_UNSUPPORTED_ALGORITHM
            | CERT_EXPIRED
            | CERT_NOT_YET_VALID
            | CERT_HOSTNAME_MISMATCH
            | CERT_UNKNOWN_ISSUER
            | CERT_BAD_SIGNATURE
            | CERT_REVOKED
            | CERT_BAD_USAGE
            | CERT_INVALID
            | CERT_CLOCK_NOT_SET
            | CERT_REJECTED_BY_CALLBACK
    )
}

/// The text for `code`, NUL-terminated.  Protocol errors start with the
/// short name MicroPython's tests look for (e.g. "SSL_INVALID_RECORD").
pub fn text(code: i32) -> &'static str {
    match code {
        OK => "ok\0",
        BAD_ARGUMENT => "invalid argument\0",
        INVALID_CERT => "invalid cert\0",
        INVALID_KEY => "invalid key\0",
        KEY_MISMATCH => "private key does not match the certificate\0",
        HOSTNAME_REQUIRED => "CERT_REQUIRED requires server_hostname\0",
        INVALID_HOSTNAME => "server_hostname is not a valid DNS name or IP address\0",
        UNKNOWN_CIPHER => "unknown or unsupported cipher suite\0",
        NO_CERTIFICATE => "server context needs load_cert_chain()\0",
        DTLS_UNSUPPORTED => "DTLS is not supported\0",
        NO_CA_BUNDLE => {
            "this build has no CA bundle (MODSSL_CA_BUNDLE=0): load a CA with load_verify_locations()\0"
        }
        SERVER_NOT_IN_BUILD => "this build has no TLS server (built without the `server` feature)\0",
        KEY_NOT_IN_BUILD => "this build cannot sign with this key type (built without it)\0",
        CERT_UNSUPPORTED_ALGORITHM => {
            "certificate verification failed: signature algorithm not supported by this build\0"
        }
        CERT_EXPIRED => "certificate verification failed: certificate has expired\0",
        CERT_NOT_YET_VALID => {
            "certificate verification failed: certificate not yet valid (is the clock set?)\0"
        }
        CERT_HOSTNAME_MISMATCH => "certificate verification failed: hostname mismatch\0",
        CERT_UNKNOWN_ISSUER => "certificate verification failed: unknown issuer\0",
        CERT_BAD_SIGNATURE => "certificate verification failed: bad signature\0",
        CERT_REVOKED => "certificate verification failed: certificate revoked\0",
        CERT_BAD_USAGE => "certificate verification failed: certificate not valid for this purpose\0",
        CERT_INVALID => "certificate verification failed: invalid certificate\0",
        CERT_CLOCK_NOT_SET => {
            "certificate verification failed: the clock is not set (set the time, e.g. ntptime.settime())\0"
        }
        CERT_REJECTED_BY_CALLBACK => "certificate verification failed: rejected by verify_callback\0",
        CERT_REQUIRED => "SSL_PEER_CERT_REQUIRED: the peer sent no certificate\0",
        INVALID_RECORD => "SSL_INVALID_RECORD: the peer sent something that is not TLS\0",
        DECODE_ERROR => "SSL_DECODE_ERROR: a TLS message did not decode\0",
        PEER_ALERT => "SSL_FATAL_ALERT_MESSAGE: the peer sent a fatal alert\0",
        HANDSHAKE_FAILURE => "SSL_HANDSHAKE_FAILURE: no common protocol version, cipher suite or group\0",
        UNEXPECTED_MESSAGE => "SSL_UNEXPECTED_MESSAGE: the peer broke the protocol\0",
        BAD_RECORD_MAC => "SSL_BAD_RECORD_MAC: decryption failed\0",
        RECORD_OVERFLOW => "SSL_RECORD_OVERFLOW: record too large\0",
        CONNECTION_CLOSED => "SSL_CONNECTION_CLOSED: the TLS connection is closed\0",
        EOF_IN_HANDSHAKE => "SSL_CONN_EOF: the peer closed the connection during the handshake\0",
        WRONG_STATE => "SSL_BAD_STATE: operation not allowed in this state\0",
        RANDOM_FAILED => "SSL_RANDOM_FAILED: no random numbers\0",
        OUT_OF_MEMORY => "out of memory in TLS\0",
        INTERNAL => "SSL_INTERNAL_ERROR: internal error in the TLS core\0",
        _ => "SSL_ERROR: TLS error\0",
    }
}
