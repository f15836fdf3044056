//! Private keys: from the bytes a MicroPython user hands to
//! `SSLContext.load_cert_chain()` to a rustls `SigningKey`.
//!
//! Two steps, so errors can name what was wrong:
//! 1. [`load_private_key`]: PEM or DER in, the structure recognised
//!    (PKCS#1, SEC1, PKCS#8) and the algorithm, curve and size checked, a
//!    `PrivateKeyDer` out.  Cheap: DER parsing only.
//! 2. [`signing_key`] (also behind our rustls [`KeyProvider`]): the numbers
//!    checked (RSA components consistent, EC scalar in range, embedded public
//!    keys matching) and the `SigningKey` built.
//!
//! Supported: RSA 2048..=4096 bits (PKCS#1 or PKCS#8), ECDSA P-256/P-384
//! (SEC1, optionally after an "EC PARAMETERS" block, or PKCS#8), Ed25519
//! (PKCS#8 v1 and v2).  Nothing here panics on any input.

use alloc::sync::Arc;
use alloc::vec::Vec;

use rustls::crypto::KeyProvider;
use rustls::pki_types::pem::{PemObject, SectionKind};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer};
use rustls::sign::SigningKey;

use crate::asn1::{self, Reader};
use crate::pem::contains;

#[cfg(feature = "sign-ed25519")]
use super::sign::Ed25519SigningKey;
#[cfg(feature = "sign-rsa")]
use super::sign::RsaSigningKey;
#[cfg(feature = "sign-ecdsa")]
use super::sign::{EcKey, EcdsaSigningKey};

/// Why a private key was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyError {
    /// Not a well-formed key in any format we know (bad PEM, bad DER).
    Malformed,
    /// PEM data without any private key block.
    NoKey,
    /// An encrypted key (PKCS#8 "ENCRYPTED PRIVATE KEY" or OpenSSL's
    /// "Proc-Type: 4,ENCRYPTED"): we have no password to decrypt it with.
    Encrypted,
    /// A key type we cannot sign with: DSA, X25519, Ed448, RSASSA-PSS-only
    /// keys, multi-prime RSA, OpenSSH keys...
    UnsupportedAlgorithm,
    /// An EC key on a curve other than P-256 and P-384 (P-521, secp256k1,
    /// brainpool, explicit parameters...).
    UnsupportedCurve,
    /// An RSA key outside 2048..=4096 bits.
    UnsupportedKeySize,
    /// The parts of the key do not agree: RSA components that do not form a
    /// key, an out-of-range EC scalar, or an embedded public key that does
    /// not belong to the private key.
    Inconsistent,
    /// A well-formed key of a type this build was made without (its
    /// `sign-*` feature, or `p384`, is off: docs/building.md).
    NotInThisBuild,
    /// A certificate (PEM or DER) where the key should be.
    Certificate,
}

impl KeyError {
    pub fn message(&self) -> &'static str {
        match self {
            KeyError::Malformed => "private key is malformed",
            KeyError::NoKey => "no private key found",
            KeyError::Encrypted => "private key is encrypted (not supported)",
            KeyError::UnsupportedAlgorithm => "unsupported private key type",
            KeyError::UnsupportedCurve => "unsupported elliptic curve (need P-256 or P-384)",
            KeyError::UnsupportedKeySize => "unsupported RSA key size (need 2048 to 4096 bits)",
            KeyError::Inconsistent => "private key is inconsistent",
            KeyError::NotInThisBuild => "this build cannot sign with this key type (built without it)",
            KeyError::Certificate => "this is a certificate, not a private key",
        }
    }
}

impl From<KeyError> for rustls::Error {
    fn from(e: KeyError) -> Self {
        rustls::Error::General(e.message().into())
    }
}

const MIN_RSA_BITS: usize = super::verify::MIN_RSA_BITS;
const MAX_RSA_BITS: usize = 4096;

// Object identifiers, as the contents of their DER encoding.
const OID_RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]; // 1.2.840.113549.1.1.1
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]; // 1.2.840.10045.2.1
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70]; // 1.3.101.112
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]; // 1.2.840.10045.3.1.7
const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22]; // 1.3.132.0.34

/// Decode a private key given as PEM (if `data` contains "-----BEGIN") or
/// DER, and check that it is a key we can use.
pub fn load_private_key(data: &[u8]) -> Result<PrivateKeyDer<'static>, KeyError> {
    let key = if contains(data, b"-----BEGIN") { from_pem(data)? } else { from_der(data)? };
    parse(&key)?;
    Ok(key)
}

