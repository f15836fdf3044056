//! rustls `SigningKey`s: how we prove possession of our own key (server
//! certificates, client certificates).  Keys arrive here already parsed and
//! checked by keys.rs.
//!
//! Every signature is made from a sha2 0.10 digest with a "prehash"
//! primitive, like verify.rs, so there is one SHA-2 in the image.  Any failure
//! is a `rustls::Error`; nothing here panics on any message.
//!
//! Each key type is there only with its feature (`sign-rsa`, `sign-ecdsa`,
//! `sign-ed25519`; P-384 keys also need `p384`): keys.rs refuses the others
//! with a clear error.
#![cfg_attr(
    not(all(feature = "sign-rsa", feature = "sign-ecdsa", feature = "sign-ed25519", feature = "p384")),
    allow(unused_imports, dead_code)
)]

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use rustls::pki_types::{alg_id, SubjectPublicKeyInfoDer};
use rustls::sign::{public_key_to_spki, Signer, SigningKey};
use rustls::{Error, SignatureAlgorithm, SignatureScheme};
use zeroize::Zeroize;

use super::hash::HashAlg;
use super::random::{self, PortRng};
#[cfg(any(feature = "sign-rsa", feature = "sign-ecdsa"))]
use crate::asn1;

fn signing_failed() -> Error {
    Error::General(String::from("signing failed"))
}

// ---------------------------------------------------------------- RSA

#[cfg(feature = "sign-rsa")]
/// Preference order when the peer offers several: PSS first (TLS 1.3 allows
/// nothing else; rustls drops the PKCS#1 entries from `offered` there), then
/// the strongest hash.  The hash is noise next to the RSA exponentiation.
const RSA_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::RSA_PSS_SHA512,
    SignatureScheme::RSA_PSS_SHA384,
    SignatureScheme::RSA_PSS_SHA256,
    SignatureScheme::RSA_PKCS1_SHA512,
    SignatureScheme::RSA_PKCS1_SHA384,
    SignatureScheme::RSA_PKCS1_SHA256,
];

#[cfg(feature = "sign-rsa")]
/// An RSA key (2048..=4096 bits, checked by keys.rs).
pub struct RsaSigningKey {
    key: Arc<rsa::RsaPrivateKey>,
}

#[cfg(feature = "sign-rsa")]
impl RsaSigningKey {
    pub(crate) fn new(key: rsa::RsaPrivateKey) -> Self {
        Self { key: Arc::new(key) }
    }
}

#[cfg(feature = "sign-rsa")]
impl SigningKey for RsaSigningKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        let scheme = RSA_SCHEMES.iter().find(|s| offered.contains(s))?;
        Some(Box::new(RsaSigner { key: self.key.clone(), scheme: *scheme }))
    }

    fn public_key(&self) -> Option<SubjectPublicKeyInfoDer<'_>> {
        use rsa::traits::PublicKeyParts;
        // RSAPublicKey (RFC 8017): SEQUENCE { n INTEGER, e INTEGER }.
        let pkcs1 = asn1::uint_pair(&self.key.n().to_bytes_be(), &self.key.e().to_bytes_be());
        Some(public_key_to_spki(&alg_id::RSA_ENCRYPTION, &pkcs1))
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::RSA
    }
}

#[cfg(feature = "sign-rsa")]
struct RsaSigner {
    key: Arc<rsa::RsaPrivateKey>,
    scheme: SignatureScheme,
}

