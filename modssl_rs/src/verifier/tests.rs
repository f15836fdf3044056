//! Tests of the verification rules, with the certificates in
//! `tests-data/certs` (made by `tests-data/make-certs.sh`).

extern crate std;

use super::*;
use crate::asn1;
use crate::pem::parse_certificates;
use alloc::vec;
use core::time::Duration;
use rustls::internal::msgs::codec::{Codec, Reader};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

macro_rules! pem {
    ($name:literal) => {
        (include_bytes!(concat!("../../tests-data/certs/", $name, ".pem")) as &[u8])
    };
}
macro_rules! sig {
    ($name:literal) => {
        (include_bytes!(concat!("../../tests-data/certs/sig/", $name)) as &[u8])
    };
}
const MSG: &[u8] = sig!("msg.bin");

fn algs() -> &'static WebPkiSupportedAlgorithms {
    std::boxed::Box::leak(std::boxed::Box::new(rustls_rustcrypto::provider().signature_verification_algorithms))
}

fn certs(pem: &[u8]) -> Vec<CertificateDer<'static>> {
    parse_certificates(pem).unwrap()
}
fn one(pem: &[u8]) -> CertificateDer<'static> {
    certs(pem).remove(0)
}

fn y2030() -> Option<u64> {
    Some(1_893_456_000)
}
fn y2023() -> Option<u64> {
    Some(1_672_531_200)
}
fn y2125() -> Option<u64> {
    Some(4_891_363_200)
}
fn y2095() -> Option<u64> {
    Some(3_944_678_400)
}
fn no_clock() -> Option<u64> {
    None
}

fn dns(name: &str) -> ServerName<'static> {
    ServerName::try_from(name).unwrap().to_owned()
}

/// The store of the certificates in `pems`.
fn store(pems: &[&[u8]]) -> Arc<TrustStore> {
    let certs: Vec<_> = pems.iter().flat_map(|p| certs(p)).collect();
    let mut store = TrustStore::default();
    assert!(store.add(&certs));
    Arc::new(store)
}

fn server(trusted: &[&[u8]], mode: VerifyMode) -> ServerVerifier {
    ServerVerifier::new(store(trusted), mode, algs()).with_clock(y2030)
}

fn client(trusted: &[&[u8]], mode: VerifyMode) -> ClientVerifier {
    ClientVerifier::new(store(trusted), mode, algs()).with_clock(y2030)
}

/// Verify the server chain in `chain_pem` for `name`; the failure, if any.
fn check(v: &ServerVerifier, chain_pem: &[u8], name: &str) -> Result<(), Option<CertFailure>> {
    let chain = certs(chain_pem);
    check_chain(v, &chain, name)
}

fn check_chain(v: &ServerVerifier, chain: &[CertificateDer<'static>], name: &str) -> Result<(), Option<CertFailure>> {
    let name = ServerName::try_from(name).unwrap();
    v.verify_server_cert(&chain[0], &chain[1..], &name, &[], UnixTime::since_unix_epoch(Duration::ZERO))
        .map(|_| ())
        .map_err(|e| classify(&e))
}

fn check_client(v: &ClientVerifier, chain_pem: &[u8]) -> Result<(), Option<CertFailure>> {
    let chain = certs(chain_pem);
    v.verify_client_cert(&chain[0], &chain[1..], UnixTime::since_unix_epoch(Duration::ZERO))
        .map(|_| ())
        .map_err(|e| classify(&e))
}

fn dss(scheme: SignatureScheme, sig: &[u8]) -> DigitallySignedStruct {
    let mut bytes = u16::from(scheme).to_be_bytes().to_vec();
    bytes.extend_from_slice(&(sig.len() as u16).to_be_bytes());
    bytes.extend_from_slice(sig);
    DigitallySignedStruct::read(&mut Reader::init(&bytes)).unwrap()
}

const ROOT: &[u8] = pem!("root-ca");
use CertFailure as F;

// --- rule 1: path validation --------------------------------------------

#[test]
fn chain_through_intermediate() {
    let v = server(&[ROOT], VerifyMode::Required);
    for name in ["localhost", "modssl.test", "LOCALHOST", "127.0.0.1", "::1"] {
        assert_eq!(check(&v, pem!("leaf-p256-chain"), name), Ok(()), "{name}");
    }
}

#[test]
fn missing_intermediate_is_unknown_issuer() {
    let v = server(&[ROOT], VerifyMode::Required);
    assert_eq!(check(&v, pem!("leaf-p256"), "localhost"), Err(Some(F::UnknownIssuer)));
}

#[test]
fn intermediate_as_trust_anchor() {
    let v = server(&[pem!("inter-ca")], VerifyMode::Required);
    assert_eq!(check(&v, pem!("leaf-p256"), "localhost"), Ok(()));
}

#[test]
fn all_key_types() {
    let v = server(&[ROOT], VerifyMode::Required);
    assert_eq!(check(&v, pem!("leaf-p384"), "localhost"), Ok(()));
    assert_eq!(check(&v, pem!("leaf-rsa2048"), "localhost"), Ok(()));
    assert_eq!(check(&v, pem!("leaf-ed25519"), "localhost"), Ok(()));
}

#[test]
fn untrusted_issuer() {
    let v = server(&[ROOT], VerifyMode::Required);
    assert_eq!(check(&v, pem!("untrusted"), "localhost"), Err(Some(F::UnknownIssuer)));
    // Trusting a different self-signed certificate than the one presented.
    let v = server(&[pem!("cn-only")], VerifyMode::Required);
    assert_eq!(check(&v, pem!("cn-only-rsa"), "micropython.local"), Err(Some(F::UnknownIssuer)));
    assert_eq!(check(&v, pem!("leaf-p384"), "localhost"), Err(Some(F::UnknownIssuer)));
}

#[test]
fn no_trusted_certs() {
    let v = server(&[], VerifyMode::Required);
    assert_eq!(check(&v, pem!("leaf-p384"), "localhost"), Err(Some(F::UnknownIssuer)));
}

#[test]
fn static_anchors() {
    let root = one(ROOT);
    let anchor = webpki::anchor_from_trusted_cert(&root).unwrap().to_owned();
    let anchors: &'static [TrustAnchor<'static>] = std::boxed::Box::leak(vec![anchor].into_boxed_slice());
    let v = server(&[], VerifyMode::Required).with_static_anchors(anchors);
    assert_eq!(check(&v, pem!("leaf-p384"), "localhost"), Ok(()));
    assert_eq!(check(&v, pem!("untrusted"), "localhost"), Err(Some(F::UnknownIssuer)));
    // Combined with trusted certificates.
    let v = server(&[pem!("other-ca")], VerifyMode::Required).with_static_anchors(anchors);
    assert_eq!(check(&v, pem!("leaf-p384"), "localhost"), Ok(()));
    assert_eq!(check(&v, pem!("untrusted"), "localhost"), Ok(()));
}