/// PEM: the first private key block; other blocks (certificates of a
/// combined file, "EC PARAMETERS") are skipped.
fn from_pem(data: &[u8]) -> Result<PrivateKeyDer<'static>, KeyError> {
    // OpenSSL's legacy encryption keeps the ordinary label and adds headers,
    // which the PEM decoder would only report as bad base64.
    if contains(data, b"Proc-Type: 4,ENCRYPTED") {
        return Err(KeyError::Encrypted);
    }
    for section in <(SectionKind, Vec<u8>) as PemObject>::pem_slice_iter(data) {
        let (kind, der) = section.map_err(|_| KeyError::Malformed)?;
        match kind {
            SectionKind::RsaPrivateKey => return Ok(PrivatePkcs1KeyDer::from(der).into()),
            SectionKind::EcPrivateKey => return Ok(PrivateSec1KeyDer::from(der).into()),
            SectionKind::PrivateKey => return Ok(PrivatePkcs8KeyDer::from(der).into()),
            _ => {}
        }
    }
    // Labels the decoder does not know are skipped silently; say why.
    if contains(data, b"-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        Err(KeyError::Encrypted)
    } else if contains(data, b"PRIVATE KEY-----") {
        // "DSA PRIVATE KEY", "OPENSSH PRIVATE KEY", ...
        Err(KeyError::UnsupportedAlgorithm)
    } else if contains(data, b"-----BEGIN CERTIFICATE-----") {
        Err(KeyError::Certificate)
    } else {
        Err(KeyError::NoKey)
    }
}

/// DER: which structure it is, found by trying each decoder.  The three
/// plaintext structures cannot be confused: after the version INTEGER,
/// PKCS#8 has a SEQUENCE, PKCS#1 an INTEGER, SEC1 an OCTET STRING.
fn from_der(data: &[u8]) -> Result<PrivateKeyDer<'static>, KeyError> {
    if decode_pkcs8(data).is_some() {
        Ok(PrivatePkcs8KeyDer::from(data.to_vec()).into())
    } else if is_encrypted_pkcs8(data) {
        Err(KeyError::Encrypted)
    } else if decode_pkcs1(data).is_some() {
        Ok(PrivatePkcs1KeyDer::from(data.to_vec()).into())
    } else if decode_sec1(data).is_some() {
        Ok(PrivateSec1KeyDer::from(data.to_vec()).into())
    } else if webpki::anchor_from_trusted_cert(&CertificateDer::from(data)).is_ok() {
        Err(KeyError::Certificate)
    } else {
        Err(KeyError::Malformed)
    }
}

/// RFC 8017 RSAPrivateKey, its components borrowed (magnitudes, no sign
/// byte).  The CRT values are read for the shape only: [`signing_key`]
/// computes its own.
#[cfg_attr(not(all_algorithms), allow(dead_code))]
struct Pkcs1<'a> {
    /// 0: two primes; 1: more (otherPrimeInfos follows).
    version: u32,
    n: &'a [u8],
    e: &'a [u8],
    d: &'a [u8],
    p: &'a [u8],
    q: &'a [u8],
}

fn decode_pkcs1(der: &[u8]) -> Option<Pkcs1<'_>> {
    let mut r = Reader::new(asn1::whole(der, asn1::SEQUENCE)?);
    let version = r.small_uint()?;
    if version > 1 {
        return None;
    }
    let (n, e, d, p, q) = (r.uint()?, r.uint()?, r.uint()?, r.uint()?, r.uint()?);
    let (_dp, _dq, _qinv) = (r.uint()?, r.uint()?, r.uint()?);
    if version == 1 {
        r.take(asn1::SEQUENCE)?; // otherPrimeInfos
    }
    r.finished().then_some(Pkcs1 { version, n, e, d, p, q })
}

/// RFC 5915 ECPrivateKey.  Named curves only: explicit parameters are not
/// an OID and fail here.
struct Sec1<'a> {
    private_key: &'a [u8],
    curve: Option<&'a [u8]>,
    public_key: Option<&'a [u8]>,
}

