//! Raw public keys (RFC 7250): a bare SubjectPublicKeyInfo where a
//! certificate would go, in `load_cert_chain` (our identity) and in
//! `load_verify_locations` (the peer keys we trust).  docs/api.md, "Raw
//! public keys".
//!
//! Telling a public key from a certificate is always built (a build
//! without the `rpk` feature must say that raw public keys are not in it,
//! rather than "invalid cert"); the parsing is the feature's.
//!
//! Accepted forms: PEM with one or more `PUBLIC KEY` blocks (what `openssl
//! pkey -pubout` writes; other blocks ignored, no `CERTIFICATE` block
//! allowed beside them), or DER SubjectPublicKeyInfos back to back.  Each
//! key must be of a type this build verifies (P-256 always; P-384, RSA and
//! Ed25519 with their features): its AlgorithmIdentifier (the curve's OID
//! included) must be one of the provider's.

use crate::asn1;
use crate::pem::contains;

/// Whether `data` holds public keys rather than certificates: PEM with a
/// `PUBLIC KEY` block and no `CERTIFICATE` block, or DER whose first element
/// is a SubjectPublicKeyInfo (a certificate's first element starts with a
/// version or a serial number, an SPKI's with an algorithm's OID).
pub fn holds_public_keys(data: &[u8]) -> bool {
    if contains(data, b"-----BEGIN") {
        return contains(data, b"-----BEGIN PUBLIC KEY-----") && !contains(data, b"-----BEGIN CERTIFICATE-----");
    }
    spki_parts(first_der(data)).is_some()
}

/// Whether `data` is PEM with a `PUBLIC KEY` block (perhaps beside
/// certificates: refused as a mix where raw keys are built in).
pub fn has_public_key_block(data: &[u8]) -> bool {
    contains(data, b"-----BEGIN PUBLIC KEY-----")
}

/// The first DER element of `data` (all of `data` if it is not DER).
fn first_der(data: &[u8]) -> &[u8] {
    crate::pem::split_der(data).map_or(data, |(one, _)| one)
}

/// A DER SubjectPublicKeyInfo, whole: (AlgorithmIdentifier contents, key
/// bits).  `None` if `der` is not exactly one.
pub fn spki_parts(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let spki = asn1::whole(der, asn1::SEQUENCE)?;
    let (alg, rest) = asn1::expect(spki, asn1::SEQUENCE)?;
    // An algorithm's OID first: a certificate's TBS starts otherwise.
    asn1::expect(alg, asn1::OID)?;
    let (bits, rest) = asn1::expect(rest, asn1::BIT_STRING)?;
    if !rest.is_empty() {
        return None;
    }
    match bits.split_first() {
        Some((0, key)) if !key.is_empty() => Some((alg, key)),
        _ => None,
    }
}

#[cfg(feature = "rpk")]
pub use parse::*;

#[cfg(feature = "rpk")]
mod parse {
    use alloc::vec::Vec;

    use rustls_pki_types::pem::{PemObject, SectionKind};

    use super::*;
    use crate::pem::{CertParseError, CertParseFailure};

    /// Whether this build verifies signatures made with the key whose
    /// AlgorithmIdentifier contents are `alg`.
    pub fn supported_algorithm(alg: &[u8]) -> bool {
        crate::crypto::sig_algs().all.iter().any(|a| a.public_key_alg_id().as_ref() == alg)
    }

    /// The SubjectPublicKeyInfos in `data` (see the module documentation),
    /// each whole DER.  Refusals say which key (1-based) as certificates' do.
    pub fn parse_public_keys(data: &[u8]) -> Result<Vec<Vec<u8>>, CertParseFailure> {
        let fail = |error, index| CertParseFailure { error, index, holds_key: false };
        let mut keys = Vec::new();
        if contains(data, b"-----BEGIN") {
            if contains(data, b"-----BEGIN CERTIFICATE-----") {
                return Err(fail(CertParseError::MixedKeysAndCertificates, 0));
            }
            for item in <(SectionKind, Vec<u8>) as PemObject>::pem_slice_iter(data) {
                match item {
                    Ok((SectionKind::PublicKey, der)) => keys.push(der),
                    Ok(_) => {}
                    Err(_) => return Err(fail(CertParseError::BadPem, keys.len() + 1)),
                }
            }
        } else {
            let mut rest = data;
            while !rest.iter().all(|&b| matches!(b, 0 | b' ' | b'\t' | b'\r' | b'\n')) {
                let Some((one, tail)) = crate::pem::split_der(rest) else {
                    return Err(fail(CertParseError::BadPublicKey, keys.len() + 1));
                };
                keys.push(one.to_vec());
                rest = tail;
            }
        }
        if keys.is_empty() {
            return Err(fail(CertParseError::NoCertificates, 0));
        }
        for (i, key) in keys.iter().enumerate() {
            let Some((alg, _)) = spki_parts(key) else {
                return Err(fail(CertParseError::BadPublicKey, i + 1));
            };
            if !supported_algorithm(alg) {
                return Err(fail(CertParseError::UnsupportedPublicKey, i + 1));
            }
        }
        Ok(keys)
    }
}