/// Every anchor of the compact trust store is, byte for byte, one of
/// webpki-roots' Mozilla roots (the script that generates it copies them).
#[cfg(feature = "ca-compact")]
#[test]
fn compact_roots_come_from_the_bundle() {
    use crate::roots_compact::COMPACT_ROOTS;
    assert!(COMPACT_ROOTS.len() >= 30, "{} roots", COMPACT_ROOTS.len());
    for a in COMPACT_ROOTS {
        assert!(
            webpki_roots::TLS_SERVER_ROOTS.iter().any(|b| b.subject == a.subject
                && b.subject_public_key_info == a.subject_public_key_info
                && b.name_constraints == a.name_constraints),
            "not a webpki-roots anchor: {:?}",
            a.subject
        );
    }
}

/// The roots behind the most-used public CAs are there, by name (the UTF-8
/// or printable common name inside the DER subject) and with the key the
/// bundle has for that name.
#[cfg(feature = "ca-compact")]
#[test]
fn compact_roots_hold_the_common_cas() {
    use crate::roots_compact::COMPACT_ROOTS;
    fn named<'a>(set: &'a [TrustAnchor<'static>], cn: &str) -> Vec<&'a TrustAnchor<'static>> {
        set.iter().filter(|a| a.subject.as_ref().windows(cn.len()).any(|w| w == cn.as_bytes())).collect()
    }
    for cn in [
        "ISRG Root X1",
        "ISRG Root X2",
        "GTS Root R1",
        "GTS Root R4",
        "DigiCert Global Root G2",
        "Amazon Root CA 1",
        "USERTrust RSA Certification Authority",
        "GlobalSign Root CA - R3",
        "Go Daddy Root Certificate Authority - G2",
        "Starfield Root Certificate Authority - G2",
        "Microsoft RSA Root Certificate Authority 2017",
    ] {
        let ours = named(COMPACT_ROOTS, cn);
        let bundle = named(webpki_roots::TLS_SERVER_ROOTS, cn);
        assert_eq!(ours.len(), 1, "{cn}");
        assert_eq!(bundle.len(), 1, "{cn}");
        assert_eq!(ours[0].subject_public_key_info, bundle[0].subject_public_key_info, "{cn}");
    }
    // And not the whole bundle: a root of another CA is not trusted.
    assert!(named(COMPACT_ROOTS, "D-TRUST BR Root CA 2 2023").is_empty());
    assert!(!named(webpki_roots::TLS_SERVER_ROOTS, "D-TRUST BR Root CA 2 2023").is_empty());
}

/// The compact store trusts none of the test certificates; a locally made
/// root given as well verifies its chain (and `static_anchors` above shows
/// a local root added in the compact store's own form does).
#[cfg(feature = "ca-compact")]
#[test]
fn compact_roots_do_not_trust_test_certs() {
    let v = server(&[], VerifyMode::Required).with_compact_roots();
    assert_eq!(check(&v, pem!("leaf-p384"), "localhost"), Err(Some(F::UnknownIssuer)));
    let v = server(&[ROOT], VerifyMode::Required).with_compact_roots();
    assert_eq!(check(&v, pem!("leaf-p384"), "localhost"), Ok(()));
}

#[cfg(feature = "ca-bundle")]
#[test]
fn ca_bundle_does_not_trust_test_certs() {
    let v = server(&[], VerifyMode::Required).with_ca_bundle();
    assert_eq!(check(&v, pem!("leaf-p384"), "localhost"), Err(Some(F::UnknownIssuer)));
    let v = server(&[ROOT], VerifyMode::Required).with_ca_bundle();
    assert_eq!(check(&v, pem!("leaf-p384"), "localhost"), Ok(()));
}