fn decode_sec1(der: &[u8]) -> Option<Sec1<'_>> {
    let mut r = Reader::new(asn1::whole(der, asn1::SEQUENCE)?);
    if r.small_uint()? != 1 {
        return None;
    }
    let private_key = r.take(asn1::OCTET_STRING)?;
    let curve = match r.optional(asn1::explicit(0)) {
        Some(params) => Some(asn1::whole(params, asn1::OID)?),
        None => None,
    };
    let public_key = match r.optional(asn1::explicit(1)) {
        Some(bits) => Some(asn1::octet_aligned_bits(asn1::whole(bits, asn1::BIT_STRING)?)?),
        None => None,
    };
    r.finished().then_some(Sec1 { private_key, curve, public_key })
}

/// RFC 5958 OneAsymmetricKey (PKCS#8 v1 and v2).
struct Pkcs8<'a> {
    algorithm: &'a [u8],
    /// The AlgorithmIdentifier's parameters: (tag, contents).
    parameters: Option<asn1::Element<'a>>,
    private_key: &'a [u8],
    public_key: Option<&'a [u8]>,
}

fn decode_pkcs8(der: &[u8]) -> Option<Pkcs8<'_>> {
    let mut r = Reader::new(asn1::whole(der, asn1::SEQUENCE)?);
    let version = r.small_uint()?;
    if version > 1 {
        return None;
    }
    let (algorithm, parameters) = algorithm_identifier(r.take(asn1::SEQUENCE)?)?;
    let private_key = r.take(asn1::OCTET_STRING)?;
    let mut public_key = None;
    while !r.finished() {
        match r.any()? {
            (tag, bits) if tag == asn1::implicit(1) && public_key.is_none() => {
                public_key = Some(asn1::octet_aligned_bits(bits)?);
            }
            // attributes [0], and context-specific fields of later versions
            (tag, _) if tag & 0xc0 == 0x80 => {}
            _ => return None,
        }
    }
    // v2 exactly when the public key is there (as the pkcs8 crate decides).
    if (version == 1) != public_key.is_some() {
        return None;
    }
    Some(Pkcs8 { algorithm, parameters, private_key, public_key })
}

/// AlgorithmIdentifier: (the OID, its parameters if any).
fn algorithm_identifier(contents: &[u8]) -> Option<(&[u8], Option<asn1::Element<'_>>)> {
    let mut r = Reader::new(contents);
    let oid = r.take(asn1::OID)?;
    let parameters = if r.finished() { None } else { Some(r.any()?) };
    r.finished().then_some((oid, parameters))
}

/// EncryptedPrivateKeyInfo (RFC 5958): SEQUENCE { AlgorithmIdentifier,
/// OCTET STRING }.  Recognised by shape, without a PKCS#5 parser.
fn is_encrypted_pkcs8(data: &[u8]) -> bool {
    let shape = || {
        let mut r = Reader::new(asn1::whole(data, asn1::SEQUENCE)?);
        algorithm_identifier(r.take(asn1::SEQUENCE)?)?;
        r.take(asn1::OCTET_STRING)?;
        r.finished().then_some(())
    };
    shape().is_some()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Curve {
    P256,
    P384,
}

impl Curve {
    fn from_oid(oid: &[u8]) -> Result<Self, KeyError> {
        if oid == OID_P256 {
            Ok(Curve::P256)
        } else if oid == OID_P384 {
            Ok(Curve::P384)
        } else {
            Err(KeyError::UnsupportedCurve)
        }
    }

    fn scalar_len(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
        }
    }
}

/// A recognised key, still borrowing the DER.  (A build without a key
/// type's signer parses it only to say so: its fields go unread.)
#[cfg_attr(not(all_algorithms), allow(dead_code))]
enum Parsed<'a> {
    Rsa(Pkcs1<'a>),
    Ec { curve: Curve, secret: &'a [u8], public: Option<&'a [u8]> },
    Ed25519 { secret: &'a [u8], public: Option<&'a [u8]> },
}

fn parse<'a>(key: &'a PrivateKeyDer<'_>) -> Result<Parsed<'a>, KeyError> {
    match key {
        PrivateKeyDer::Pkcs1(k) => parse_rsa(k.secret_pkcs1_der()),
        PrivateKeyDer::Sec1(k) => parse_sec1(k.secret_sec1_der(), None),
        PrivateKeyDer::Pkcs8(k) => parse_pkcs8(k.secret_pkcs8_der()),
        _ => Err(KeyError::UnsupportedAlgorithm),
    }
}

