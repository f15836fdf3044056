//! rustls' errors as our status codes (`ffi::status`), and the detail kept
//! beside a code ([`Detail`]) for the message the user sees.

use rustls::{AlertDescription, Error, InvalidMessage, PeerIncompatible, PeerMisbehaved};

use crate::crypto::keys::KeyError;
use crate::ffi::status;
use crate::pem::{CertParseError, CertParseFailure};
use crate::verifier::{self, CertFailure};

/// The status code for a rustls error.
pub fn code(err: &Error) -> i32 {
    match err {
        Error::InvalidMessage(m) => match m {
            // What a plain-text peer (an HTTP server, say) looks like.
            InvalidMessage::InvalidContentType | InvalidMessage::UnknownProtocolVersion => status::INVALID_RECORD,
            InvalidMessage::MessageTooLarge => status::RECORD_OVERFLOW,
            _ => status::DECODE_ERROR,
        },
        Error::AlertReceived(_) => status::PEER_ALERT,
        Error::InappropriateMessage { .. } | Error::InappropriateHandshakeMessage { .. } => status::UNEXPECTED_MESSAGE,
        // Raw public keys asked for and not given, or given unasked.
        Error::PeerIncompatible(
            PeerIncompatible::IncorrectCertificateTypeExtension | PeerIncompatible::UnsolicitedCertificateTypeExtension,
        ) => status::RPK_NOT_NEGOTIATED,
        // A compressed chain that did not inflate to its declared length
        // (RFC 8879; compress.rs), or an algorithm we did not offer.
        Error::PeerMisbehaved(
            PeerMisbehaved::InvalidCertCompression | PeerMisbehaved::SelectedUnofferedCertCompression,
        ) => status::CERT_COMPRESSION_INVALID,
        Error::PeerIncompatible(_) | Error::PeerMisbehaved(_) => status::HANDSHAKE_FAILURE,
        Error::DecryptError => status::BAD_RECORD_MAC,
        Error::NoCertificatesPresented => status::PEER_CERT_REQUIRED,
        Error::InvalidCertificate(_) => match verifier::classify(err) {
            Some(f) => cert_code(f),
            None => status::CERT_INVALID,
        },
        Error::FailedToGetRandomBytes => status::RANDOM_FAILED,
        Error::HandshakeNotComplete => status::WRONG_STATE,
        _ => status::GENERAL,
    }
}

pub fn cert_code(f: CertFailure) -> i32 {
    match f {
        CertFailure::Expired => status::CERT_EXPIRED,
        CertFailure::NotYetValid => status::CERT_NOT_YET_VALID,
        CertFailure::HostnameMismatch => status::CERT_HOSTNAME_MISMATCH,
        CertFailure::UnknownIssuer => status::CERT_UNKNOWN_ISSUER,
        CertFailure::BadSignature => status::CERT_BAD_SIGNATURE,
        CertFailure::UnsupportedAlgorithm => status::CERT_UNSUPPORTED_ALGORITHM,
        CertFailure::Revoked => status::CERT_REVOKED,
        CertFailure::BadUsage => status::CERT_BAD_USAGE,
        CertFailure::ClockNotSet => status::CERT_CLOCK_NOT_SET,
        CertFailure::RejectedByCallback => status::CERT_REJECTED_BY_CALLBACK,
        CertFailure::PeerCertRequired => status::PEER_CERT_REQUIRED,
        CertFailure::RawKeyUntrusted => status::CERT_RAW_KEY_UNTRUSTED,
        CertFailure::Invalid => status::CERT_INVALID,
    }
}

// ---------------------------------------------------------------------------
// Detail beside the code.
//
// A status code says what kind of failure it was (and keeps the number that
// code written for MicroPython's mbedTLS module checks); the detail says
// which: the alert the peer sent, why a key was refused, which certificate of
// a `cadata` was bad.  The context (for its load calls) and the connection
// (for its first error) keep the detail of their last failure, and the shim
// asks for the whole message when it raises (`write_message`).

/// What the code alone does not say.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Detail {
    #[default]
    None,
    /// The fatal alert the peer sent.
    Alert(AlertDescription),
    /// Why a private key was refused.
    Key(KeyError),
    /// Why certificate bytes were refused, and which certificate.
    Cert(CertParseFailure),
    /// The raw public key given to `load_cert_chain` is not the private
    /// key's (RFC 7250, `rpk`).
    RawKeyMismatch,
}

/// The detail of a rustls error, if it has one we can name.
pub fn detail(err: &Error) -> Detail {
    match err {
        Error::AlertReceived(a) => Detail::Alert(*a),
        _ => Detail::None,
    }
}

