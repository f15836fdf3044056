//! Signature verification for webpki (certificate signatures) and rustls
//! (handshake signatures: TLS 1.3 CertificateVerify, TLS 1.2
//! ServerKeyExchange).
//!
//! `public_key` is the contents of the SubjectPublicKeyInfo's BIT STRING:
//! a SEC1 point for ECDSA, a PKCS#1 RSAPublicKey for RSA, 32 raw bytes for
//! Ed25519.  Every failure, malformed input included, is `InvalidSignature`.
//!
//! One struct per family with the hash as a field (rather than one type per
//! algorithm): the families share one code path each, which is smaller on
//! flash than a monomorphised copy per hash.

#[cfg(feature = "rsa")]
use rsa::traits::PublicKeyParts;
use rustls::pki_types::alg_id;
use rustls::pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};

use super::hash::HashAlg;
use crate::asn1;

/// RSA moduli below 2048 bits are refused, as ring/aws-lc do for TLS.  The
/// upper limit is rsa 0.9's 4096 bits: an MCU would take seconds per
/// signature above that anyway.
pub(crate) const MIN_RSA_BITS: usize = 2048;

#[derive(Clone, Copy, Debug)]
enum Curve {
    P256,
    #[cfg(feature = "p384")]
    P384,
}

#[derive(Debug)]
struct EcdsaVerify {
    curve: Curve,
    hash: HashAlg,
    public_key_alg: AlgorithmIdentifier,
    signature_alg: AlgorithmIdentifier,
}

impl SignatureVerificationAlgorithm for EcdsaVerify {
    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.public_key_alg
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.signature_alg
    }

    fn verify_signature(&self, public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), InvalidSignature> {
        let digest = self.hash.digest(message);
        let ok = match self.curve {
            Curve::P256 => verify_p256(public_key, digest.as_slice(), signature),
            #[cfg(feature = "p384")]
            Curve::P384 => verify_p384(public_key, digest.as_slice(), signature),
        };
        if ok {
            Ok(())
        } else {
            Err(InvalidSignature)
        }
    }
}

// One function per curve, never inlined: merged into verify_signature, the
// two curves' temporaries shared one 6,848-byte frame on thumbv6m (make
// stack-report), and this is the deepest frame of a handshake (under
// rustls' state machine, the verifier and webpki's path building); apart,
// a P-256 chain pays only for P-256's.
#[inline(never)]
fn verify_p256(public_key: &[u8], prehash: &[u8], signature: &[u8]) -> bool {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    let Ok(key) = p256::ecdsa::VerifyingKey::from_sec1_bytes(public_key) else {
        return false;
    };
    let Some(sig) = asn1::ecdsa_signature_to_fixed(signature, 32) else {
        return false;
    };
    let Ok(sig) = p256::ecdsa::Signature::from_slice(&sig) else {
        return false;
    };
    key.verify_prehash(prehash, &sig).is_ok()
}

#[cfg(feature = "p384")]
#[inline(never)]
fn verify_p384(public_key: &[u8], prehash: &[u8], signature: &[u8]) -> bool {
    // p384 0.14 (signature 3 traits) fed with the sha2 0.10 digest.
    use p384::ecdsa::signature::hazmat::PrehashVerifier;
    let Ok(key) = p384::ecdsa::VerifyingKey::from_sec1_bytes(public_key) else {
        return false;
    };
    let Some(sig) = asn1::ecdsa_signature_to_fixed(signature, 48) else {
        return false;
    };
    let Ok(sig) = p384::ecdsa::Signature::from_slice(&sig) else {
        return false;
    };
    key.verify_prehash(prehash, &sig).is_ok()
}

#[cfg(feature = "rsa")]
#[derive(Debug)]
struct RsaVerify {
    pss: bool,
    hash: HashAlg,
    signature_alg: AlgorithmIdentifier,
}