fn parse_pkcs8(der: &[u8]) -> Result<Parsed<'_>, KeyError> {
    let info = match decode_pkcs8(der) {
        Some(info) => info,
        None if is_encrypted_pkcs8(der) => return Err(KeyError::Encrypted),
        None => return Err(KeyError::Malformed),
    };
    if info.algorithm == OID_RSA_ENCRYPTION {
        // Parameters must be NULL (RFC 8017) or, leniently, absent.
        match info.parameters {
            None | Some((asn1::NULL, [])) => {}
            Some(_) => return Err(KeyError::Malformed),
        }
        parse_rsa(info.private_key)
    } else if info.algorithm == OID_EC_PUBLIC_KEY {
        let curve = match info.parameters {
            Some((asn1::OID, oid)) => Curve::from_oid(oid)?,
            _ => return Err(KeyError::UnsupportedCurve),
        };
        match parse_sec1(info.private_key, Some(curve))? {
            // PKCS#8 v2 may carry the public key outside the ECPrivateKey.
            Parsed::Ec { curve, secret, public } => {
                Ok(Parsed::Ec { curve, secret, public: public.or(info.public_key) })
            }
            _ => Err(KeyError::Malformed),
        }
    } else if info.algorithm == OID_ED25519 {
        // RFC 8410: no parameters; privateKey is an OCTET STRING holding the
        // 32-byte CurvePrivateKey OCTET STRING.
        if info.parameters.is_some() {
            return Err(KeyError::Malformed);
        }
        let secret = asn1::whole(info.private_key, asn1::OCTET_STRING).ok_or(KeyError::Malformed)?;
        if secret.len() != 32 || info.public_key.is_some_and(|p| p.len() != 32) {
            return Err(KeyError::Malformed);
        }
        Ok(Parsed::Ed25519 { secret, public: info.public_key })
    } else {
        Err(KeyError::UnsupportedAlgorithm)
    }
}

/// SEC1 ECPrivateKey.  The curve comes from its parameters, from the PKCS#8
/// AlgorithmIdentifier (`outer`), or for bare SEC1 without parameters from the
/// scalar length.
fn parse_sec1(der: &[u8], outer: Option<Curve>) -> Result<Parsed<'_>, KeyError> {
    let key = decode_sec1(der).ok_or(KeyError::Malformed)?;
    let inner = match key.curve {
        Some(oid) => Some(Curve::from_oid(oid)?),
        None => None,
    };
    let curve = match (inner, outer) {
        (Some(a), Some(b)) if a != b => return Err(KeyError::Inconsistent),
        (Some(c), _) | (None, Some(c)) => c,
        (None, None) => match key.private_key.len() {
            32 => Curve::P256,
            48 => Curve::P384,
            _ => return Err(KeyError::UnsupportedCurve),
        },
    };
    // Encoders pad the scalar to the field size; tolerate a few leading zero
    // bytes dropped, never a longer one.
    if key.private_key.len() > curve.scalar_len() || key.private_key.len() < 24 {
        return Err(KeyError::Malformed);
    }
    Ok(Parsed::Ec { curve, secret: key.private_key, public: key.public_key })
}

fn parse_rsa(der: &[u8]) -> Result<Parsed<'_>, KeyError> {
    let key = decode_pkcs1(der).ok_or(KeyError::Malformed)?;
    if key.version != 0 {
        return Err(KeyError::UnsupportedAlgorithm); // multi-prime
    }
    // The magnitude has no leading zeros: bits = 8 * len - leading zeros of
    // byte 0 (at most 8, so no underflow).
    let bits = match key.n.first() {
        Some(&b) => key.n.len() * 8 - b.leading_zeros() as usize,
        None => 0,
    };
    if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
        return Err(KeyError::UnsupportedKeySize);
    }
    Ok(Parsed::Rsa(key))
}