#[cfg(all(test, feature = "rpk", all_algorithms))]
mod tests {
    extern crate std;
    use super::*;
    use crate::pem::CertParseError;
    use alloc::vec::Vec;

    const P256_KEY: &[u8] = include_bytes!("../tests-data/certs/leaf-p256.key");
    const ED_KEY: &[u8] = include_bytes!("../tests-data/certs/leaf-ed25519.key");
    const RSA_KEY: &[u8] = include_bytes!("../tests-data/certs/leaf-rsa2048.key");
    const P256_CERT: &[u8] = include_bytes!("../tests-data/certs/leaf-p256.der");
    const P256_PEM: &[u8] = include_bytes!("../tests-data/certs/leaf-p256.pem");

    /// The SPKI of a key file, as our signing key encodes it.
    pub(crate) fn spki_of(key: &[u8]) -> Vec<u8> {
        let k = crate::crypto::keys::load_signing_key(key).unwrap();
        k.public_key().unwrap().as_ref().to_vec()
    }

    fn pem(der: &[u8]) -> Vec<u8> {
        use std::string::String;
        let mut b64 = String::new();
        const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for c in der.chunks(3) {
            let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
            for i in 0..4 {
                if i <= c.len() {
                    b64.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    b64.push('=');
                }
            }
        }
        std::format!("-----BEGIN PUBLIC KEY-----\n{b64}\n-----END PUBLIC KEY-----\n").into_bytes()
    }

    #[test]
    fn tells_keys_from_certificates() {
        let spki = spki_of(P256_KEY);
        assert!(holds_public_keys(&spki));
        assert!(holds_public_keys(&pem(&spki)));
        assert!(!holds_public_keys(P256_CERT));
        assert!(!holds_public_keys(P256_PEM));
        assert!(!holds_public_keys(P256_KEY));
        assert!(!holds_public_keys(b"!"));
        // A certificate beside a key: certificates (and refused as mixed
        // by the key parser).
        let both = [pem(&spki), P256_PEM.to_vec()].concat();
        assert!(!holds_public_keys(&both));
        assert_eq!(parse_public_keys(&both).unwrap_err().error, CertParseError::MixedKeysAndCertificates);
    }

    #[test]
    fn parses_pem_and_der_of_each_type() {
        let keys: Vec<Vec<u8>> = [P256_KEY, ED_KEY, RSA_KEY].iter().map(|k| spki_of(k)).collect();
        let pems: Vec<u8> = keys.iter().flat_map(|k| pem(k)).collect();
        assert_eq!(parse_public_keys(&pems).unwrap(), keys);
        let ders: Vec<u8> = [keys.concat(), b"\n\0".to_vec()].concat();
        assert_eq!(parse_public_keys(&ders).unwrap(), keys);
        // Each SPKI's algorithm is the provider's.
        for k in &keys {
            assert!(supported_algorithm(spki_parts(k).unwrap().0));
        }
    }

    /// What `openssl pkey -pubout` writes is what our key encodes: the
    /// identity's match is a byte comparison.
    #[test]
    fn openssl_spki_is_our_keys() {
        let ours = spki_of(P256_KEY);
        let pem = include_bytes!("../tests-data/certs/leaf-p256.spki.pem");
        let der = include_bytes!("../tests-data/certs/leaf-p256.spki.der");
        assert_eq!(parse_public_keys(pem).unwrap(), core::slice::from_ref(&ours));
        assert_eq!(der.as_slice(), ours.as_slice());
    }

    #[test]
    fn refuses_bad_and_unsupported_keys() {
        let spki = spki_of(P256_KEY);
        let mut cut = spki.clone();
        cut.pop();
        assert_eq!(parse_public_keys(&cut).unwrap_err().error, CertParseError::BadPublicKey);
        // Two keys, the second not a key.
        let two = [spki.clone(), P256_CERT.to_vec()].concat();
        let f = parse_public_keys(&two).unwrap_err();
        assert_eq!((f.error, f.index), (CertParseError::BadPublicKey, 2));
        // An unknown algorithm (the P-256 OID's last byte changed).
        let mut odd = spki.clone();
        let at = odd.windows(8).position(|w| w == [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]).unwrap();
        odd[at + 7] = 0x55;
        let f = parse_public_keys(&odd).unwrap_err();
        assert_eq!((f.error, f.index), (CertParseError::UnsupportedPublicKey, 1));
        assert_eq!(parse_public_keys(b"").unwrap_err().error, CertParseError::NoCertificates);
    }
}