/// Whether the peer's alert says it refused our certificate or our
/// signature with its key (what a key that does not match its certificate
/// earns).
pub fn rejects_our_certificate(err: &Error) -> bool {
    use AlertDescription as A;
    matches!(
        err,
        Error::AlertReceived(
            A::DecryptError
                | A::BadCertificate
                | A::UnsupportedCertificate
                | A::CertificateUnknown
                | A::IllegalParameter
        )
    )
}

/// A fatal alert's name (RFC 8446 / RFC 5246) and what it usually means for
/// a MicroPython user, with the fix where there is one.
pub fn alert_text(a: AlertDescription) -> (&'static str, Option<&'static str>) {
    use AlertDescription as A;
    match a {
        A::CertificateRequired => {
            ("certificate_required", Some("the server requires a client certificate (load_cert_chain)"))
        }
        A::UnknownCA => ("unknown_ca", Some("the peer does not trust the issuer of our certificate")),
        A::BadCertificate => ("bad_certificate", Some("the peer rejected our certificate")),
        A::UnsupportedCertificate => ("unsupported_certificate", Some("the peer rejected our certificate")),
        A::CertificateExpired => ("certificate_expired", Some("the peer says our certificate has expired")),
        A::CertificateRevoked => ("certificate_revoked", Some("the peer says our certificate is revoked")),
        A::CertificateUnknown => ("certificate_unknown", Some("the peer rejected our certificate")),
        A::HandshakeFailure => (
            "handshake_failure",
            Some("no common cipher suite, group or signature algorithm, or a client certificate is required"),
        ),
        A::ProtocolVersion => ("protocol_version", Some("no common TLS version (see minimum_version/maximum_version)")),
        A::InsufficientSecurity => ("insufficient_security", Some("the peer wants stronger parameters")),
        A::DecryptError => (
            "decrypt_error",
            Some("a handshake signature did not verify (does the private key match the certificate?)"),
        ),
        A::IllegalParameter => ("illegal_parameter", None),
        A::DecodeError => ("decode_error", None),
        A::UnexpectedMessage => ("unexpected_message", None),
        A::BadRecordMac => ("bad_record_mac", None),
        A::RecordOverflow => ("record_overflow", None),
        A::AccessDenied => ("access_denied", None),
        A::InternalError => ("internal_error", Some("the peer failed")),
        A::UnrecognisedName => ("unrecognized_name", Some("the server does not serve this server_hostname (SNI)")),
        A::NoApplicationProtocol => ("no_application_protocol", Some("no common ALPN protocol")),
        A::MissingExtension => ("missing_extension", None),
        A::UnsupportedExtension => ("unsupported_extension", None),
        A::InappropriateFallback => ("inappropriate_fallback", None),
        A::UserCanceled => ("user_canceled", None),
        A::NoRenegotiation => ("no_renegotiation", None),
        A::CloseNotify => ("close_notify", None),
        _ => ("alert", None),
    }
}

/// Text that fits in a fixed buffer, cut at a character boundary.
struct Cut<'a> {
    out: &'a mut [u8],
    len: usize,
}

