//! Certificate input: PEM or DER bytes from Python (`cadata`, `load_verify_locations`,
//! `load_cert_chain`) into a list of DER certificates.
//!
//! Accepted forms, detected automatically:
//! * **PEM** (the input contains `-----BEGIN`): every `CERTIFICATE` block, in
//!   order; other blocks (keys, CRLs, ...) and text around the blocks are
//!   ignored; LF or CRLF line ends.
//! * **DER**: one certificate, or several concatenated back to back (what
//!   MicroPython users pass as `cadata`).
//!
//! Trailing NUL bytes and ASCII whitespace after the last certificate are
//! tolerated (bytes coming from C strings).  Every certificate must be a
//! well-formed DER `SEQUENCE` whose length matches, and must parse as an X.509
//! certificate (v1 or v3) for rustls-webpki, so garbage is refused here with
//! a clear error rather than later in a handshake.  No certificate at all is
//! an error.

use alloc::vec::Vec;

use rustls_pki_types::pem::{PemObject, SectionKind};
use rustls_pki_types::CertificateDer;

/// Why certificate bytes were refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertParseError {
    /// The input holds no certificate (empty input, or PEM without a
    /// `CERTIFICATE` block).
    NoCertificates,
    /// A PEM block is malformed: bad base64, a missing END line, a bad
    /// BEGIN line.
    BadPem,
    /// DER input that is not a sequence of complete DER `SEQUENCE`s
    /// (truncated, a wrong length, or not DER at all).
    BadDer,
    /// Bytes other than NUL or whitespace after the last DER certificate.
    TrailingData,
    /// Well-formed DER that is not an X.509 certificate we can read.
    BadCertificate,
    /// A raw public key (`rpk`) that is not a SubjectPublicKeyInfo.
    BadPublicKey,
    /// A raw public key of a type this build does not verify.
    UnsupportedPublicKey,
    /// Public keys and certificates in one input.
    MixedKeysAndCertificates,
}

impl CertParseError {
    /// A short text for the user (no trailing NUL).
    pub fn message(&self) -> &'static str {
        match self {
            Self::NoCertificates => "no certificate found in the data",
            Self::BadPem => "malformed PEM certificate block",
            Self::BadDer => "certificate data is neither PEM nor well-formed DER",
            Self::TrailingData => "unexpected data after the last DER certificate",
            Self::BadCertificate => "malformed X.509 certificate",
            Self::BadPublicKey => "malformed public key (SubjectPublicKeyInfo)",
            Self::UnsupportedPublicKey => "public key of a type this build does not verify",
            Self::MixedKeysAndCertificates => "public keys and certificates mixed in one context",
        }
    }
}

impl core::fmt::Display for CertParseError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.message())
    }
}

/// A refusal and where it happened: `index` is the 1-based position of the
/// certificate that was refused (for `TrailingData`, the one after the last
/// good certificate), 0 when no certificate is to blame (`NoCertificates`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CertParseFailure {
    pub error: CertParseError,
    pub index: usize,
    /// The input holds a private key (and no certificate): what users pass by
    /// mistake as `cadata` or as a certificate file.
    pub holds_key: bool,
}

/// Parse PEM or DER certificate bytes.  See the module documentation.
pub fn parse_certificates(data: &[u8]) -> Result<Vec<CertificateDer<'static>>, CertParseError> {
    parse_certificates_at(data).map_err(|f| f.error)
}

/// [`parse_certificates`], saying which certificate was refused.
pub fn parse_certificates_at(data: &[u8]) -> Result<Vec<CertificateDer<'static>>, CertParseFailure> {
    let fail = |error, index| CertParseFailure { error, index, holds_key: holds_private_key(data) };
    let certs = if contains(data, b"-----BEGIN") {
        parse_pem(data).map_err(|(e, i)| fail(e, i))?
    } else {
        parse_der(data).map_err(|(e, i)| fail(e, i))?
    };
    if certs.is_empty() {
        return Err(fail(CertParseError::NoCertificates, 0));
    }
    for (i, cert) in certs.iter().enumerate() {
        check_certificate(cert).map_err(|e| fail(e, i + 1))?;
    }
    Ok(certs)
}