/// Build the `SigningKey` for a key from [`load_private_key`] (or any
/// `PrivateKeyDer`), checking that its numbers are a usable key.
pub fn signing_key(key: &PrivateKeyDer<'_>) -> Result<Arc<dyn SigningKey>, KeyError> {
    // Key types whose signer this build leaves out end in the last arm.
    #[allow(unreachable_patterns, unused_variables)]
    match parse(key)? {
        #[cfg(feature = "sign-rsa")]
        Parsed::Rsa(k) => {
            use rsa::BigUint;
            let int = BigUint::from_bytes_be;
            // Checks p*q = n, d*e = 1 mod (p-1) and (q-1), and e; then
            // precomputes the CRT values (the file's own are not trusted).
            let key =
                rsa::RsaPrivateKey::from_components(int(k.n), int(k.e), int(k.d), alloc::vec![int(k.p), int(k.q)])
                    .map_err(|_| KeyError::Inconsistent)?;
            Ok(Arc::new(RsaSigningKey::new(key)))
        }
        #[cfg(feature = "sign-ecdsa")]
        Parsed::Ec { curve: Curve::P256, secret, public } => {
            // Rejects 0 and scalars >= n.
            let key = p256::ecdsa::SigningKey::from_slice(secret).map_err(|_| KeyError::Inconsistent)?;
            if let Some(public) = public {
                // Compare points, not bytes: the file may use compressed form.
                let theirs = p256::PublicKey::from_sec1_bytes(public).map_err(|_| KeyError::Inconsistent)?;
                if p256::PublicKey::from(key.verifying_key()) != theirs {
                    return Err(KeyError::Inconsistent);
                }
            }
            Ok(Arc::new(EcdsaSigningKey::new(EcKey::P256(key))))
        }
        #[cfg(all(feature = "sign-ecdsa", feature = "p384"))]
        Parsed::Ec { curve: Curve::P384, secret, public } => {
            let key = p384::SecretKey::from_slice(secret).map_err(|_| KeyError::Inconsistent)?;
            if let Some(public) = public {
                let theirs = p384::PublicKey::from_sec1_bytes(public).map_err(|_| KeyError::Inconsistent)?;
                if key.public_key() != theirs {
                    return Err(KeyError::Inconsistent);
                }
            }
            Ok(Arc::new(EcdsaSigningKey::new(EcKey::P384(key))))
        }
        #[cfg(feature = "sign-ed25519")]
        Parsed::Ed25519 { secret, public } => {
            let secret: &[u8; 32] = secret.try_into().map_err(|_| KeyError::Malformed)?;
            let key = ed25519_dalek::SigningKey::from_bytes(secret);
            if public.is_some_and(|p| p != key.verifying_key().as_bytes()) {
                return Err(KeyError::Inconsistent);
            }
            Ok(Arc::new(Ed25519SigningKey::new(key)))
        }
        _ => Err(KeyError::NotInThisBuild),
    }
}

/// [`load_private_key`] then [`signing_key`].
pub fn load_signing_key(data: &[u8]) -> Result<Arc<dyn SigningKey>, KeyError> {
    signing_key(&load_private_key(data)?)
}

/// Our rustls `KeyProvider`: only our own parsing and key types, so no path
/// reaches rustls-rustcrypto's key code (which has `todo!()`s).
#[derive(Debug)]
pub struct KeyLoader;

impl KeyProvider for KeyLoader {
    fn load_private_key(&self, key_der: PrivateKeyDer<'static>) -> Result<Arc<dyn SigningKey>, rustls::Error> {
        signing_key(&key_der).map_err(rustls::Error::from)
    }
}

/// True if `key` is the private half of the SubjectPublicKeyInfo `spki_der`
/// (the whole DER SEQUENCE, as in a certificate).  Byte comparison, like
/// rustls' `CertifiedKey::keys_match`; our keys encode EC points
/// uncompressed, as certificates do.
pub fn key_matches_spki(key: &dyn SigningKey, spki_der: &[u8]) -> bool {
    key.public_key().is_some_and(|ours| ours.as_ref() == spki_der)
}

/// True if `key` belongs to the certificate `cert_der` (DER X.509).  False
/// also when the certificate cannot be parsed.
pub fn key_matches_cert(key: &dyn SigningKey, cert_der: &[u8]) -> bool {
    let cert = CertificateDer::from(cert_der);
    match rustls::server::ParsedCertificate::try_from(&cert) {
        Ok(parsed) => key_matches_spki(key, parsed.subject_public_key_info().as_ref()),
        Err(_) => false,
    }
}

#[cfg(all(test, all_algorithms))]
mod tests {
    use super::*;