#[test]
fn ca_certificate_as_leaf_is_bad_usage() {
    let v = server(&[ROOT], VerifyMode::Required);
    assert_eq!(check(&v, pem!("ca-as-leaf"), "localhost"), Err(Some(F::BadUsage)));
}

#[test]
fn tampered_certificate_signature() {
    let v = server(&[ROOT], VerifyMode::Required);
    let mut der = one(pem!("leaf-p384")).as_ref().to_vec();
    // The last bytes are the signature's s value.
    let n = der.len();
    der[n - 2] ^= 0x01;
    let chain = vec![CertificateDer::from(der)];
    assert_eq!(check_chain(&v, &chain, "localhost"), Err(Some(F::BadSignature)));
}

#[test]
fn garbage_end_entity() {
    let v = server(&[ROOT], VerifyMode::Required);
    let chain = vec![CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x05])];
    assert_eq!(check_chain(&v, &chain, "localhost"), Err(Some(F::Invalid)));
    let chain = vec![CertificateDer::from(Vec::new())];
    assert_eq!(check_chain(&v, &chain, "localhost"), Err(Some(F::Invalid)));
}

#[test]
fn expired_and_not_yet_valid() {
    let v = server(&[ROOT], VerifyMode::Required);
    assert_eq!(check(&v, pem!("expired"), "localhost"), Err(Some(F::Expired)));
    assert_eq!(check(&v, pem!("not-yet-valid"), "localhost"), Err(Some(F::NotYetValid)));
    let v = v.with_clock(y2095);
    assert_eq!(check(&v, pem!("not-yet-valid"), "localhost"), Ok(()));
    // The whole chain's dates count.
    let v = v.with_clock(y2023);
    assert_eq!(check(&v, pem!("leaf-p384"), "localhost"), Err(Some(F::NotYetValid)));
    let v = v.with_clock(y2125);
    assert_eq!(check(&v, pem!("leaf-p384"), "localhost"), Err(Some(F::Expired)));
}

#[test]
fn server_eku_required() {
    let v = server(&[ROOT], VerifyMode::Required);
    // clientAuth-only certificate presented by a server.
    let chain = certs(pem!("client"));
    let name = dns("localhost");
    let err = v.verify_server_cert(&chain[0], &[], &name, &[], UnixTime::since_unix_epoch(Duration::ZERO)).unwrap_err();
    assert_eq!(classify(&err), Some(F::BadUsage));
}

// --- rule 2: pinning --------------------------------------------------------

#[test]
fn pinned_cn_only_ca_true_self_signed() {
    let v = server(&[pem!("cn-only")], VerifyMode::Required);
    assert_eq!(check(&v, pem!("cn-only"), "micropython.local"), Ok(()));
    assert_eq!(check(&v, pem!("cn-only"), "MicroPython.LOCAL"), Ok(()));
    let v = server(&[pem!("cn-only-rsa")], VerifyMode::Required);
    assert_eq!(check(&v, pem!("cn-only-rsa"), "micropython.local"), Ok(()));
}

#[test]
fn pinned_among_other_trusted() {
    let v = server(&[ROOT, pem!("cn-only"), pem!("v1-self")], VerifyMode::Required);
    assert_eq!(check(&v, pem!("cn-only"), "micropython.local"), Ok(()));
    assert_eq!(check(&v, pem!("v1-self"), "v1.local"), Ok(()));
    assert_eq!(check(&v, pem!("leaf-p256-chain"), "localhost"), Ok(()));
}

#[test]
fn pinned_v1_certificate() {
    let v = server(&[pem!("v1-self")], VerifyMode::Required);
    assert_eq!(check(&v, pem!("v1-self"), "v1.local"), Ok(()));
    assert_eq!(check(&v, pem!("v1-self"), "other.local"), Err(Some(F::HostnameMismatch)));
}

#[test]
fn pinned_leaf_with_san() {
    // A leaf trusted directly, without its issuer.
    let v = server(&[pem!("leaf-p256")], VerifyMode::Required);
    assert_eq!(check(&v, pem!("leaf-p256"), "localhost"), Ok(()));
    assert_eq!(check(&v, pem!("leaf-p256"), "127.0.0.1"), Ok(()));
    // Its SAN decides; its CN ("localhost") is not consulted.
    assert_eq!(check(&v, pem!("leaf-p256"), "wrong.example"), Err(Some(F::HostnameMismatch)));
    let v = server(&[pem!("wrong-host")], VerifyMode::Required);
    assert_eq!(check(&v, pem!("wrong-host"), "localhost"), Err(Some(F::HostnameMismatch)));
    assert_eq!(check(&v, pem!("wrong-host"), "wrong.example"), Ok(()));
}

#[test]
fn pinned_dates_still_checked() {
    let v = server(&[pem!("cn-only")], VerifyMode::Required).with_clock(y2125);
    assert_eq!(check(&v, pem!("cn-only"), "micropython.local"), Err(Some(F::Expired)));
    let v = v.with_clock(y2023);
    assert_eq!(check(&v, pem!("cn-only"), "micropython.local"), Err(Some(F::NotYetValid)));
    let v = server(&[pem!("expired")], VerifyMode::Required);
    assert_eq!(check(&v, pem!("expired"), "localhost"), Err(Some(F::Expired)));
    let v = server(&[pem!("not-yet-valid")], VerifyMode::Required);
    assert_eq!(check(&v, pem!("not-yet-valid"), "localhost"), Err(Some(F::NotYetValid)));
}

