//! Certificate and key loading from arbitrary bytes: PEM or DER, one or
//! many certificates; every private-key format (PKCS#1, PKCS#8, SEC1, PEM
//! or DER), and the signing key made from it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use modssl_rs::crypto::keys;
use modssl_rs::pem;

fuzz_target!(|data: &[u8]| {
    modssl_rs::crypto::fuzz::reset();
    if let Ok(certs) = pem::parse_certificates(data) {
        for c in &certs {
            assert!(!c.is_empty());
        }
    }
    let _ = keys::load_private_key(data);
    if let Ok(key) = keys::load_signing_key(data) {
        let _ = keys::key_matches_cert(&*key, data);
    }
});