    fn data(name: &str) -> Vec<u8> {
        let p = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests-data/keys").join(name);
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    fn kind(k: &PrivateKeyDer<'_>) -> &'static str {
        match k {
            PrivateKeyDer::Pkcs1(_) => "pkcs1",
            PrivateKeyDer::Sec1(_) => "sec1",
            PrivateKeyDer::Pkcs8(_) => "pkcs8",
            _ => "?",
        }
    }

    #[test]
    fn loads_every_supported_format() {
        for (file, format, alg, cert) in [
            ("rsa2048.pkcs1.pem", "pkcs1", rustls::SignatureAlgorithm::RSA, "leaf-rsa2048.der"),
            ("rsa2048.pkcs1.der", "pkcs1", rustls::SignatureAlgorithm::RSA, "leaf-rsa2048.der"),
            ("rsa2048.pkcs8.pem", "pkcs8", rustls::SignatureAlgorithm::RSA, "leaf-rsa2048.der"),
            ("rsa2048.pkcs8.der", "pkcs8", rustls::SignatureAlgorithm::RSA, "leaf-rsa2048.der"),
            ("p256.sec1.pem", "sec1", rustls::SignatureAlgorithm::ECDSA, "leaf-p256.der"),
            ("p256.sec1.der", "sec1", rustls::SignatureAlgorithm::ECDSA, "leaf-p256.der"),
            ("p256.pkcs8.pem", "pkcs8", rustls::SignatureAlgorithm::ECDSA, "leaf-p256.der"),
            ("p256.pkcs8.der", "pkcs8", rustls::SignatureAlgorithm::ECDSA, "leaf-p256.der"),
            ("p384.sec1.pem", "sec1", rustls::SignatureAlgorithm::ECDSA, "leaf-p384.der"),
            ("p384.sec1.der", "sec1", rustls::SignatureAlgorithm::ECDSA, "leaf-p384.der"),
            ("p384.pkcs8.pem", "pkcs8", rustls::SignatureAlgorithm::ECDSA, "leaf-p384.der"),
            ("p384.pkcs8.der", "pkcs8", rustls::SignatureAlgorithm::ECDSA, "leaf-p384.der"),
            ("ed25519.pkcs8.pem", "pkcs8", rustls::SignatureAlgorithm::ED25519, "leaf-ed25519.der"),
            ("ed25519.pkcs8.der", "pkcs8", rustls::SignatureAlgorithm::ED25519, "leaf-ed25519.der"),
        ] {
            let der = load_private_key(&data(file)).unwrap_or_else(|e| panic!("{file}: {e:?}"));
            assert_eq!(kind(&der), format, "{file}");
            let key = signing_key(&der).unwrap();
            assert_eq!(key.algorithm(), alg, "{file}");
            // Through the KeyProvider too.
            let via_provider = KeyLoader.load_private_key(der.clone_key()).unwrap();
            assert_eq!(via_provider.public_key(), key.public_key());
            assert!(key_matches_cert(&*key, &data(cert)), "{file}");
            // ...and not with another key's certificate.
            let other = if cert == "leaf-p256.der" { "leaf-p384.der" } else { "leaf-p256.der" };
            assert!(!key_matches_cert(&*key, &data(other)), "{file}");
        }
    }

    #[test]
    fn pem_with_other_blocks() {
        // Certificate before the key, "EC PARAMETERS" before the key, CRLF.
        let mut combined = data("leaf-p256.pem");
        combined.extend(data("p256.sec1.pem"));
        assert!(load_signing_key(&combined).is_ok());
        let crlf: Vec<u8> = String::from_utf8(data("p384.pkcs8.pem")).unwrap().replace('\n', "\r\n").into_bytes();
        assert!(load_signing_key(&crlf).is_ok());
    }

    #[test]
    fn ed25519_pkcs8_v2() {
        // RFC 8410 §10.3: attributes and the public key, which must match.
        let key = load_signing_key(&data("ed25519-v2.pkcs8.pem")).unwrap();
        assert_eq!(key.algorithm(), rustls::SignatureAlgorithm::ED25519);
        // The same with the public key's last byte changed.
        let der = match load_private_key(&data("ed25519-v2.pkcs8.pem")).unwrap() {
            PrivateKeyDer::Pkcs8(k) => k.secret_pkcs8_der().to_vec(),
            _ => unreachable!(),
        };
        let mut bad = der.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert_eq!(load_signing_key(&bad).err(), Some(KeyError::Inconsistent));
    }

    #[test]
    fn refusals_name_the_problem() {
        for (file, err) in [
            ("rsa1024.pkcs8.pem", KeyError::UnsupportedKeySize),
            ("rsa-pss.pkcs8.pem", KeyError::UnsupportedAlgorithm),
            ("p521.pkcs8.pem", KeyError::UnsupportedCurve),
            ("p521.sec1.pem", KeyError::UnsupportedCurve),
            ("secp256k1.sec1.pem", KeyError::UnsupportedCurve),
            ("ed448.pkcs8.pem", KeyError::UnsupportedAlgorithm),
            ("x25519.pkcs8.pem", KeyError::UnsupportedAlgorithm),
            ("dsa.pkcs8.pem", KeyError::UnsupportedAlgorithm),
            ("p256.pkcs8.enc.pem", KeyError::Encrypted),
            ("p256.pkcs8.enc.der", KeyError::Encrypted),
            ("rsa2048.legacy-enc.pem", KeyError::Encrypted),
            ("leaf-p256.pem", KeyError::Certificate),
            ("leaf-p256.der", KeyError::Certificate),
        ] {
            assert_eq!(load_private_key(&data(file)).err(), Some(err), "{file}");
            assert!(!err.message().is_empty());
        }
        assert_eq!(load_private_key(b"").err(), Some(KeyError::Malformed));
        assert_eq!(
            load_private_key(b"-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----\n").err(),
            Some(KeyError::UnsupportedAlgorithm)
        );
        assert_eq!(
            load_private_key(b"-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n").err(),
            Some(KeyError::Malformed)
        );
        assert_eq!(load_private_key(b"-----BEGIN PRIVATE KEY-----\nAAAA\n").err(), Some(KeyError::Malformed));
        // The KeyProvider answers with an error, not a panic.
        let e = KeyLoader.load_private_key(PrivatePkcs8KeyDer::from(vec![0x30, 0x00]).into()).unwrap_err();
        assert_eq!(e, rustls::Error::General(KeyError::Malformed.message().into()));
    }

    #[test]
    fn inconsistent_keys_are_refused() {
        // RSA: change a byte of the private exponent d.  The DER stays valid;
        // d*e = 1 mod (p-1) no longer holds.
        let mut der = data("rsa2048.pkcs1.der");
        let d = decode_pkcs1(&der).unwrap().d;
        let off = d.as_ptr() as usize - der.as_ptr() as usize + d.len() / 2;
        der[off] ^= 0x55;
        let key = load_private_key(&der).unwrap();
        assert_eq!(signing_key(&key).err(), Some(KeyError::Inconsistent));
        // EC: the embedded public key of another key.
        let p256a = data("p256.sec1.der");
        let a = decode_sec1(&p256a).unwrap();
        let mut swapped = p256a.clone();
        let pk = a.public_key.unwrap();
        let off = pk.as_ptr() as usize - p256a.as_ptr() as usize;
        // Replace it with the generator: a valid point, not this key's.
        let g = hex("046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");
        swapped[off..off + 65].copy_from_slice(&g);
        assert_eq!(load_signing_key(&swapped).err(), Some(KeyError::Inconsistent));
        // Scalar = 0 and scalar >= n.
        let mut zero = p256a.clone();
        let sk = a.private_key;
        let off = sk.as_ptr() as usize - p256a.as_ptr() as usize;
        zero[off..off + 32].fill(0);
        assert_eq!(load_signing_key(&zero).err(), Some(KeyError::Inconsistent));
        let mut big = p256a.clone();
        big[off..off + 32].fill(0xff);
        assert_eq!(load_signing_key(&big).err(), Some(KeyError::Inconsistent));
    }

    /// Our three decoders against the RustCrypto ones they replaced
    /// (dev-dependencies now), on every fixture, each of its prefixes and
    /// each byte flipped three ways: whatever theirs accepts, ours accepts
    /// with the same fields (but for fields out of order, below).  Ours may
    /// accept a shape theirs refuses (an OID that is not a valid encoding, a
    /// parameter with a tag der does not know), but never a key: such inputs
    /// must still fail `load_signing_key`.
    #[test]
    fn decoders_agree_with_rustcrypto() {
        use der::Decode;
        let refused = |der: &[u8]| load_signing_key(der).is_err();
        // der 0.7 skips a context-specific field whose number is below the
        // one it looks for, so it takes `[0] .. [0] ..` and drops the second
        // field; ours refuses fields out of order.
        let out_of_order = |der: &[u8]| {
            let Some(mut r) = asn1::whole(der, asn1::SEQUENCE).map(Reader::new) else { return false };
            let mut last = None;
            while let Some((tag, _)) = r.any() {
                if tag & 0xc0 == 0x80 {
                    if last.is_some_and(|l| tag & 0x1f <= l) {
                        return true;
                    }
                    last = Some(tag & 0x1f);
                }
            }
            false
        };
        let check = |der: &[u8]| {
            match (pkcs1::RsaPrivateKey::from_der(der), decode_pkcs1(der)) {
                (Ok(t), Some(o)) => {
                    assert_eq!(t.version() == pkcs1::Version::Multi, o.version == 1);
                    assert_eq!((t.modulus.as_bytes(), t.public_exponent.as_bytes()), (o.n, o.e));
                    assert_eq!(t.private_exponent.as_bytes(), o.d);
                    assert_eq!((t.prime1.as_bytes(), t.prime2.as_bytes()), (o.p, o.q));
                }
                (Err(_), None) => {}
                (t, o) => panic!("pkcs1 differs: theirs {:?}, ours {}: {der:02x?}", t.err(), o.is_some()),
            }
            match (sec1::EcPrivateKey::from_der(der), decode_sec1(der)) {
                (Ok(t), Some(o)) => {
                    assert_eq!(t.private_key, o.private_key);
                    let curve = t.parameters.and_then(|p| p.named_curve());
                    assert_eq!(curve.as_ref().map(|c| c.as_bytes()), o.curve);
                    assert_eq!(t.public_key, o.public_key);
                }
                (Err(_), None) => {}
                (Err(_), Some(_)) if refused(der) => {}
                (Ok(_), None) if out_of_order(der) => {}
                (t, o) => panic!("sec1 differs: theirs {:?}, ours {}: {der:02x?}", t.err(), o.is_some()),
            }
            match (pkcs8::PrivateKeyInfo::from_der(der), decode_pkcs8(der)) {
                (Ok(t), Some(o)) => {
                    assert_eq!(t.algorithm.oid.as_bytes(), o.algorithm);
                    let params = t.algorithm.parameters.map(|a| (u8::from(der::Tagged::tag(&a)), a.value()));
                    assert_eq!(params, o.parameters);
                    assert_eq!((t.private_key, t.public_key), (o.private_key, o.public_key));
                }
                (Err(_), None) => {}
                (Err(_), Some(_)) if refused(der) => {}
                (Ok(_), None) if out_of_order(der) => {}
                (t, o) => panic!("pkcs8 differs: theirs {:?}, ours {}: {der:02x?}", t.err(), o.is_some()),
            }
        };
        let mut accepted = 0;
        for file in DER_FIXTURES {
            let good = data(file);
            for n in 0..=good.len() {
                check(&good[..n]);
            }
            for i in 0..good.len() {
                for x in [0x01u8, 0x80, 0xff] {
                    let mut bad = good.clone();
                    bad[i] ^= x;
                    check(&bad);
                    accepted += usize::from(decode_pkcs8(&bad).is_some() || decode_sec1(&bad).is_some());
                }
            }
        }
        let v2 = match load_private_key(&data("ed25519-v2.pkcs8.pem")).unwrap() {
            PrivateKeyDer::Pkcs8(k) => k.secret_pkcs8_der().to_vec(),
            _ => unreachable!(),
        };
        check(&v2);
        assert!(decode_pkcs8(&v2).is_some_and(|k| k.public_key.is_some()));
        // The sweep reached accepting inputs, not only refusals.
        assert!(accepted > 100, "{accepted}");
    }

    /// The DER key fixtures, one per structure and key type (and one
    /// encrypted key), for the corruption sweeps.
    const DER_FIXTURES: [&str; 8] = [
        "rsa2048.pkcs1.der",
        "rsa2048.pkcs8.der",
        "p256.sec1.der",
        "p256.pkcs8.der",
        "p384.sec1.der",
        "p384.pkcs8.der",
        "ed25519.pkcs8.der",
        "p256.pkcs8.enc.der",
    ];

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    /// Every prefix and many single-byte corruptions of every fixture: an
    /// error or a key, never a panic.
    #[test]
    fn corrupted_inputs_never_panic() {
        for file in DER_FIXTURES {
            let good = data(file);
            for n in 0..good.len() {
                let _ = load_signing_key(&good[..n]);
            }
            // RSA keys are slow to validate; sample their positions.
            let step = if good.len() > 300 { 7 } else { 1 };
            for i in (0..good.len()).step_by(step) {
                for x in [0x01u8, 0x80, 0xff] {
                    let mut bad = good.clone();
                    bad[i] ^= x;
                    let _ = load_signing_key(&bad);
                }
            }
        }
        for file in ["p256.sec1.pem", "ed25519.pkcs8.pem"] {
            let good = data(file);
            for n in 0..good.len() {
                let _ = load_signing_key(&good[..n]);
            }
        }
    }
}