#[test]
fn pinning_is_byte_equality() {
    // Same subject, different certificate: not pinned, and not chained.
    let v = server(&[pem!("cn-only")], VerifyMode::Required);
    let mut der = one(pem!("cn-only")).as_ref().to_vec();
    let n = der.len();
    der[n - 2] ^= 0x01;
    let chain = vec![CertificateDer::from(der)];
    assert!(check_chain(&v, &chain, "micropython.local").is_err());
}

#[test]
fn pinning_by_fingerprint_of_certificate_or_key() {
    use sha2::Digest as _;
    let leaf = one(pem!("cn-only"));
    let cert_pin: [u8; 32] = sha2::Sha256::digest(leaf.as_ref()).into();
    let info = CertInfo::parse(leaf.as_ref()).unwrap();
    let key_pin: [u8; 32] = sha2::Sha256::digest(info.spki).into();
    let other = [0x5au8; 32];
    for (pins, want) in [
        (vec![cert_pin], Ok(())),
        (vec![key_pin], Ok(())),
        (vec![other, key_pin], Ok(())),
        (vec![other], Err(Some(F::UnknownIssuer))),
    ] {
        let v = server(&[], VerifyMode::Required).with_pins(pins);
        assert_eq!(check(&v, pem!("cn-only"), "micropython.local"), want);
    }
}

// --- rule 3: hostname -----------------------------------------------------

#[test]
fn san_wildcard() {
    let v = server(&[ROOT], VerifyMode::Required);
    assert_eq!(check(&v, pem!("leaf-p384"), "a.wild.modssl.test"), Ok(()));
    assert_eq!(check(&v, pem!("leaf-p384"), "wild.modssl.test"), Err(Some(F::HostnameMismatch)));
    assert_eq!(check(&v, pem!("leaf-p384"), "a.b.wild.modssl.test"), Err(Some(F::HostnameMismatch)));
}

#[test]
fn wrong_host() {
    let v = server(&[ROOT], VerifyMode::Required);
    assert_eq!(check(&v, pem!("wrong-host"), "localhost"), Err(Some(F::HostnameMismatch)));
    assert_eq!(check(&v, pem!("wrong-host"), "wrong.example"), Ok(()));
    assert_eq!(check(&v, pem!("leaf-p256-chain"), "127.0.0.2"), Err(Some(F::HostnameMismatch)));
    assert_eq!(check(&v, pem!("leaf-p256-chain"), "example.com"), Err(Some(F::HostnameMismatch)));
    // SAN present, so the CN (localhost) is ignored:
    let err = v
        .verify_server_cert(
            &one(pem!("wrong-host")),
            &[],
            &dns("localhost"),
            &[],
            UnixTime::since_unix_epoch(Duration::ZERO),
        )
        .unwrap_err();
    assert!(matches!(err, Error::InvalidCertificate(CertificateError::NotValidForNameContext { .. })));
}

#[test]
fn cn_fallback_only_without_san() {
    let v = server(&[pem!("cn-only")], VerifyMode::Required);
    assert_eq!(check(&v, pem!("cn-only"), "other.local"), Err(Some(F::HostnameMismatch)));
    assert_eq!(check(&v, pem!("cn-only"), "micropython.local.evil"), Err(Some(F::HostnameMismatch)));
    assert_eq!(check(&v, pem!("cn-only"), "x.micropython.local"), Err(Some(F::HostnameMismatch)));
    assert_eq!(check(&v, pem!("cn-only"), "127.0.0.1"), Err(Some(F::HostnameMismatch)));
    // Trailing dot of an absolute name.
    assert_eq!(check(&v, pem!("cn-only"), "micropython.local."), Ok(()));
}

#[test]
fn cn_wildcard() {
    let v = server(&[pem!("cn-wild")], VerifyMode::Required);
    assert_eq!(check(&v, pem!("cn-wild"), "a.modssl.test"), Ok(()));
    assert_eq!(check(&v, pem!("cn-wild"), "A.MODSSL.TEST"), Ok(()));
    assert_eq!(check(&v, pem!("cn-wild"), "modssl.test"), Err(Some(F::HostnameMismatch)));
    assert_eq!(check(&v, pem!("cn-wild"), "a.b.modssl.test"), Err(Some(F::HostnameMismatch)));
    assert_eq!(check(&v, pem!("cn-wild"), "a.modssl.test.evil"), Err(Some(F::HostnameMismatch)));
}

#[test]
fn dns_matching_rules() {
    assert!(dns_matches("example.com", "EXAMPLE.com"));
    assert!(dns_matches("example.com.", "example.com"));
    assert!(!dns_matches("", "example.com"));
    assert!(!dns_matches("*.com", "example.com"));
    assert!(!dns_matches("*", "example"));
    assert!(!dns_matches("f*.example.com", "foo.example.com"));
    assert!(!dns_matches("*.*.example.com", "a.b.example.com"));
    assert!(!dns_matches("*.example.com", ".example.com"));
    assert!(!dns_matches("*.0.0.1", "127.0.0.1"));
    assert!(dns_matches("*.example.com", "a.example.com"));
    let ip = ServerName::try_from("10.0.0.1").unwrap();
    assert!(cn_matches("10.0.0.1", &ip));
    assert!(!cn_matches("10.0.0.2", &ip));
    assert!(!cn_matches("*.0.0.1", &ip));
    let ip6 = ServerName::try_from("::1").unwrap();
    assert!(cn_matches("0:0:0:0:0:0:0:1", &ip6));
}