#[cfg(feature = "sign-rsa")]
impl Signer for RsaSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        use sha2::{Sha256, Sha384, Sha512};
        let (pss, hash) = match self.scheme {
            SignatureScheme::RSA_PKCS1_SHA256 => (false, HashAlg::Sha256),
            SignatureScheme::RSA_PKCS1_SHA384 => (false, HashAlg::Sha384),
            SignatureScheme::RSA_PKCS1_SHA512 => (false, HashAlg::Sha512),
            SignatureScheme::RSA_PSS_SHA256 => (true, HashAlg::Sha256),
            SignatureScheme::RSA_PSS_SHA384 => (true, HashAlg::Sha384),
            SignatureScheme::RSA_PSS_SHA512 => (true, HashAlg::Sha512),
            _ => return Err(signing_failed()),
        };
        let digest = hash.digest(message);
        let hashed = digest.as_slice();
        // The RNG blinds the private-key operation (timing side channels) and
        // makes the PSS salt.  Schemes are built from the hash type but are
        // not generic afterwards: one RSA signing routine in the image.
        let mut rng = PortRng::new()?;
        let key = &*self.key;
        let result = match (pss, hash) {
            (false, HashAlg::Sha256) => key.sign_with_rng(&mut rng, rsa::Pkcs1v15Sign::new::<Sha256>(), hashed),
            (false, HashAlg::Sha384) => key.sign_with_rng(&mut rng, rsa::Pkcs1v15Sign::new::<Sha384>(), hashed),
            (false, HashAlg::Sha512) => key.sign_with_rng(&mut rng, rsa::Pkcs1v15Sign::new::<Sha512>(), hashed),
            // `new_blinded`: blind the exponentiation too (plain `new` does not).
            // Salt length = hash length, as TLS 1.3 requires.
            (true, HashAlg::Sha256) => key.sign_with_rng(&mut rng, rsa::Pss::new_blinded::<Sha256>(), hashed),
            (true, HashAlg::Sha384) => key.sign_with_rng(&mut rng, rsa::Pss::new_blinded::<Sha384>(), hashed),
            (true, HashAlg::Sha512) => key.sign_with_rng(&mut rng, rsa::Pss::new_blinded::<Sha512>(), hashed),
        };
        if rng.failed() {
            return Err(Error::FailedToGetRandomBytes);
        }
        result.map_err(|_| signing_failed())
    }

    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }
}

// ---------------------------------------------------------------- ECDSA

#[cfg(feature = "sign-ecdsa")]
/// The secret of an ECDSA key.  p256 0.13's `SigningKey` and p384 0.14's
/// `SecretKey` both zeroize themselves on drop.
pub(crate) enum EcKey {
    P256(p256::ecdsa::SigningKey),
    #[cfg(feature = "p384")]
    P384(p384::SecretKey),
}

#[cfg(feature = "sign-ecdsa")]
/// An ECDSA key on P-256 or P-384.  TLS 1.3 ties the hash to the curve
/// (ecdsa_secp256r1_sha256, ecdsa_secp384r1_sha384); we use the same single
/// scheme per key in TLS 1.2.
pub struct EcdsaSigningKey {
    key: Arc<EcKey>,
}

#[cfg(feature = "sign-ecdsa")]
impl EcdsaSigningKey {
    pub(crate) fn new(key: EcKey) -> Self {
        Self { key: Arc::new(key) }
    }

    fn scheme(&self) -> SignatureScheme {
        match *self.key {
            EcKey::P256(_) => SignatureScheme::ECDSA_NISTP256_SHA256,
            #[cfg(feature = "p384")]
            EcKey::P384(_) => SignatureScheme::ECDSA_NISTP384_SHA384,
        }
    }
}

#[cfg(feature = "sign-ecdsa")]
impl SigningKey for EcdsaSigningKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        let scheme = self.scheme();
        if offered.contains(&scheme) {
            Some(Box::new(EcdsaSigner { key: self.key.clone() }))
        } else {
            None
        }
    }

    fn public_key(&self) -> Option<SubjectPublicKeyInfoDer<'_>> {
        // Uncompressed points, as certificates carry them.
        match &*self.key {
            EcKey::P256(k) => {
                let point = k.verifying_key().to_encoded_point(false);
                Some(public_key_to_spki(&alg_id::ECDSA_P256, point.as_bytes()))
            }
            #[cfg(feature = "p384")]
            EcKey::P384(k) => {
                use p384::elliptic_curve::sec1::ToSec1Point;
                let point = k.public_key().to_sec1_point(false);
                Some(public_key_to_spki(&alg_id::ECDSA_P384, point.as_bytes()))
            }
        }
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::ECDSA
    }
}

