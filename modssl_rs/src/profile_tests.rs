//! What a feature profile (Cargo.toml `[features]`) builds in, checked in
//! whatever profile the tests are built with: the full one by `cargo test`,
//! the smallest client by `cargo test --no-default-features` (both in
//! `make test`).  The other unit tests need every algorithm (build.rs).

extern crate std;

use alloc::vec::Vec;
use std::path::PathBuf;

use rustls::{NamedGroup, SignatureScheme};

use crate::crypto::{self, keys::KeyError};
use crate::ffi::status;

fn key(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests-data/keys").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn cipher_suites_follow_tls12_and_rsa() {
    let names: Vec<&str> = crypto::ALL_CIPHER_SUITES.iter().map(|s| s.suite().as_str().unwrap()).collect();
    let tls12 = names.iter().filter(|n| !n.starts_with("TLS13_")).count();
    let rsa = names.iter().filter(|n| n.contains("_RSA_")).count();
    assert_eq!(names.len() - tls12, 3, "{names:?}");
    assert_eq!(tls12, if cfg!(feature = "tls12") { 3 + rsa } else { 0 }, "{names:?}");
    assert_eq!(rsa, if cfg!(all(feature = "tls12", feature = "rsa")) { 3 } else { 0 }, "{names:?}");
}

#[test]
fn key_exchange_groups_follow_p384() {
    let groups: Vec<NamedGroup> = crypto::kx::ALL_KX_GROUPS.iter().map(|g| g.name()).collect();
    let mut expect = alloc::vec![NamedGroup::X25519, NamedGroup::secp256r1];
    if cfg!(feature = "pq") {
        expect.insert(0, NamedGroup::X25519MLKEM768);
    }
    if cfg!(feature = "p384") {
        expect.push(NamedGroup::secp384r1);
    }
    assert_eq!(groups, expect);
}

#[test]
fn verified_schemes_follow_features() {
    let schemes: Vec<SignatureScheme> = crypto::SUPPORTED_SIG_ALGS.mapping.iter().map(|(s, _)| *s).collect();
    let has = |s| schemes.contains(&s);
    assert!(has(SignatureScheme::ECDSA_NISTP256_SHA256));
    assert_eq!(has(SignatureScheme::ECDSA_NISTP384_SHA384), cfg!(feature = "p384"));
    assert_eq!(has(SignatureScheme::ED25519), cfg!(feature = "ed25519"));
    assert_eq!(has(SignatureScheme::RSA_PSS_SHA256), cfg!(feature = "rsa"));
    assert_eq!(has(SignatureScheme::RSA_PKCS1_SHA256), cfg!(feature = "rsa"));
    let p384_keys = crypto::SUPPORTED_SIG_ALGS
        .all
        .iter()
        .filter(|a| a.public_key_alg_id() == rustls::pki_types::alg_id::ECDSA_P384)
        .count();
    assert_eq!(p384_keys, if cfg!(feature = "p384") { 2 } else { 0 });
    // Certificates: also P-256 keys signing with SHA-384 (and P-384 keys with SHA-256).
    assert_eq!(crypto::SUPPORTED_SIG_ALGS.all.len(), schemes.len() + if cfg!(feature = "p384") { 2 } else { 1 });
}

#[test]
fn signing_keys_follow_sign_features() {
    let cases = [
        ("rsa2048.pkcs8.pem", cfg!(feature = "sign-rsa")),
        ("p256.sec1.pem", cfg!(feature = "sign-ecdsa")),
        ("p384.pkcs8.pem", cfg!(all(feature = "sign-ecdsa", feature = "p384"))),
        ("ed25519.pkcs8.pem", cfg!(feature = "sign-ed25519")),
    ];
    for (file, built_in) in cases {
        let data = key(file);
        // Every well-formed key parses (so the error can say why it is refused).
        assert!(crypto::keys::load_private_key(&data).is_ok(), "{file}");
        match crypto::keys::load_signing_key(&data) {
            Ok(k) => assert!(built_in, "{file}: signer not expected in this build ({:?})", k.algorithm()),
            Err(e) => {
                assert!(!built_in, "{file}: {e:?}");
                assert_eq!(e, KeyError::NotInThisBuild, "{file}");
            }
        }
    }
}

#[test]
fn server_contexts_follow_server() {
    use crate::ffi::{modssl_context_free, modssl_context_new};
    let mut ctx = core::ptr::null_mut();
    let rc = modssl_context_new(true, &mut ctx);
    if cfg!(feature = "server") {
        assert_eq!(rc, status::OK);
        modssl_context_free(ctx);
    } else {
        assert_eq!(rc, status::SERVER_NOT_IN_BUILD);
        assert!(ctx.is_null());
        assert!(status::is_value_error(rc));
    }
    // Clients always.
    let mut ctx = core::ptr::null_mut();
    assert_eq!(modssl_context_new(false, &mut ctx), status::OK);
    modssl_context_free(ctx);
}

#[test]
fn raw_public_keys_follow_rpk() {
    use crate::context::Context;
    // The P-256 key's SPKI (`openssl pkey -pubout`): every build verifies P-256.
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests-data/certs");
    let spki = std::fs::read(dir.join("leaf-p256.spki.der")).unwrap();
    let pem = std::fs::read(dir.join("leaf-p256.key")).unwrap();
    assert!(crate::rpk::holds_public_keys(&spki));
    let mut ctx = Context::new(false);
    let mut id = Context::new(false);
    if cfg!(feature = "rpk") {
        assert_eq!(ctx.add_trusted(&spki), Ok(1));
        let signs = cfg!(feature = "sign-ecdsa");
        assert_eq!(id.set_identity(&spki, &pem), if signs { Ok(()) } else { Err(status::KEY_NOT_IN_BUILD) });
    } else {
        // Not "invalid cert": the build says what it lacks.
        assert_eq!(ctx.add_trusted(&spki), Err(status::RPK_NOT_IN_BUILD));
        assert_eq!(id.set_identity(&spki, &pem), Err(status::RPK_NOT_IN_BUILD));
        assert!(!ctx.has_trust() && !id.has_identity());
    }
}

#[test]
fn cert_compression_follows_its_feature() {
    // The test port's zlib hooks (miniz_oxide) can do both.
    let expect = if cfg!(feature = "cert-compress") { 3 } else { 0 };
    assert_eq!(crate::ffi::mem::modssl_cert_compression(), expect);
    let mut ctx = crate::context::Context::new(false);
    let config = ctx.client_config(false).expect("a client configuration");
    assert_eq!(config.cert_decompressors.len(), expect as usize / 3);
    assert_eq!(config.cert_compressors.len(), expect as usize / 3);
}