#[test]
fn hostname_check_can_be_disabled() {
    let v = server(&[ROOT], VerifyMode::Required).with_hostname_check(false);
    assert_eq!(check(&v, pem!("wrong-host"), "localhost"), Ok(()));
    assert_eq!(check(&v, pem!("untrusted"), "localhost"), Err(Some(F::UnknownIssuer)));
}

// --- rule 4: the clock ------------------------------------------------------

#[test]
fn clock_not_set() {
    for trusted in [ROOT, pem!("cn-only")] {
        let v = server(&[trusted], VerifyMode::Required).with_clock(no_clock);
        assert_eq!(check(&v, pem!("leaf-p384"), "localhost"), Err(Some(F::ClockNotSet)));
        assert_eq!(check(&v, pem!("cn-only"), "micropython.local"), Err(Some(F::ClockNotSet)));
    }
    let v = client(&[ROOT], VerifyMode::Required).with_clock(no_clock);
    assert_eq!(check_client(&v, pem!("client")), Err(Some(F::ClockNotSet)));
    // Mode None needs no clock.
    let v = server(&[ROOT], VerifyMode::None).with_clock(no_clock);
    assert_eq!(check(&v, pem!("leaf-p384"), "localhost"), Ok(()));
}

#[test]
fn epoch_reads_as_clock_not_set() {
    fn epoch() -> Option<u64> {
        Some(0)
    }
    let v = server(&[ROOT], VerifyMode::Required).with_clock(epoch);
    assert_eq!(check(&v, pem!("leaf-p384"), "localhost"), Err(Some(F::ClockNotSet)));
}

#[test]
fn default_clock_is_the_port() {
    use crate::port::test_port::FAKE_TIME;
    let v = ServerVerifier::new(store(&[ROOT]), VerifyMode::Required, algs());
    // FAKE_TIME is shared by every test in the crate; only assert while
    // nobody else has pinned it (we never change it here).
    let before = FAKE_TIME.load(Ordering::SeqCst);
    let result = check(&v, pem!("leaf-p384"), "localhost");
    if before == -2 && FAKE_TIME.load(Ordering::SeqCst) == -2 {
        assert_eq!(result, Ok(()));
    }
}

// --- rule 5: modes -----------------------------------------------------------

#[test]
fn client_mode_none_accepts_anything() {
    let v = server(&[], VerifyMode::None);
    for chain in [pem!("untrusted"), pem!("expired"), pem!("wrong-host"), pem!("cn-only")] {
        assert_eq!(check(&v, chain, "localhost"), Ok(()));
    }
    let chain = vec![CertificateDer::from(vec![1, 2, 3])];
    assert_eq!(check_chain(&v, &chain, "localhost"), Ok(()));
}

#[test]
fn client_mode_optional_is_required() {
    let v = server(&[ROOT], VerifyMode::Optional);
    assert_eq!(check(&v, pem!("leaf-p384"), "localhost"), Ok(()));
    assert_eq!(check(&v, pem!("untrusted"), "localhost"), Err(Some(F::UnknownIssuer)));
    assert_eq!(check(&v, pem!("wrong-host"), "localhost"), Err(Some(F::HostnameMismatch)));
    assert_eq!(check(&v, pem!("expired"), "localhost"), Err(Some(F::Expired)));
}

#[test]
fn server_side_modes() {
    let none = client(&[ROOT], VerifyMode::None);
    assert!(!none.offer_client_auth());
    assert!(!none.client_auth_mandatory());
    let opt = client(&[ROOT], VerifyMode::Optional);
    assert!(opt.offer_client_auth());
    assert!(!opt.client_auth_mandatory());
    let req = client(&[ROOT], VerifyMode::Required);
    assert!(req.offer_client_auth());
    assert!(req.client_auth_mandatory());
    for v in [&opt, &req] {
        assert_eq!(check_client(v, pem!("client")), Ok(()));
        assert_eq!(check_client(v, pem!("leaf-p256")), Err(Some(F::UnknownIssuer)));
        assert_eq!(check_client(v, pem!("leaf-p384")), Ok(()));
        assert_eq!(check_client(v, pem!("untrusted")), Err(Some(F::UnknownIssuer)));
        assert_eq!(check_client(v, pem!("expired")), Err(Some(F::Expired)));
        assert_eq!(check_client(v, pem!("server-only")), Err(Some(F::BadUsage)));
        // No hostname rule for clients.
        assert_eq!(check_client(v, pem!("wrong-host")), Ok(()));
    }
    assert_eq!(classify(&Error::NoCertificatesPresented), Some(F::PeerCertRequired));
}