/// Only asked once the input has been refused: is it a private key?
fn holds_private_key(data: &[u8]) -> bool {
    !contains(data, b"-----BEGIN CERTIFICATE-----")
        && (contains(data, b"PRIVATE KEY-----") || crate::crypto::keys::load_private_key(data).is_ok())
}

fn parse_pem(data: &[u8]) -> Result<Vec<CertificateDer<'static>>, (CertParseError, usize)> {
    let mut certs = Vec::new();
    for item in <(SectionKind, Vec<u8>) as PemObject>::pem_slice_iter(data) {
        match item {
            Ok((SectionKind::Certificate, der)) => {
                // A block must hold exactly one DER certificate.
                match split_der(&der) {
                    Some((_, [])) => {}
                    _ => return Err((CertParseError::BadDer, certs.len() + 1)),
                }
                certs.push(CertificateDer::from(der));
            }
            Ok(_) => {} // keys, CRLs, ...: not ours to judge here
            Err(_) => return Err((CertParseError::BadPem, certs.len() + 1)),
        }
    }
    Ok(certs)
}

fn parse_der(data: &[u8]) -> Result<Vec<CertificateDer<'static>>, (CertParseError, usize)> {
    let mut certs = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        if rest.iter().all(|&b| is_filler(b)) {
            break; // trailing NULs/whitespace (or only those: no certificate)
        }
        match split_der(rest) {
            Some((one, tail)) => {
                certs.push(CertificateDer::from(one.to_vec()));
                rest = tail;
            }
            None if certs.is_empty() => return Err((CertParseError::BadDer, 1)),
            None => return Err((CertParseError::TrailingData, certs.len() + 1)),
        }
    }
    Ok(certs)
}

/// NUL or ASCII whitespace, tolerated after the last DER certificate.
fn is_filler(b: u8) -> bool {
    matches!(b, 0 | b' ' | b'\t' | b'\r' | b'\n')
}

/// Split one DER `SEQUENCE` off the front of `data`: (the whole TLV, the rest).
pub(crate) fn split_der(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let (_, rest) = crate::asn1::expect(data, crate::asn1::SEQUENCE)?;
    Some(data.split_at(data.len() - rest.len()))
}

/// Whether rustls-webpki can read `cert` as an X.509 certificate.  We ask the
/// trust-anchor parser, which (unlike the end-entity one) also accepts v1
/// certificates and does not judge extensions, so that certificates
/// trusted directly by the user are not refused here.
fn check_certificate(cert: &CertificateDer<'_>) -> Result<(), CertParseError> {
    webpki::anchor_from_trusted_cert(cert).map(|_| ()).map_err(|_| CertParseError::BadCertificate)
}

