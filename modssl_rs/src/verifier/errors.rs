//! Certificate failures: rustls-webpki's errors as rustls', and rustls' as
//! ours ([`CertFailure`], which the connection maps to status codes).

use core::time::Duration;

use rustls::pki_types::UnixTime;
use rustls::{CertificateError, Error};

/// Why a peer's certificate was refused, for our status codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertFailure {
    Expired,
    NotYetValid,
    HostnameMismatch,
    UnknownIssuer,
    BadSignature,
    Revoked,
    BadUsage,
    ClockNotSet,
    RejectedByCallback,
    PeerCertRequired,
    /// Signed with an algorithm we do not verify (in this build).
    UnsupportedAlgorithm,
    /// A raw public key (RFC 7250) that is not one of ours.
    RawKeyUntrusted,
    Invalid,
}

/// What a certificate error means for us; `None` for errors that are not
/// about certificates.
pub fn classify(err: &Error) -> Option<CertFailure> {
    #[allow(deprecated)]
    let f = match err {
        Error::NoCertificatesPresented => CertFailure::PeerCertRequired,
        Error::InvalidCertificate(e) => match e {
            CertificateError::NotValidYetContext { time, .. } if time.as_secs() == 0 => CertFailure::ClockNotSet,
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => CertFailure::Expired,
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => CertFailure::NotYetValid,
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                CertFailure::HostnameMismatch
            }
            CertificateError::UnknownIssuer => CertFailure::UnknownIssuer,
            // A signature that does not fit its key is a bad signature; an
            // algorithm missing from our list (or from this build) is not.
            CertificateError::BadSignature
            | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => CertFailure::BadSignature,
            CertificateError::UnsupportedSignatureAlgorithm
            | CertificateError::UnsupportedSignatureAlgorithmContext { .. } => CertFailure::UnsupportedAlgorithm,
            CertificateError::Revoked => CertFailure::Revoked,
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => CertFailure::BadUsage,
            CertificateError::ApplicationVerificationFailure => CertFailure::RejectedByCallback,
            // Our encoding of "raw public key not trusted" (we never check
            // revocation, so nothing else of ours says this).
            CertificateError::UnknownRevocationStatus => CertFailure::RawKeyUntrusted,
            _ => CertFailure::Invalid,
        },
        Error::InvalidCertRevocationList(_) => CertFailure::Invalid,
        _ => return None,
    };
    Some(f)
}

pub(super) fn cert_error(e: CertificateError) -> Error {
    Error::InvalidCertificate(e)
}

/// rustls-webpki's errors as rustls' (as rustls maps them, where it can
/// without `std`).
pub(super) fn pki_error(e: webpki::Error) -> Error {
    use webpki::Error as W;
    #[allow(deprecated)]
    let c = match e {
        W::CertNotValidYet { time, not_before } => CertificateError::NotValidYetContext { time, not_before },
        W::CertExpired { time, not_after } => CertificateError::ExpiredContext { time, not_after },
        W::InvalidCertValidity => CertificateError::Expired,
        W::UnknownIssuer
        | W::MaximumPathBuildCallsExceeded
        | W::MaximumPathDepthExceeded
        | W::MaximumSignatureChecksExceeded
        | W::CertDistrusted => CertificateError::UnknownIssuer,
        W::CertNotValidForName(cx) => {
            CertificateError::NotValidForNameContext { expected: cx.expected, presented: cx.presented }
        }
        W::CertRevoked => CertificateError::Revoked,
        W::InvalidSignatureForPublicKey => CertificateError::BadSignature,
        W::UnsupportedSignatureAlgorithmContext(cx) => CertificateError::UnsupportedSignatureAlgorithmContext {
            signature_algorithm_id: cx.signature_algorithm_id,
            supported_algorithms: cx.supported_algorithms,
        },
        W::UnsupportedSignatureAlgorithmForPublicKeyContext(cx) => {
            CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext {
                signature_algorithm_id: cx.signature_algorithm_id,
                public_key_algorithm_id: cx.public_key_algorithm_id,
            }
        }
        W::UnsupportedSignatureAlgorithm
        | W::UnsupportedSignatureAlgorithmForPublicKey
        | W::SignatureAlgorithmMismatch => CertificateError::UnsupportedSignatureAlgorithm,
        W::RequiredEkuNotFound
        | W::RequiredEkuNotFoundContext(_)
        | W::CaUsedAsEndEntity
        | W::EndEntityUsedAsCa
        | W::PathLenConstraintViolated => CertificateError::InvalidPurpose,
        W::UnsupportedCriticalExtension => CertificateError::UnhandledCriticalExtension,
        _ => CertificateError::BadEncoding,
    };
    cert_error(c)
}

pub(super) fn unix(secs: u64) -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(secs))
}