impl core::fmt::Write for Cut<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        // One byte stays free for the NUL.
        let room = self.out.len().saturating_sub(1 + self.len);
        let mut n = s.len().min(room);
        while n > 0 && !s.is_char_boundary(n) {
            n -= 1;
        }
        self.out[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// Writes the message for `code` with `detail` into `out`, NUL-terminated
/// (cut to fit); returns its length without the NUL.  With no detail it is
/// `status::text(code)`.  Input MicroPython's own tests pin the text of
/// (`ValueError('invalid cert',)` for `cadata=b"!"`, `ValueError('invalid
/// key',)` for `key=b"!"`) gets no detail: input that is not a certificate
/// or key in any format has nothing more to say.
pub fn write_message(code: i32, detail: Detail, out: &mut [u8]) -> usize {
    use core::fmt::Write as _;
    if out.is_empty() {
        return 0;
    }
    let text = status::text(code);
    let mut w = Cut { out, len: 0 };
    let _ = w.write_str(text.trim_end_matches('\0'));
    let _ = match detail {
        Detail::None => Ok(()),
        Detail::Alert(a) => {
            let (name, hint) = alert_text(a);
            match hint {
                Some(h) => write!(w, ": {name} ({h})"),
                None if name == "alert" => write!(w, ": alert {}", u8::from(a)),
                None => write!(w, ": {name}"),
            }
        }
        Detail::Key(KeyError::Malformed) => Ok(()),
        Detail::Key(e) => write!(w, ": {}", e.message()),
        Detail::Cert(f) => write_cert_detail(&mut w, f),
        Detail::RawKeyMismatch => w.write_str(": the PUBLIC KEY given is not this private key's"),
    };
    let len = w.len;
    out[len] = 0;
    len
}

fn write_cert_detail(w: &mut Cut<'_>, f: CertParseFailure) -> core::fmt::Result {
    use core::fmt::Write as _;
    match f.error {
        _ if f.holds_key => w.write_str(": this is a private key, not a certificate"),
        // Neither PEM nor DER at all: MicroPython's plain "invalid cert".
        CertParseError::BadDer if f.index <= 1 => Ok(()),
        CertParseError::NoCertificates | CertParseError::MixedKeysAndCertificates => {
            write!(w, ": {}", f.error.message())
        }
        CertParseError::BadPublicKey | CertParseError::UnsupportedPublicKey => {
            write!(w, ": public key {}: {}", f.index, f.error.message())
        }
        CertParseError::TrailingData => {
            write!(w, ": {} (after certificate {})", f.error.message(), f.index.saturating_sub(1))
        }
        _ => write!(w, ": certificate {}: {}", f.index, f.error.message()),
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::collections::BTreeSet;
    use std::string::{String, ToString};

    const API_MD: &str = include_str!("../../docs/api.md");

    fn message(code: i32, detail: Detail) -> String {
        let mut buf = [0u8; 192];
        let n = write_message(code, detail, &mut buf);
        assert_eq!(buf[n], 0);
        String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    #[test]
    fn docs_alert_table_is_the_code() {
        let from_code: BTreeSet<(String, String)> = (0..=255u8)
            .map(|v| alert_text(AlertDescription::from(v)))
            .filter(|(name, _)| *name != "alert")
            .map(|(name, hint)| (name.to_string(), hint.unwrap_or("").to_string()))
            .collect();
        let table = API_MD.split("| alert | hint |\n|---|---|\n").nth(1).expect("docs/api.md: the alert table");
        let from_docs: BTreeSet<(String, String)> = table
            .lines()
            .take_while(|l| l.starts_with("| `"))
            .map(|l| {
                let (name, hint) = l.trim_start_matches("| `").split_once("` | ").unwrap();
                (name.to_string(), hint.trim_end_matches('|').trim().to_string())
            })
            .collect();
        assert_eq!(from_docs, from_code);
    }

    #[test]
    fn messages_carry_the_detail() {
        assert_eq!(
            message(status::PEER_ALERT, Detail::Alert(AlertDescription::CertificateRequired)),
            "SSL_FATAL_ALERT_MESSAGE: the peer sent a fatal alert: certificate_required \
             (the server requires a client certificate (load_cert_chain))"
        );
        assert_eq!(
            message(status::PEER_ALERT, Detail::Alert(AlertDescription::Unknown(200))),
            "SSL_FATAL_ALERT_MESSAGE: the peer sent a fatal alert: alert 200"
        );
        assert_eq!(message(status::INVALID_KEY, Detail::Key(KeyError::Malformed)), "invalid key");
        assert_eq!(
            message(status::INVALID_KEY, Detail::Key(KeyError::Encrypted)),
            "invalid key: private key is encrypted (not supported)"
        );
        let cert = |error, index, holds_key| Detail::Cert(CertParseFailure { error, index, holds_key });
        assert_eq!(message(status::INVALID_CERT, cert(CertParseError::BadDer, 1, false)), "invalid cert");
        assert_eq!(
            message(status::INVALID_CERT, cert(CertParseError::BadCertificate, 3, false)),
            "invalid cert: certificate 3: malformed X.509 certificate"
        );
        assert_eq!(
            message(status::INVALID_CERT, cert(CertParseError::NoCertificates, 0, true)),
            "invalid cert: this is a private key, not a certificate"
        );
        assert_eq!(
            message(status::HANDSHAKE_FAILURE, Detail::None),
            "SSL_HANDSHAKE_FAILURE: no common protocol version, cipher suite or group"
        );
    }

    #[test]
    fn a_short_buffer_cuts_the_message() {
        let mut buf = [0xffu8; 12];
        let n = write_message(status::PEER_ALERT, Detail::Alert(AlertDescription::UnknownCA), &mut buf);
        assert_eq!(n, 11);
        assert_eq!(&buf[..12], b"SSL_FATAL_A\0");
        assert_eq!(write_message(status::PEER_ALERT, Detail::None, &mut []), 0);
        // A multi-byte character is never split (none of ours has one, but
        // the cut must hold for any text).
        let mut w = Cut { out: &mut [0u8; 4], len: 0 };
        core::fmt::Write::write_str(&mut w, "aé€").unwrap();
        assert_eq!(w.len, 3);
    }
}