/// Whether `needle` occurs in `haystack` (PEM labels in loaded data: the
/// certificate, key and public-key loaders tell formats apart by them).
pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT_PEM: &[u8] = include_bytes!("../tests-data/certs/root-ca.pem");
    const ROOT_DER: &[u8] = include_bytes!("../tests-data/certs/root-ca.der");
    const CHAIN_PEM: &[u8] = include_bytes!("../tests-data/certs/leaf-p256-chain.pem");
    const LEAF_DER: &[u8] = include_bytes!("../tests-data/certs/leaf-p256.der");
    const INTER_DER: &[u8] = include_bytes!("../tests-data/certs/inter-ca.der");
    const V1_DER: &[u8] = include_bytes!("../tests-data/certs/v1-self.der");
    const RSA_DER: &[u8] = include_bytes!("../tests-data/certs/leaf-rsa2048.der");
    const ED_PEM: &[u8] = include_bytes!("../tests-data/certs/leaf-ed25519.pem");
    const KEY_PEM: &[u8] = include_bytes!("../tests-data/certs/leaf-p256.key");

    fn crlf(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for &b in data {
            if b == b'\n' {
                out.push(b'\r');
            }
            out.push(b);
        }
        out
    }

    #[test]
    fn pem_single() {
        let certs = parse_certificates(ROOT_PEM).unwrap();
        assert_eq!(certs.len(), 1);
        assert_eq!(certs[0].as_ref(), ROOT_DER);
    }

    #[test]
    fn pem_chain_in_order() {
        let certs = parse_certificates(CHAIN_PEM).unwrap();
        assert_eq!(certs.len(), 2);
        assert_eq!(certs[0].as_ref(), LEAF_DER);
        assert_eq!(certs[1].as_ref(), INTER_DER);
    }

    #[test]
    fn pem_crlf_and_surrounding_text_and_other_blocks() {
        let mut data = b"Bag Attributes\n  friendlyName: test\nsubject=CN = whatever\n".to_vec();
        data.extend_from_slice(KEY_PEM);
        data.extend_from_slice(b"some text in between\n");
        data.extend_from_slice(CHAIN_PEM);
        data.extend_from_slice(b"trailing text\n");
        let data = crlf(&data);
        let certs = parse_certificates(&data).unwrap();
        assert_eq!(certs.len(), 2);
        assert_eq!(certs[0].as_ref(), LEAF_DER);
        assert_eq!(certs[1].as_ref(), INTER_DER);
    }

    #[test]
    fn pem_trailing_nul_and_no_final_newline() {
        let mut data = ROOT_PEM.to_vec();
        data.push(0);
        assert_eq!(parse_certificates(&data).unwrap().len(), 1);
        let trimmed = ROOT_PEM.strip_suffix(b"\n").unwrap();
        assert_eq!(parse_certificates(trimmed).unwrap().len(), 1);
    }

    #[test]
    fn pem_ed25519() {
        assert_eq!(parse_certificates(ED_PEM).unwrap().len(), 1);
    }

    #[test]
    fn pem_without_certificate() {
        assert_eq!(parse_certificates(KEY_PEM), Err(CertParseError::NoCertificates));
    }

    #[test]
    fn pem_bad_base64() {
        let data = b"-----BEGIN CERTIFICATE-----\nMIIB!!!!notbase64\n-----END CERTIFICATE-----\n";
        assert_eq!(parse_certificates(data), Err(CertParseError::BadPem));
    }

    #[test]
    fn pem_missing_end() {
        let pem = core::str::from_utf8(ROOT_PEM).unwrap();
        let cut = pem.find("-----END").unwrap();
        assert_eq!(parse_certificates(&ROOT_PEM[..cut]), Err(CertParseError::BadPem));
    }

    #[test]
    fn pem_block_with_garbage_der() {
        // Valid base64 of bytes that are not a certificate.
        let data = b"-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n";
        assert_eq!(parse_certificates(data), Err(CertParseError::BadDer));
        // A DER SEQUENCE that is not a certificate: 30 03 02 01 05.
        let data = b"-----BEGIN CERTIFICATE-----\nMAMCAQU=\n-----END CERTIFICATE-----\n";
        assert_eq!(parse_certificates(data), Err(CertParseError::BadCertificate));
    }

    #[test]
    fn der_single_and_v1() {
        let certs = parse_certificates(ROOT_DER).unwrap();
        assert_eq!(certs.len(), 1);
        assert_eq!(certs[0].as_ref(), ROOT_DER);
        assert_eq!(parse_certificates(V1_DER).unwrap().len(), 1);
        assert_eq!(parse_certificates(RSA_DER).unwrap().len(), 1);
    }

    #[test]
    fn der_concatenated() {
        let mut data = LEAF_DER.to_vec();
        data.extend_from_slice(INTER_DER);
        data.extend_from_slice(ROOT_DER);
        let certs = parse_certificates(&data).unwrap();
        assert_eq!(certs.len(), 3);
        assert_eq!(certs[0].as_ref(), LEAF_DER);
        assert_eq!(certs[1].as_ref(), INTER_DER);
        assert_eq!(certs[2].as_ref(), ROOT_DER);
    }

    #[test]
    fn der_trailing_nul_and_whitespace() {
        let mut data = ROOT_DER.to_vec();
        data.extend_from_slice(b"\0");
        assert_eq!(parse_certificates(&data).unwrap().len(), 1);
        data.extend_from_slice(b" \r\n\t\0\0");
        let certs = parse_certificates(&data).unwrap();
        assert_eq!(certs.len(), 1);
        assert_eq!(certs[0].as_ref(), ROOT_DER);
    }

    #[test]
    fn der_trailing_garbage() {
        let mut data = ROOT_DER.to_vec();
        data.extend_from_slice(b"\0xyz");
        assert_eq!(parse_certificates(&data), Err(CertParseError::TrailingData));
        let mut data = ROOT_DER.to_vec();
        data.extend_from_slice(&LEAF_DER[..LEAF_DER.len() - 1]);
        assert_eq!(parse_certificates(&data), Err(CertParseError::TrailingData));
    }

    #[test]
    fn der_truncated_and_corrupted() {
        assert_eq!(parse_certificates(&ROOT_DER[..ROOT_DER.len() - 1]), Err(CertParseError::BadDer));
        for cut in [1, 2, 3, 4, 10] {
            assert_eq!(parse_certificates(&ROOT_DER[..cut]), Err(CertParseError::BadDer));
        }
        // Flip a byte inside the TBS: lengths still match, content does not parse
        // or is still a certificate; it must never panic.
        for i in 0..ROOT_DER.len() {
            let mut data = ROOT_DER.to_vec();
            data[i] ^= 0xff;
            let _ = parse_certificates(&data);
        }
        // A length field that claims more than there is.
        let mut data = ROOT_DER.to_vec();
        data[3] = data[3].wrapping_add(1);
        assert_eq!(parse_certificates(&data), Err(CertParseError::BadDer));
    }

    #[test]
    fn garbage_and_empty() {
        assert_eq!(parse_certificates(b""), Err(CertParseError::NoCertificates));
        assert_eq!(parse_certificates(b"\0"), Err(CertParseError::NoCertificates));
        assert_eq!(parse_certificates(b"  \n"), Err(CertParseError::NoCertificates));
        assert_eq!(parse_certificates(b"hello world"), Err(CertParseError::BadDer));
        assert_eq!(parse_certificates(&[0x30]), Err(CertParseError::BadDer));
        assert_eq!(parse_certificates(&[0x30, 0x80, 0, 0]), Err(CertParseError::BadDer));
        assert_eq!(parse_certificates(&[0x30, 0x85, 1, 0, 0, 0, 0]), Err(CertParseError::BadDer));
        assert_eq!(parse_certificates(&[0x30, 0x81, 0x05, 1, 2, 3, 4, 5]), Err(CertParseError::BadDer));
        assert_eq!(parse_certificates(&[0x30, 0x00]), Err(CertParseError::BadCertificate));
        assert_eq!(parse_certificates(&[0xffu8; 64]), Err(CertParseError::BadDer));
    }

    #[test]
    fn failures_say_which_certificate() {
        let fail = |error, index, holds_key| Err(CertParseFailure { error, index, holds_key });
        let mut bad = LEAF_DER.to_vec();
        bad[4..8].copy_from_slice(&[0xff; 4]);
        let three = [ROOT_DER, INTER_DER, &bad[..]].concat();
        assert_eq!(parse_certificates_at(&three), fail(CertParseError::BadCertificate, 3, false));
        let trailing = [ROOT_DER, b"xyz"].concat();
        assert_eq!(parse_certificates_at(&trailing), fail(CertParseError::TrailingData, 2, false));
        assert_eq!(parse_certificates_at(b"!"), fail(CertParseError::BadDer, 1, false));
        assert_eq!(parse_certificates_at(b""), fail(CertParseError::NoCertificates, 0, false));
        let pem = core::str::from_utf8(ROOT_PEM).unwrap();
        let broken = pem.replacen("MII", "M!I", 1);
        let two = [ROOT_PEM, broken.as_bytes()].concat();
        assert_eq!(parse_certificates_at(&two), fail(CertParseError::BadPem, 2, false));
        assert_eq!(parse_certificates_at(ROOT_DER).map(|c| c.len()), Ok(1));
    }

    #[test]
    fn a_private_key_given_as_certificates_is_named() {
        assert_eq!(
            parse_certificates_at(KEY_PEM),
            Err(CertParseFailure { error: CertParseError::NoCertificates, index: 0, holds_key: true })
        );
        let key_der = include_bytes!("../tests-data/keys/rsa2048.pkcs8.der");
        let f = parse_certificates_at(key_der).unwrap_err();
        assert!(f.holds_key, "{f:?}");
        // A certificate that is refused is not a key, even next to one.
        let both = [KEY_PEM, b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"].concat();
        assert!(!parse_certificates_at(&both).unwrap_err().holds_key);
    }

    #[test]
    fn messages() {
        for e in [
            CertParseError::NoCertificates,
            CertParseError::BadPem,
            CertParseError::BadDer,
            CertParseError::TrailingData,
            CertParseError::BadCertificate,
        ] {
            assert!(!e.message().is_empty());
        }
    }
}