#[cfg(feature = "rsa")]
impl SignatureVerificationAlgorithm for RsaVerify {
    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        // PSS signatures by ordinary rsaEncryption keys, like webpki's
        // `RSA_PSS_2048_8192_SHA*_LEGACY_KEY`: that is what certificates use.
        alg_id::RSA_ENCRYPTION
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.signature_alg
    }

    fn verify_signature(&self, public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), InvalidSignature> {
        // RSAPublicKey (RFC 8017): SEQUENCE { n INTEGER, e INTEGER }.
        let mut seq = asn1::Reader::new(asn1::whole(public_key, asn1::SEQUENCE).ok_or(InvalidSignature)?);
        let (n, e) = (seq.uint().ok_or(InvalidSignature)?, seq.uint().ok_or(InvalidSignature)?);
        if !seq.finished() {
            return Err(InvalidSignature);
        }
        // Refuses moduli above 4096 bits and bad exponents.
        let key = rsa::RsaPublicKey::new(rsa::BigUint::from_bytes_be(n), rsa::BigUint::from_bytes_be(e))
            .map_err(|_| InvalidSignature)?;
        if key.n().bits() < MIN_RSA_BITS || signature.len() != key.size() {
            return Err(InvalidSignature);
        }
        let digest = self.hash.digest(message);
        let hashed = digest.as_slice();
        // The padding schemes are built from the hash type but are not generic
        // afterwards, so there is one RSA verification routine in the image.
        let result = match (self.pss, self.hash) {
            (false, HashAlg::Sha256) => key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), hashed, signature),
            (false, HashAlg::Sha384) => key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha384>(), hashed, signature),
            (false, HashAlg::Sha512) => key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha512>(), hashed, signature),
            // Salt length = hash length, as TLS 1.3 and RFC 4055 certificates require.
            (true, HashAlg::Sha256) => key.verify(rsa::Pss::new::<sha2::Sha256>(), hashed, signature),
            (true, HashAlg::Sha384) => key.verify(rsa::Pss::new::<sha2::Sha384>(), hashed, signature),
            (true, HashAlg::Sha512) => key.verify(rsa::Pss::new::<sha2::Sha512>(), hashed, signature),
        };
        result.map_err(|_| InvalidSignature)
    }
}

#[cfg(feature = "ed25519")]
#[derive(Debug)]
struct Ed25519Verify;

#[cfg(feature = "ed25519")]
impl SignatureVerificationAlgorithm for Ed25519Verify {
    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ED25519
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ED25519
    }

    fn verify_signature(&self, public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), InvalidSignature> {
        use ed25519_dalek::Verifier;
        let key: &[u8; 32] = public_key.try_into().map_err(|_| InvalidSignature)?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(key).map_err(|_| InvalidSignature)?;
        let sig = ed25519_dalek::Signature::from_slice(signature).map_err(|_| InvalidSignature)?;
        // RFC 8032 verification (rejects non-canonical S), like ring.
        key.verify(message, &sig).map_err(|_| InvalidSignature)
    }
}

macro_rules! ecdsa {
    ($name:ident, $curve:ident, $hash:ident, $pk:ident, $sig:ident) => {
        pub static $name: &dyn SignatureVerificationAlgorithm = &EcdsaVerify {
            curve: Curve::$curve,
            hash: HashAlg::$hash,
            public_key_alg: alg_id::$pk,
            signature_alg: alg_id::$sig,
        };
    };
}

macro_rules! rsa {
    ($name:ident, $pss:expr, $hash:ident, $sig:ident) => {
        #[cfg(feature = "rsa")]
        pub static $name: &dyn SignatureVerificationAlgorithm =
            &RsaVerify { pss: $pss, hash: HashAlg::$hash, signature_alg: alg_id::$sig };
    };
}

ecdsa!(ECDSA_P256_SHA256, P256, Sha256, ECDSA_P256, ECDSA_SHA256);
ecdsa!(ECDSA_P256_SHA384, P256, Sha384, ECDSA_P256, ECDSA_SHA384);
#[cfg(feature = "p384")]
ecdsa!(ECDSA_P384_SHA256, P384, Sha256, ECDSA_P384, ECDSA_SHA256);
#[cfg(feature = "p384")]
ecdsa!(ECDSA_P384_SHA384, P384, Sha384, ECDSA_P384, ECDSA_SHA384);
rsa!(RSA_PKCS1_SHA256, false, Sha256, RSA_PKCS1_SHA256);
rsa!(RSA_PKCS1_SHA384, false, Sha384, RSA_PKCS1_SHA384);
rsa!(RSA_PKCS1_SHA512, false, Sha512, RSA_PKCS1_SHA512);
rsa!(RSA_PSS_SHA256, true, Sha256, RSA_PSS_SHA256);
rsa!(RSA_PSS_SHA384, true, Sha384, RSA_PSS_SHA384);
rsa!(RSA_PSS_SHA512, true, Sha512, RSA_PSS_SHA512);
#[cfg(feature = "ed25519")]
pub static ED25519: &dyn SignatureVerificationAlgorithm = &Ed25519Verify;