#[cfg(feature = "sign-ecdsa")]
struct EcdsaSigner {
    key: Arc<EcKey>,
}

#[cfg(feature = "sign-ecdsa")]
impl Signer for EcdsaSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        match &*self.key {
            EcKey::P256(k) => sign_p256(k, message),
            #[cfg(feature = "p384")]
            EcKey::P384(k) => sign_p384(k, message),
        }
    }

    fn scheme(&self) -> SignatureScheme {
        match *self.key {
            EcKey::P256(_) => SignatureScheme::ECDSA_NISTP256_SHA256,
            #[cfg(feature = "p384")]
            EcKey::P384(_) => SignatureScheme::ECDSA_NISTP384_SHA384,
        }
    }
}

#[cfg(feature = "sign-ecdsa")]
/// P-256: RFC 6979 nonce hedged with fresh randomness (ecdsa 0.16's
/// `sign_prehash_with_rng`): deterministic-nonce safety against a weak RNG,
/// plus randomness against fault attacks on the deterministic derivation.
fn sign_p256(key: &p256::ecdsa::SigningKey, message: &[u8]) -> Result<Vec<u8>, Error> {
    use p256::ecdsa::signature::hazmat::RandomizedPrehashSigner;
    let digest = HashAlg::Sha256.digest(message);
    let mut rng = PortRng::new()?;
    let sig: Result<p256::ecdsa::Signature, _> = key.sign_prehash_with_rng(&mut rng, digest.as_slice());
    if rng.failed() {
        return Err(Error::FailedToGetRandomBytes);
    }
    let (r, s) = sig.map_err(|_| signing_failed())?.split_bytes();
    Ok(asn1::uint_pair(&r, &s))
}

#[cfg(all(feature = "sign-ecdsa", feature = "p384"))]
/// The order n of P-384 (SEC 2 §2.5.1), big-endian: RFC 6979 needs it as
/// bytes.  Checked against p384's scalar field in the tests.
const P384_ORDER: [u8; 48] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf, 0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0,
    0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73,
];

#[cfg(all(feature = "sign-ecdsa", feature = "p384"))]
/// P-384: the same hedged RFC 6979 construction as P-256, assembled by hand
/// because p384 0.14's own signer would link sha2 0.11: k comes from
/// rfc6979 0.4's HMAC-DRBG over sha2 0.10's SHA-384 (keyed by the secret,
/// the digest and 48 fresh random bytes), then ecdsa 0.17's hazmat
/// `sign_prehashed` does the curve arithmetic.
fn sign_p384(key: &p384::SecretKey, message: &[u8]) -> Result<Vec<u8>, Error> {
    use rfc6979::consts::U48;
    use rfc6979::ByteArray;

    let digest = sha2_digest_384(message);
    let d = key.to_nonzero_scalar();
    // generic-array 0.14 converts 48-byte arrays only with a feature we do
    // not enable; copy element-wise (lengths are all 48).
    let copy = |dst: &mut [u8], src: &[u8]| dst.iter_mut().zip(src).for_each(|(d, s)| *d = *s);
    let mut x = ByteArray::<U48>::default();
    copy(&mut x, &key.to_bytes());
    let mut n = ByteArray::<U48>::default();
    copy(&mut n, &P384_ORDER);
    let mut result = Err(signing_failed());
    // generate_k already returns 0 < k < n; the retry only covers the
    // negligible r = 0 or s = 0 cases with fresh entropy.
    for _ in 0..4 {
        let mut entropy = [0u8; 48];
        if let Err(e) = random::fill(&mut entropy) {
            result = Err(e.into());
            break;
        }
        let mut k_bytes = rfc6979::generate_k::<sha2::Sha384, U48>(&x, &n, &digest, &entropy);
        let mut k_arr = p384::FieldBytes::default();
        copy(&mut k_arr, &k_bytes);
        let k = p384::NonZeroScalar::from_repr(k_arr).into_option();
        k_arr.zeroize();
        k_bytes.as_mut_slice().zeroize();
        entropy.zeroize();
        let Some(k) = k else { continue };
        if let Ok((sig, _)) = ecdsa17::hazmat::sign_prehashed::<p384::NistP384>(&d, &k, digest.as_slice()) {
            let (r, s) = sig.split_bytes();
            result = Ok(asn1::uint_pair(&r, &s));
            break;
        }
    }
    x.as_mut_slice().zeroize();
    result
}

