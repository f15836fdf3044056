//! Handshake signatures (CertificateVerify, ServerKeyExchange), checked
//! against the key our own reader takes from the peer's certificate.

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::CertificateDer;
use rustls::{DigitallySignedStruct, Error, SignatureScheme};

use super::*;

/// Schemes TLS 1.3 allows (RFC 8446 4.2.3): no SHA-1/SHA-224, no RSA-PKCS#1.
pub(super) fn tls13_scheme(s: SignatureScheme) -> bool {
    matches!(
        s,
        SignatureScheme::ECDSA_NISTP256_SHA256
            | SignatureScheme::ECDSA_NISTP384_SHA384
            | SignatureScheme::ECDSA_NISTP521_SHA512
            | SignatureScheme::RSA_PSS_SHA256
            | SignatureScheme::RSA_PSS_SHA384
            | SignatureScheme::RSA_PSS_SHA512
            | SignatureScheme::ED25519
            | SignatureScheme::ED448
    )
}

pub(super) fn verify_handshake_signature(
    algs: &WebPkiSupportedAlgorithms,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
    tls13: bool,
    raw: bool,
) -> Result<HandshakeSignatureValid, Error> {
    let unadvertised = || Error::PeerMisbehaved(PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme);
    if tls13 && !tls13_scheme(dss.scheme) {
        return Err(unadvertised());
    }
    let candidates =
        algs.mapping.iter().find(|(scheme, _)| *scheme == dss.scheme).map(|(_, a)| *a).ok_or_else(unadvertised)?;
    // TLS 1.3 binds the scheme to one algorithm (curve included): the first.
    let candidates = if tls13 { candidates.get(..1).unwrap_or(&[]) } else { candidates };
    // A raw public key (RFC 7250) is the SPKI itself.
    let (spki_alg, spki_key) = if raw {
        crate::rpk::spki_parts(cert.as_ref())
    } else {
        CertInfo::parse(cert.as_ref()).map(|i| (i.spki_alg, i.spki_key))
    }
    .ok_or(cert_error(CertificateError::BadEncoding))?;
    let mut tried = None;
    for alg in candidates {
        if alg.public_key_alg_id().as_ref() != spki_alg {
            tried = Some(alg);
            continue;
        }
        return alg
            .verify_signature(spki_key, message, dss.signature())
            .map(|_| HandshakeSignatureValid::assertion())
            .map_err(|_| cert_error(CertificateError::BadSignature));
    }
    Err(cert_error(match tried {
        Some(alg) => CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext {
            signature_algorithm_id: alg.signature_alg_id().as_ref().to_vec(),
            public_key_algorithm_id: spki_alg.to_vec(),
        },
        None => CertificateError::BadSignature,
    }))
}
