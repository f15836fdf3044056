//! Our rustls `CryptoProvider`.
//!
//! rustls-rustcrypto 0.0.2-alpha keeps its key exchange, verification and
//! key loading private, reaches `todo!()` on some keys, and pulls in p384 0.13
//! (~147 KB on a Cortex-M0).  So we take only its public cipher-suite
//! constants (which carry the AEAD, hash, HMAC/HKDF and TLS 1.2 PRF code) and
//! supply everything else ourselves on the RustCrypto primitives chosen by
//! their measured flash cost (docs/measurements.md, "The crypto primitives"):
//!
//! - `kx`: X25519, P-256, P-384 key exchange
//! - `verify`: signature verification algorithms for webpki and rustls
//! - `sign`: `SigningKey`s for our own RSA / ECDSA / Ed25519 keys
//! - `keys`: private-key decoding (PEM/DER) and the `KeyProvider`
//! - `random`: the port's random source as rustls and rand_core want it
//! - `hash`: the one SHA-2 the signature code hashes with
//!
//! `fuzz` (feature `fuzz`, the fuzz targets only) wraps the provider: a
//! fixed random stream and the expensive calls remembered (fuzz/README.md).

use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::{SignatureScheme, SupportedCipherSuite};

#[cfg(feature = "fuzz")]
pub mod fuzz;
mod hash;
pub mod keys;
pub mod kx;
#[cfg(feature = "pq")]
pub mod pq;
pub mod random;
pub mod sign;
pub mod verify;

#[cfg(all(test, all_algorithms))]
mod tests;

/// Cipher suites in preference order.  AES-128-GCM first: cheapest key
/// schedule and what servers prefer; ChaCha20-Poly1305 next (fast in
/// software, which is all an M0 has); AES-256-GCM last.  TLS 1.2 suites only
/// with ECDHE (forward secrecy) and AEADs; the ECDHE_RSA ones only in builds
/// that can verify (or make) an RSA signature.
pub static ALL_CIPHER_SUITES: &[SupportedCipherSuite] = &[
    rustls_rustcrypto::TLS13_AES_128_GCM_SHA256,
    rustls_rustcrypto::TLS13_CHACHA20_POLY1305_SHA256,
    rustls_rustcrypto::TLS13_AES_256_GCM_SHA384,
    #[cfg(feature = "tls12")]
    rustls_rustcrypto::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    #[cfg(feature = "tls12")]
    rustls_rustcrypto::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    #[cfg(feature = "tls12")]
    rustls_rustcrypto::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    #[cfg(all(feature = "tls12", feature = "rsa"))]
    rustls_rustcrypto::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    #[cfg(all(feature = "tls12", feature = "rsa"))]
    rustls_rustcrypto::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    #[cfg(all(feature = "tls12", feature = "rsa"))]
    rustls_rustcrypto::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
];

/// The signature algorithms we verify, for certificates (webpki: `all`) and
/// handshake signatures (rustls: `mapping`).  The order of `mapping` is the
/// order of our signature_algorithms extension: cheapest to verify on an MCU
/// first among the ECDSA schemes, then Ed25519, then RSA (PSS before PKCS#1).
///
/// The ECDSA entries also map to the other curve, as ring's provider does:
/// TLS 1.2 names only the hash, and TLS 1.3 peers still send those pairs.
/// Each family is there only if its feature is (Cargo.toml).
pub static SUPPORTED_SIG_ALGS: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[
        verify::ECDSA_P256_SHA256,
        verify::ECDSA_P256_SHA384,
        #[cfg(feature = "p384")]
        verify::ECDSA_P384_SHA256,
        #[cfg(feature = "p384")]
        verify::ECDSA_P384_SHA384,
        #[cfg(feature = "ed25519")]
        verify::ED25519,
        #[cfg(feature = "rsa")]
        verify::RSA_PKCS1_SHA256,
        #[cfg(feature = "rsa")]
        verify::RSA_PKCS1_SHA384,
        #[cfg(feature = "rsa")]
        verify::RSA_PKCS1_SHA512,
        #[cfg(feature = "rsa")]
        verify::RSA_PSS_SHA256,
        #[cfg(feature = "rsa")]
        verify::RSA_PSS_SHA384,
        #[cfg(feature = "rsa")]
        verify::RSA_PSS_SHA512,
    ],
    mapping: &[
        (
            SignatureScheme::ECDSA_NISTP256_SHA256,
            &[
                verify::ECDSA_P256_SHA256,
                #[cfg(feature = "p384")]
                verify::ECDSA_P384_SHA256,
            ],
        ),
        // Advertised only when P-384 keys can be verified: in TLS 1.3 the
        // scheme names the curve, and a server with a P-384 key would pick it.
        #[cfg(feature = "p384")]
        (SignatureScheme::ECDSA_NISTP384_SHA384, &[verify::ECDSA_P384_SHA384, verify::ECDSA_P256_SHA384]),
        #[cfg(feature = "ed25519")]
        (SignatureScheme::ED25519, &[verify::ED25519]),
        #[cfg(feature = "rsa")]
        (SignatureScheme::RSA_PSS_SHA256, &[verify::RSA_PSS_SHA256]),
        #[cfg(feature = "rsa")]
        (SignatureScheme::RSA_PSS_SHA384, &[verify::RSA_PSS_SHA384]),
        #[cfg(feature = "rsa")]
        (SignatureScheme::RSA_PSS_SHA512, &[verify::RSA_PSS_SHA512]),
        #[cfg(feature = "rsa")]
        (SignatureScheme::RSA_PKCS1_SHA256, &[verify::RSA_PKCS1_SHA256]),
        #[cfg(feature = "rsa")]
        (SignatureScheme::RSA_PKCS1_SHA384, &[verify::RSA_PKCS1_SHA384]),
        #[cfg(feature = "rsa")]
        (SignatureScheme::RSA_PKCS1_SHA512, &[verify::RSA_PKCS1_SHA512]),
    ],
};

/// Our provider: the suites above, X25519/P-256/P-384, our verifiers, the
/// port's random source and our key loader.  (Fuzz builds: the same behind
/// `fuzz`'s remembering wrappers.)
pub fn provider() -> CryptoProvider {
    let provider = CryptoProvider {
        cipher_suites: ALL_CIPHER_SUITES.to_vec(),
        kx_groups: kx::ALL_KX_GROUPS.to_vec(),
        signature_verification_algorithms: SUPPORTED_SIG_ALGS,
        secure_random: &random::PortRandom,
        key_provider: &keys::KeyLoader,
    };
    #[cfg(feature = "fuzz")]
    let provider = fuzz::provider(provider);
    provider
}

/// The verification algorithms the verifiers use: `SUPPORTED_SIG_ALGS`
/// (fuzz builds: behind `fuzz`'s remembering wrappers).
pub fn sig_algs() -> &'static WebPkiSupportedAlgorithms {
    #[cfg(feature = "fuzz")]
    let algs = fuzz::sig_algs();
    #[cfg(not(feature = "fuzz"))]
    let algs = &SUPPORTED_SIG_ALGS;
    algs
}

#[cfg(all(feature = "fuzz", target_os = "none"))]
compile_error!("the `fuzz` feature is for the fuzz targets on a host (fuzz/), never for a firmware build");