#[cfg(all(feature = "sign-ecdsa", feature = "p384"))]
/// SHA-384 as the generic-array that rfc6979 0.4 wants.
fn sha2_digest_384(message: &[u8]) -> rfc6979::ByteArray<rfc6979::consts::U48> {
    use sha2::Digest;
    sha2::Sha384::digest(message)
}

// ---------------------------------------------------------------- Ed25519

#[cfg(feature = "sign-ed25519")]
/// An Ed25519 key.  Signing is deterministic (RFC 8032): no RNG needed.
pub struct Ed25519SigningKey {
    key: Arc<ed25519_dalek::SigningKey>,
}

#[cfg(feature = "sign-ed25519")]
impl Ed25519SigningKey {
    pub(crate) fn new(key: ed25519_dalek::SigningKey) -> Self {
        Self { key: Arc::new(key) }
    }
}

#[cfg(feature = "sign-ed25519")]
impl SigningKey for Ed25519SigningKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        if offered.contains(&SignatureScheme::ED25519) {
            Some(Box::new(Ed25519Signer { key: self.key.clone() }))
        } else {
            None
        }
    }

    fn public_key(&self) -> Option<SubjectPublicKeyInfoDer<'_>> {
        Some(public_key_to_spki(&alg_id::ED25519, self.key.verifying_key().as_bytes()))
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::ED25519
    }
}

#[cfg(feature = "sign-ed25519")]
struct Ed25519Signer {
    key: Arc<ed25519_dalek::SigningKey>,
}

#[cfg(feature = "sign-ed25519")]
impl Signer for Ed25519Signer {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        use ed25519_dalek::Signer as _;
        let sig = self.key.try_sign(message).map_err(|_| signing_failed())?;
        Ok(sig.to_bytes().to_vec())
    }

    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::ED25519
    }
}

// rustls wants `Debug` on keys and signers.  Written by hand so that no
// secret can ever reach a log line (and no derive code is generated).
#[allow(unused_macros)] // a build without any signer
macro_rules! opaque_debug {
    ($($t:ty),*) => {$(
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(stringify!($t))
            }
        }
    )*};
}
#[cfg(feature = "sign-rsa")]
opaque_debug!(RsaSigningKey, RsaSigner);
#[cfg(feature = "sign-ecdsa")]
opaque_debug!(EcdsaSigningKey, EcdsaSigner);
#[cfg(feature = "sign-ed25519")]
opaque_debug!(Ed25519SigningKey, Ed25519Signer);

// The tests cover every key type: run them with every algorithm (build.rs).
#[cfg(all(test, all_algorithms))]
mod tests {
    use super::super::verify;
    use super::*;
    use rustls::pki_types::SignatureVerificationAlgorithm;

    fn data(name: &str) -> Vec<u8> {
        let p = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests-data/keys").join(name);
        std::fs::read(p).unwrap()
    }

    fn load(name: &str) -> Arc<dyn SigningKey> {
        let der = super::super::keys::load_private_key(&data(name)).unwrap();
        super::super::keys::signing_key(&der).unwrap()
    }