// The tests cover every family: run them with every algorithm (build.rs).
#[cfg(all(test, all_algorithms))]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn data(name: &str) -> Vec<u8> {
        let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests-data/keys").join(name);
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    /// The BIT STRING contents of an openssl-written SubjectPublicKeyInfo.
    fn spki_key(name: &str) -> Vec<u8> {
        use der::Decode;
        let der = data(name);
        let spki = pkcs8::SubjectPublicKeyInfoRef::from_der(&der).unwrap();
        spki.subject_public_key.raw_bytes().to_vec()
    }

    /// Signatures made by the openssl CLI (tests-data/keys/make-keys.sh), so
    /// the verifiers are checked against an independent implementation.
    #[test]
    fn verifies_openssl_signatures() {
        let msg = data("sig/msg.bin");
        let rsa = spki_key("rsa2048.spki.der");
        let p256 = spki_key("p256.spki.der");
        let p384 = spki_key("p384.spki.der");
        let ed = spki_key("ed25519.spki.der");
        let cases: &[(&dyn SignatureVerificationAlgorithm, &Vec<u8>, &str)] = &[
            (RSA_PKCS1_SHA256, &rsa, "rsa-pkcs1-sha256"),
            (RSA_PKCS1_SHA384, &rsa, "rsa-pkcs1-sha384"),
            (RSA_PKCS1_SHA512, &rsa, "rsa-pkcs1-sha512"),
            (RSA_PSS_SHA256, &rsa, "rsa-pss-sha256"),
            (RSA_PSS_SHA384, &rsa, "rsa-pss-sha384"),
            (RSA_PSS_SHA512, &rsa, "rsa-pss-sha512"),
            (ECDSA_P256_SHA256, &p256, "p256-sha256"),
            (ECDSA_P256_SHA384, &p256, "p256-sha384"),
            (ECDSA_P384_SHA256, &p384, "p384-sha256"),
            (ECDSA_P384_SHA384, &p384, "p384-sha384"),
            (ED25519, &ed, "ed25519"),
        ];
        for (alg, key, sig_name) in cases {
            let sig = data(&format!("sig/{sig_name}.sig"));
            assert!(alg.verify_signature(key, &msg, &sig).is_ok(), "{sig_name}");
            // Another message, a flipped signature bit: both refused.
            let mut other = msg.clone();
            other[0] ^= 1;
            assert!(alg.verify_signature(key, &other, &sig).is_err(), "{sig_name} other msg");
            let mut bad = sig.clone();
            let last = bad.len() - 1;
            bad[last] ^= 0x40;
            assert!(alg.verify_signature(key, &msg, &bad).is_err(), "{sig_name} flipped");
        }
        // The right signature checked under the wrong hash or padding.
        let sig = data("sig/rsa-pss-sha256.sig");
        assert!(RSA_PKCS1_SHA256.verify_signature(&rsa, &msg, &sig).is_err());
        assert!(RSA_PSS_SHA384.verify_signature(&rsa, &msg, &sig).is_err());
        let sig = data("sig/p256-sha256.sig");
        assert!(ECDSA_P256_SHA384.verify_signature(&p256, &msg, &sig).is_err());
        assert!(ECDSA_P384_SHA256.verify_signature(&p384, &msg, &sig).is_err());
    }

    #[test]
    fn small_rsa_keys_are_refused() {
        // A 1024-bit key: refused whatever the signature.
        let key = spki_key("rsa1024.spki.der");
        assert!(RSA_PKCS1_SHA256.verify_signature(&key, b"m", &[0u8; 128]).is_err());
    }

    #[test]
    fn garbage_never_panics() {
        let all = [
            ECDSA_P256_SHA256,
            ECDSA_P256_SHA384,
            ECDSA_P384_SHA256,
            ECDSA_P384_SHA384,
            RSA_PKCS1_SHA256,
            RSA_PKCS1_SHA384,
            RSA_PKCS1_SHA512,
            RSA_PSS_SHA256,
            RSA_PSS_SHA384,
            RSA_PSS_SHA512,
            ED25519,
        ];
        let rsa = spki_key("rsa2048.spki.der");
        let inputs: Vec<Vec<u8>> = vec![
            vec![],
            vec![0],
            vec![0x30, 0x00],
            vec![0x30, 0x81],
            vec![0xff; 300],
            vec![0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00], // r = s = 0
            vec![4; 65],
            vec![4; 97],
            vec![0; 32],
            vec![0; 256],
            rsa.clone(),
        ];
        for alg in all {
            for k in &inputs {
                for s in &inputs {
                    assert!(alg.verify_signature(k, b"msg", s).is_err());
                }
            }
        }
    }

    #[test]
    fn alg_ids() {
        assert_eq!(ECDSA_P384_SHA256.public_key_alg_id(), alg_id::ECDSA_P384);
        assert_eq!(ECDSA_P384_SHA256.signature_alg_id(), alg_id::ECDSA_SHA256);
        assert_eq!(RSA_PSS_SHA512.public_key_alg_id(), alg_id::RSA_ENCRYPTION);
        assert_eq!(RSA_PSS_SHA512.signature_alg_id(), alg_id::RSA_PSS_SHA512);
        assert_eq!(ED25519.public_key_alg_id(), alg_id::ED25519);
    }
}