#[test]
fn client_certificate_through_intermediate_and_pinned() {
    let v = client(&[ROOT], VerifyMode::Required);
    assert_eq!(check_client(&v, pem!("leaf-p256-chain")), Ok(()));
    let v = client(&[pem!("cn-only")], VerifyMode::Required);
    assert_eq!(check_client(&v, pem!("cn-only")), Ok(()));
    let v = v.with_clock(y2125);
    assert_eq!(check_client(&v, pem!("cn-only")), Err(Some(F::Expired)));
}

#[test]
fn root_hints_are_trusted_subjects() {
    let v = client(&[ROOT, pem!("cn-only")], VerifyMode::Required);
    let hints = v.root_hint_subjects();
    assert_eq!(hints.len(), 2);
    let root = one(ROOT);
    let ee = webpki::EndEntityCert::try_from(&root).unwrap();
    assert_eq!(hints[0].as_ref(), DistinguishedName::in_sequence(ee.subject()).as_ref());
    // DER of a Name: SEQUENCE { SET { ... } ... }
    assert_eq!(hints[1].as_ref()[0], 0x30);
}

#[test]
fn verify_mode_values() {
    assert_eq!(VerifyMode::from_u8(0), Some(VerifyMode::None));
    assert_eq!(VerifyMode::from_u8(1), Some(VerifyMode::Optional));
    assert_eq!(VerifyMode::from_u8(2), Some(VerifyMode::Required));
    assert_eq!(VerifyMode::from_u8(3), None);
    assert_eq!(VerifyMode::Required as u8, 2);
}

#[test]
fn store_refuses_garbage_trusted_cert() {
    let bad = vec![CertificateDer::from(vec![0x30, 0x00])];
    assert!(!TrustStore::default().add(&bad));
}

// --- rule 6: callback ---------------------------------------------------------

#[test]
fn callback_sees_chain_and_can_reject() {
    static CALLS: Mutex<Vec<(usize, usize)>> = Mutex::new(Vec::new());
    let cb: VerifyCallback = Arc::new(|der: &[u8], depth: usize| {
        CALLS.lock().unwrap().push((depth, der.len()));
        true
    });
    let chain = certs(pem!("leaf-p256-chain"));
    let v = server(&[ROOT], VerifyMode::Required).with_callback(Some(cb));
    assert_eq!(check(&v, pem!("leaf-p256-chain"), "localhost"), Ok(()));
    assert_eq!(*CALLS.lock().unwrap(), vec![(0, chain[0].as_ref().len()), (1, chain[1].as_ref().len())]);
    // Not called when our checks fail.
    CALLS.lock().unwrap().clear();
    assert_eq!(check(&v, pem!("untrusted"), "localhost"), Err(Some(F::UnknownIssuer)));
    assert!(CALLS.lock().unwrap().is_empty());

    let reject_intermediates: VerifyCallback = Arc::new(|_: &[u8], depth: usize| depth == 0);
    let v = server(&[ROOT], VerifyMode::Required).with_callback(Some(reject_intermediates.clone()));
    assert_eq!(check(&v, pem!("leaf-p256-chain"), "localhost"), Err(Some(F::RejectedByCallback)));
    assert_eq!(check(&v, pem!("leaf-p384"), "localhost"), Ok(()));
    let v = client(&[ROOT], VerifyMode::Required).with_callback(Some(reject_intermediates));
    assert_eq!(check_client(&v, pem!("leaf-p256-chain")), Err(Some(F::RejectedByCallback)));
}

#[test]
fn callback_in_mode_none() {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let cb: VerifyCallback = Arc::new(|_: &[u8], _| {
        CALLS.fetch_add(1, Ordering::SeqCst);
        false
    });
    let v = server(&[], VerifyMode::None).with_callback(Some(cb));
    assert_eq!(check(&v, pem!("untrusted"), "localhost"), Err(Some(F::RejectedByCallback)));
    assert_eq!(CALLS.load(Ordering::SeqCst), 1);
}

// --- handshake signatures -------------------------------------------------------

fn tls13(v: &ServerVerifier, cert: &[u8], scheme: SignatureScheme, sig: &[u8], msg: &[u8]) -> Result<(), Error> {
    v.verify_tls13_signature(msg, &one(cert), &dss(scheme, sig)).map(|_| ())
}
fn tls12(v: &ServerVerifier, cert: &[u8], scheme: SignatureScheme, sig: &[u8], msg: &[u8]) -> Result<(), Error> {
    v.verify_tls12_signature(msg, &one(cert), &dss(scheme, sig)).map(|_| ())
}

