//! rustls' errors as our status codes (`ffi::status`).

use rustls::{Error, InvalidMessage};

use crate::ffi::status;
use crate::verifier::{self, CertFailure};

/// The status code for a rustls error.
pub fn code(err: &Error) -> i32 {
    match err {
        Error::InvalidMessage(m) => match m {
            // What a plain-text peer (an HTTP server, say) looks like.
            InvalidMessage::InvalidContentType | InvalidMessage::UnknownProtocolVersion => {
                status::INVALID_RECORD
            }
            InvalidMessage::MessageTooLarge => status::RECORD_OVERFLOW,
            _ => status::DECODE_ERROR,
        },
        Error::AlertReceived(_) => status::PEER_ALERT,
        Error::InappropriateMessage { .. } | Error::InappropriateHandshakeMessage { .. } => {
            status::UNEXPECTED_MESSAGE
        }
        Error::PeerIncompatible(_) | Error::PeerMisbehaved(_) => status::HANDSHAKE_FAILURE,
        Error::DecryptError => status::BAD_RECORD_MAC,
        Error::NoCertificatesPresented => status::CERT_REQUIRED,
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
        CertFailure::PeerCertRequired => status::CERT_REQUIRED,
        CertFailure::Invalid => status::CERT_INVALID,
    }
}