    /// The BIT STRING contents of the key's own SubjectPublicKeyInfo.
    fn raw_public_key(key: &dyn SigningKey) -> Vec<u8> {
        use der::Decode;
        let spki = key.public_key().unwrap();
        let spki = pkcs8::SubjectPublicKeyInfoRef::from_der(spki.as_ref()).unwrap();
        spki.subject_public_key.raw_bytes().to_vec()
    }

    const ALL_SCHEMES: &[SignatureScheme] = &[
        SignatureScheme::RSA_PKCS1_SHA256,
        SignatureScheme::RSA_PKCS1_SHA384,
        SignatureScheme::RSA_PKCS1_SHA512,
        SignatureScheme::RSA_PSS_SHA256,
        SignatureScheme::RSA_PSS_SHA384,
        SignatureScheme::RSA_PSS_SHA512,
        SignatureScheme::ECDSA_NISTP256_SHA256,
        SignatureScheme::ECDSA_NISTP384_SHA384,
        SignatureScheme::ECDSA_NISTP521_SHA512,
        SignatureScheme::ED25519,
        SignatureScheme::ED448,
    ];

    fn verifier(scheme: SignatureScheme) -> &'static dyn SignatureVerificationAlgorithm {
        match scheme {
            SignatureScheme::RSA_PKCS1_SHA256 => verify::RSA_PKCS1_SHA256,
            SignatureScheme::RSA_PKCS1_SHA384 => verify::RSA_PKCS1_SHA384,
            SignatureScheme::RSA_PKCS1_SHA512 => verify::RSA_PKCS1_SHA512,
            SignatureScheme::RSA_PSS_SHA256 => verify::RSA_PSS_SHA256,
            SignatureScheme::RSA_PSS_SHA384 => verify::RSA_PSS_SHA384,
            SignatureScheme::RSA_PSS_SHA512 => verify::RSA_PSS_SHA512,
            SignatureScheme::ECDSA_NISTP256_SHA256 => verify::ECDSA_P256_SHA256,
            SignatureScheme::ECDSA_NISTP384_SHA384 => verify::ECDSA_P384_SHA384,
            SignatureScheme::ED25519 => verify::ED25519,
            other => panic!("no verifier for {other:?}"),
        }
    }

    /// Sign with each scheme the key accepts (offered one at a time), check
    /// with our verifier, and check a tampered message fails.
    fn round_trip(key: &dyn SigningKey, expect: &[SignatureScheme]) {
        let public = raw_public_key(key);
        for &scheme in ALL_SCHEMES {
            let signer = key.choose_scheme(&[scheme]);
            assert_eq!(signer.is_some(), expect.contains(&scheme), "{scheme:?}");
            let Some(signer) = signer else { continue };
            assert_eq!(signer.scheme(), scheme);
            for msg in [&b""[..], b"hello", &[0xa5u8; 1000][..]] {
                let sig = signer.sign(msg).unwrap();
                let v = verifier(scheme);
                assert!(v.verify_signature(&public, msg, &sig).is_ok(), "{scheme:?}");
                assert!(v.verify_signature(&public, b"other", &sig).is_err(), "{scheme:?}");
            }
        }
        assert!(key.choose_scheme(&[]).is_none());
    }

    #[test]
    fn rsa_round_trips() {
        let key = load("rsa2048.pkcs8.pem");
        assert_eq!(key.algorithm(), SignatureAlgorithm::RSA);
        round_trip(&*key, &ALL_SCHEMES[..6]);
        // Preference: PSS before PKCS#1, strongest hash first.
        let s = key.choose_scheme(&[SignatureScheme::RSA_PKCS1_SHA256, SignatureScheme::RSA_PSS_SHA256]).unwrap();
        assert_eq!(s.scheme(), SignatureScheme::RSA_PSS_SHA256);
        let s = key.choose_scheme(ALL_SCHEMES).unwrap();
        assert_eq!(s.scheme(), SignatureScheme::RSA_PSS_SHA512);
        // PSS is randomised, PKCS#1 v1.5 deterministic (and blinded).
        let pss = key.choose_scheme(&[SignatureScheme::RSA_PSS_SHA256]).unwrap();
        assert_ne!(pss.sign(b"x").unwrap(), pss.sign(b"x").unwrap());
        let pkcs1 = key.choose_scheme(&[SignatureScheme::RSA_PKCS1_SHA256]).unwrap();
        assert_eq!(pkcs1.sign(b"x").unwrap(), pkcs1.sign(b"x").unwrap());
    }

    #[test]
    fn rsa_pkcs1_matches_openssl() {
        // PKCS#1 v1.5 is deterministic: our signature must equal openssl's.
        let key = load("rsa2048.pkcs1.pem");
        let msg = data("sig/msg.bin");
        for h in ["sha256", "sha384", "sha512"] {
            let scheme = match h {
                "sha256" => SignatureScheme::RSA_PKCS1_SHA256,
                "sha384" => SignatureScheme::RSA_PKCS1_SHA384,
                _ => SignatureScheme::RSA_PKCS1_SHA512,
            };
            let sig = key.choose_scheme(&[scheme]).unwrap().sign(&msg).unwrap();
            assert_eq!(sig, data(&format!("sig/rsa-pkcs1-{h}.sig")), "{h}");
        }
    }

    #[test]
    fn ecdsa_round_trips() {
        let p256 = load("p256.sec1.pem");
        assert_eq!(p256.algorithm(), SignatureAlgorithm::ECDSA);
        round_trip(&*p256, &[SignatureScheme::ECDSA_NISTP256_SHA256]);
        let p384 = load("p384.pkcs8.der");
        round_trip(&*p384, &[SignatureScheme::ECDSA_NISTP384_SHA384]);
        // Hedged: two signatures of one message differ; DER, right sizes.
        let s = p384.choose_scheme(&[SignatureScheme::ECDSA_NISTP384_SHA384]).unwrap();
        let (a, b) = (s.sign(b"m").unwrap(), s.sign(b"m").unwrap());
        assert_ne!(a, b);
        assert_eq!(a[0], 0x30);
        assert!(a.len() <= 104);
        let s = p256.choose_scheme(&[SignatureScheme::ECDSA_NISTP256_SHA256]).unwrap();
        assert_ne!(s.sign(b"m").unwrap(), s.sign(b"m").unwrap());
    }

    #[test]
    fn ed25519_round_trips() {
        let key = load("ed25519.pkcs8.pem");
        assert_eq!(key.algorithm(), SignatureAlgorithm::ED25519);
        round_trip(&*key, &[SignatureScheme::ED25519]);
        // Deterministic: equals openssl's signature.
        let msg = data("sig/msg.bin");
        let sig = key.choose_scheme(&[SignatureScheme::ED25519]).unwrap().sign(&msg).unwrap();
        assert_eq!(sig, data("sig/ed25519.sig"));
    }

    #[test]
    fn public_keys_equal_openssl_spki() {
        for (k, spki) in [
            ("rsa2048.pkcs1.der", "rsa2048.spki.der"),
            ("p256.pkcs8.pem", "p256.spki.der"),
            ("p384.sec1.der", "p384.spki.der"),
            ("ed25519.pkcs8.der", "ed25519.spki.der"),
        ] {
            assert_eq!(load(k).public_key().unwrap().as_ref(), &data(spki)[..], "{k}");
        }
    }

    #[test]
    fn p384_order_constant() {
        use p384::elliptic_curve::PrimeField;
        // n itself is not a scalar, n - 1 is.
        let n = p384::FieldBytes::from(P384_ORDER);
        assert!(bool::from(p384::Scalar::from_repr(n).is_none()));
        let mut n_minus_1 = P384_ORDER;
        n_minus_1[47] -= 1;
        assert!(bool::from(p384::Scalar::from_repr(p384::FieldBytes::from(n_minus_1)).is_some()));
    }
}