#[test]
fn handshake_signatures_good() {
    use SignatureScheme as S;
    for mode in [VerifyMode::None, VerifyMode::Required] {
        let v = server(&[], mode);
        tls13(&v, pem!("leaf-p256"), S::ECDSA_NISTP256_SHA256, sig!("leaf-p256.ecdsa-sha256"), MSG).unwrap();
        tls13(&v, pem!("leaf-p384"), S::ECDSA_NISTP384_SHA384, sig!("leaf-p384.ecdsa-sha384"), MSG).unwrap();
        tls13(&v, pem!("leaf-rsa2048"), S::RSA_PSS_SHA256, sig!("leaf-rsa2048.pss-sha256"), MSG).unwrap();
        tls13(&v, pem!("leaf-ed25519"), S::ED25519, sig!("leaf-ed25519.ed25519"), MSG).unwrap();
        tls13(&v, pem!("v1-self"), S::ECDSA_NISTP256_SHA256, sig!("v1-self.ecdsa-sha256"), MSG).unwrap();
        tls13(&v, pem!("cn-only"), S::ECDSA_NISTP256_SHA256, sig!("cn-only.ecdsa-sha256"), MSG).unwrap();
        tls12(&v, pem!("leaf-p256"), S::ECDSA_NISTP256_SHA256, sig!("leaf-p256.ecdsa-sha256"), MSG).unwrap();
        tls12(&v, pem!("leaf-rsa2048"), S::RSA_PKCS1_SHA256, sig!("leaf-rsa2048.pkcs1-sha256"), MSG).unwrap();
        tls12(&v, pem!("leaf-rsa2048"), S::RSA_PSS_SHA256, sig!("leaf-rsa2048.pss-sha256"), MSG).unwrap();
    }
    let c = client(&[ROOT], VerifyMode::Required);
    let cert = one(pem!("leaf-p256"));
    let d = dss(S::ECDSA_NISTP256_SHA256, sig!("leaf-p256.ecdsa-sha256"));
    c.verify_tls13_signature(MSG, &cert, &d).unwrap();
    c.verify_tls12_signature(MSG, &cert, &d).unwrap();
}

#[test]
fn handshake_signatures_bad() {
    use SignatureScheme as S;
    let v = server(&[], VerifyMode::None);
    let mut msg = MSG.to_vec();
    msg[0] ^= 1;
    let bad = |r: Result<(), Error>| classify(&r.unwrap_err());
    // Wrong message.
    assert_eq!(
        bad(tls13(&v, pem!("leaf-p256"), S::ECDSA_NISTP256_SHA256, sig!("leaf-p256.ecdsa-sha256"), &msg)),
        Some(F::BadSignature)
    );
    assert_eq!(
        bad(tls13(&v, pem!("leaf-ed25519"), S::ED25519, sig!("leaf-ed25519.ed25519"), &msg)),
        Some(F::BadSignature)
    );
    assert_eq!(
        bad(tls13(&v, pem!("leaf-rsa2048"), S::RSA_PSS_SHA256, sig!("leaf-rsa2048.pss-sha256"), &msg)),
        Some(F::BadSignature)
    );
    // Someone else's key.
    assert_eq!(
        bad(tls13(&v, pem!("cn-only"), S::ECDSA_NISTP256_SHA256, sig!("leaf-p256.ecdsa-sha256"), MSG)),
        Some(F::BadSignature)
    );
    // Scheme that does not fit the key.
    assert_eq!(
        bad(tls13(&v, pem!("leaf-p256"), S::ED25519, sig!("leaf-p256.ecdsa-sha256"), MSG)),
        Some(F::BadSignature)
    );
    // TLS 1.3: the scheme fixes the curve.
    assert_eq!(
        bad(tls13(&v, pem!("leaf-p384"), S::ECDSA_NISTP256_SHA256, sig!("leaf-p384.ecdsa-sha384"), MSG)),
        Some(F::BadSignature)
    );
    // TLS 1.3 refuses RSA-PKCS#1.
    let err = tls13(&v, pem!("leaf-rsa2048"), S::RSA_PKCS1_SHA256, sig!("leaf-rsa2048.pkcs1-sha256"), MSG).unwrap_err();
    assert!(matches!(err, Error::PeerMisbehaved(_)));
    // A scheme the provider does not have.
    let err = tls12(&v, pem!("leaf-p256"), S::ECDSA_SHA1_Legacy, sig!("leaf-p256.ecdsa-sha256"), MSG).unwrap_err();
    assert!(matches!(err, Error::PeerMisbehaved(_)));
    // Garbage certificate, truncated or empty signature.
    let d = dss(S::ECDSA_NISTP256_SHA256, sig!("leaf-p256.ecdsa-sha256"));
    let err = v.verify_tls13_signature(MSG, &CertificateDer::from(vec![0x30, 0x00]), &d).unwrap_err();
    assert_eq!(classify(&err), Some(F::Invalid));
    let s = sig!("leaf-p256.ecdsa-sha256");
    assert_eq!(
        bad(tls13(&v, pem!("leaf-p256"), S::ECDSA_NISTP256_SHA256, &s[..s.len() - 1], MSG)),
        Some(F::BadSignature)
    );
    assert_eq!(bad(tls13(&v, pem!("leaf-p256"), S::ECDSA_NISTP256_SHA256, &[], MSG)), Some(F::BadSignature));
}

#[test]
fn supported_schemes_are_the_providers() {
    let v = server(&[], VerifyMode::Required);
    assert_eq!(v.supported_verify_schemes(), algs().supported_schemes());
    let c = client(&[], VerifyMode::Required);
    assert_eq!(c.supported_verify_schemes(), algs().supported_schemes());
    assert!(!v.supported_verify_schemes().is_empty());
}

// --- the DER reader -------------------------------------------------------------

#[test]
fn reads_dates_and_names() {
    let root = one(ROOT);
    let info = CertInfo::parse(root.as_ref()).unwrap();
    assert_eq!(info.not_before, 1_704_067_200); // 2024-01-01, UTCTime
    assert_eq!(info.not_after, 4_859_740_800); // 2124-01-01, GeneralizedTime
    assert_eq!(common_names(info.subject), vec!["modssl test root-ca"]);
    assert!(!info.has_san);
    let expired = one(pem!("expired"));
    let info = CertInfo::parse(expired.as_ref()).unwrap();
    assert_eq!(info.not_before, 946_684_800);
    assert_eq!(info.not_after, 978_307_200);
    assert!(info.has_san);
    let v1 = one(pem!("v1-self"));
    let info = CertInfo::parse(v1.as_ref()).unwrap();
    assert_eq!(common_names(info.subject), vec!["v1.local"]);
    assert_eq!(info.issuer, info.subject);
}

#[test]
fn time_parsing() {
    assert_eq!(parse_time(asn1::UTC_TIME, b"700101000000Z"), Some(0));
    assert_eq!(parse_time(asn1::UTC_TIME, b"691231235959Z"), Some(0)); // 1969 clamps
    assert_eq!(parse_time(asn1::UTC_TIME, b"491231235959Z"), Some(2_524_607_999));
    assert_eq!(parse_time(asn1::GENERALIZED_TIME, b"20000229120000Z"), Some(951_825_600));
    assert_eq!(parse_time(asn1::GENERALIZED_TIME, b"21000229120000Z"), None); // not leap
    assert_eq!(parse_time(asn1::GENERALIZED_TIME, b"20241301000000Z"), None);
    assert_eq!(parse_time(asn1::GENERALIZED_TIME, b"20240101000000+"), None);
    assert_eq!(parse_time(asn1::UTC_TIME, b"2401010000Z"), None);
    assert_eq!(parse_time(asn1::UTC_TIME, b"24010100000aZ"), None);
    assert_eq!(parse_time(asn1::UTC_TIME, b"240101246000Z"), None);
    assert_eq!(parse_time(0x04, b"240101000000Z"), None);
}

#[test]
fn der_reader_never_panics_on_mutations() {
    let v = server(&[ROOT, pem!("cn-only")], VerifyMode::Required);
    for src in [pem!("leaf-p256"), pem!("cn-only"), pem!("v1-self")] {
        let der = one(src).as_ref().to_vec();
        for i in 0..der.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut d = der.clone();
                d[i] ^= flip;
                let _ = CertInfo::parse(&d);
                let chain = vec![CertificateDer::from(d)];
                let _ = check_chain(&v, &chain, "localhost");
            }
        }
        for cut in 0..der.len() {
            let _ = CertInfo::parse(&der[..cut]);
        }
    }
}

/// Rule 7: raw public keys (RFC 7250).  The key must be one of ours, and
/// the handshake signature must be its own.
#[cfg(feature = "rpk")]
#[test]
fn raw_public_keys() {
    let key = |pem: &[u8]| crate::crypto::keys::load_signing_key(pem).unwrap();
    let (ours, other) = (
        key(include_bytes!("../../tests-data/certs/leaf-p256.key")),
        key(include_bytes!("../../tests-data/certs/client.key")),
    );
    let spki = |k: &alloc::sync::Arc<dyn rustls::sign::SigningKey>| {
        CertificateDer::from(k.public_key().unwrap().as_ref().to_vec())
    };
    let mut trusted = TrustStore::default();
    trusted.add_keys(vec![spki(&ours).to_vec()]);
    let trusted = Arc::new(trusted);
    // Any name, and no clock: neither is asked.
    let v = ServerVerifier::new(trusted.clone(), VerifyMode::Required, crate::crypto::sig_algs()).with_clock(no_clock);
    assert!(v.requires_raw_public_keys());
    assert!(v.verify_server_cert(&spki(&ours), &[], &dns("any.example"), &[], unix(0)).is_ok());
    let refused = v.verify_server_cert(&spki(&other), &[], &dns("any.example"), &[], unix(0)).unwrap_err();
    assert_eq!(classify(&refused), Some(F::RawKeyUntrusted));
    // Nothing may come with the key.
    assert!(v.verify_server_cert(&spki(&ours), &[spki(&other)], &dns("x"), &[], unix(0)).is_err());
    // The signature: the key's own verifies, another key's does not.
    let scheme = SignatureScheme::ECDSA_NISTP256_SHA256;
    let sign =
        |k: &alloc::sync::Arc<dyn rustls::sign::SigningKey>| k.choose_scheme(&[scheme]).unwrap().sign(MSG).unwrap();
    assert!(v.verify_tls13_signature(MSG, &spki(&ours), &dss(scheme, &sign(&ours))).is_ok());
    assert!(v.verify_tls13_signature(MSG, &spki(&ours), &dss(scheme, &sign(&other))).is_err());
    assert!(v.verify_tls13_signature(b"another message", &spki(&ours), &dss(scheme, &sign(&ours))).is_err());
    // The client's verifier on a server: the same rule.
    let c = ClientVerifier::new(trusted, VerifyMode::Required, crate::crypto::sig_algs());
    assert!(c.requires_raw_public_keys() && c.root_hint_subjects().is_empty());
    assert!(c.verify_client_cert(&spki(&ours), &[], unix(0)).is_ok());
    assert_eq!(classify(&c.verify_client_cert(&spki(&other), &[], unix(0)).unwrap_err()), Some(F::RawKeyUntrusted));
    // Certificates trusted: no raw keys asked for.
    assert!(!server(&[ROOT], VerifyMode::Required).requires_raw_public_keys());
}
