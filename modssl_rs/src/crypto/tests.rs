//! End-to-end tests of the provider: full rustls handshakes, client and
//! server both on our provider, in memory through rustls' unbuffered API,
//! for every suite, key-exchange group and key type, plus client auth.

use std::path::PathBuf;
use std::sync::Arc;
use std::vec;
use std::vec::Vec;

use rustls::client::UnbufferedClientConnection;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::{UnbufferedServerConnection, WebPkiClientVerifier};
use rustls::unbuffered::{ConnectionState, UnbufferedStatus};
use rustls::{ClientConfig, Error, NamedGroup, RootCertStore, ServerConfig, SupportedProtocolVersion};

use super::*;

fn data(name: &str) -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests-data/keys").join(name)).unwrap()
}

#[derive(Debug)]
struct SystemTime;

impl rustls::time_provider::TimeProvider for SystemTime {
    fn current_time(&self) -> Option<UnixTime> {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok()?;
        Some(UnixTime::since_unix_epoch(now))
    }
}

/// Drive one side until it blocks on the peer.  Appends what it wants to
/// send to `out` and received application data to `recv`; sends `send` once
/// the connection may carry traffic.  Returns true once traffic may flow.
trait Pump {
    fn pump(
        &mut self,
        inbuf: &mut Vec<u8>,
        out: &mut Vec<u8>,
        send: Option<&[u8]>,
        recv: &mut Vec<u8>,
    ) -> Result<bool, Error>;
}

macro_rules! impl_pump {
    ($t:ty) => {
        impl Pump for $t {
            fn pump(
                &mut self,
                inbuf: &mut Vec<u8>,
                out: &mut Vec<u8>,
                mut send: Option<&[u8]>,
                recv: &mut Vec<u8>,
            ) -> Result<bool, Error> {
                let mut buf = vec![0u8; 32 * 1024];
                for _ in 0..200 {
                    let UnbufferedStatus { mut discard, state } = self.process_tls_records(&mut inbuf[..]);
                    let (stop, ready) = match state? {
                        ConnectionState::EncodeTlsData(mut s) => {
                            let n = s.encode(&mut buf).unwrap();
                            out.extend_from_slice(&buf[..n]);
                            (false, false)
                        }
                        ConnectionState::TransmitTlsData(t) => {
                            t.done();
                            (false, false)
                        }
                        ConnectionState::BlockedHandshake => (true, false),
                        ConnectionState::ReadTraffic(mut r) => {
                            while let Some(rec) = r.next_record() {
                                let rec = rec?;
                                discard += rec.discard;
                                recv.extend_from_slice(rec.payload);
                            }
                            (false, true)
                        }
                        ConnectionState::WriteTraffic(mut w) => {
                            if let Some(d) = send.take() {
                                let n = w.encrypt(d, &mut buf).unwrap();
                                out.extend_from_slice(&buf[..n]);
                            }
                            (discard == 0, true)
                        }
                        ConnectionState::PeerClosed | ConnectionState::Closed => (true, true),
                        _ => panic!("unexpected connection state"),
                    };
                    inbuf.drain(..discard);
                    if stop {
                        return Ok(ready);
                    }
                }
                panic!("connection made no progress");
            }
        }
    };
}
impl_pump!(UnbufferedClientConnection);
impl_pump!(UnbufferedServerConnection);

/// Handshake, then "ping" client->server and "pong" back.  Returns the
/// negotiated suite and group.
fn connect(client: ClientConfig, server: ServerConfig) -> Result<(rustls::CipherSuite, NamedGroup), Error> {
    let name = ServerName::try_from("localhost").unwrap();
    let mut c = UnbufferedClientConnection::new(Arc::new(client), name)?;
    let mut s = UnbufferedServerConnection::new(Arc::new(server))?;
    let (mut c_in, mut s_in, mut c_recv, mut s_recv) = (vec![], vec![], vec![], vec![]);
    let mut done = false;
    for _ in 0..20 {
        let mut out = vec![];
        let c_ready = c.pump(&mut c_in, &mut out, None, &mut c_recv)?;
        s_in.extend(out);
        let mut out = vec![];
        let s_ready = s.pump(&mut s_in, &mut out, None, &mut s_recv)?;
        c_in.extend(out);
        if c_ready && s_ready && c_in.is_empty() && s_in.is_empty() {
            done = true;
            break;
        }
    }
    assert!(done, "handshake did not finish");
    let mut out = vec![];
    c.pump(&mut c_in, &mut out, Some(b"ping"), &mut c_recv)?;
    s_in.extend(out);
    let mut out = vec![];
    s.pump(&mut s_in, &mut out, Some(b"pong"), &mut s_recv)?;
    c_in.extend(out);
    c.pump(&mut c_in, &mut vec![], None, &mut c_recv)?;
    assert_eq!(s_recv, b"ping");
    assert_eq!(c_recv, b"pong");
    let suite = c.negotiated_cipher_suite().unwrap().suite();
    assert_eq!(s.negotiated_cipher_suite().unwrap().suite(), suite);
    let group = c.negotiated_key_exchange_group().unwrap().name();
    Ok((suite, group))
}

/// Our provider cut down to one suite and one group, to force them.
fn narrowed(suite: Option<SupportedCipherSuite>, group: Option<NamedGroup>) -> Arc<CryptoProvider> {
    let mut p = provider();
    if let Some(suite) = suite {
        p.cipher_suites.retain(|s| s.suite() == suite.suite());
    }
    if let Some(group) = group {
        p.kx_groups.retain(|g| g.name() == group);
    }
    Arc::new(p)
}

static TLS13_ONLY: &[&SupportedProtocolVersion] = &[&rustls::version::TLS13];
#[cfg(feature = "tls12")]
static TLS12_ONLY: &[&SupportedProtocolVersion] = &[&rustls::version::TLS12];

fn versions(tls12: bool) -> &'static [&'static SupportedProtocolVersion] {
    #[cfg(feature = "tls12")]
    if tls12 {
        return TLS12_ONLY;
    }
    let _ = tls12;
    TLS13_ONLY
}

fn roots() -> RootCertStore {
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from(data("ca.der"))).unwrap();
    roots
}

fn client_config(p: Arc<CryptoProvider>, tls12: bool) -> ClientConfig {
    ClientConfig::builder_with_details(p, Arc::new(SystemTime))
        .with_protocol_versions(versions(tls12))
        .unwrap()
        .with_root_certificates(roots())
        .with_no_client_auth()
}

fn server_config(p: Arc<CryptoProvider>, tls12: bool, key: &str) -> Result<ServerConfig, Error> {
    let chain = vec![CertificateDer::from(data(&format!("leaf-{key}.der")))];
    let key = keys::load_private_key(&data(&format!("{key}.pkcs8.pem"))).unwrap();
    ServerConfig::builder_with_details(p, Arc::new(SystemTime))
        .with_protocol_versions(versions(tls12))
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
}

#[test]
fn every_tls13_suite_and_group() {
    let suites = [
        rustls_rustcrypto::TLS13_AES_128_GCM_SHA256,
        rustls_rustcrypto::TLS13_CHACHA20_POLY1305_SHA256,
        rustls_rustcrypto::TLS13_AES_256_GCM_SHA384,
    ];
    // Both ends with the whole provider agree on its first group.
    let first = provider().kx_groups[0].name();
    for suite in suites {
        let p = narrowed(Some(suite), None);
        let got = connect(client_config(p.clone(), false), server_config(p, false, "p256").unwrap()).unwrap();
        assert_eq!(got, (suite.suite(), first));
    }
    // The fuzz provider leaves the hybrid out (crypto/fuzz.rs).
    #[cfg(all(feature = "pq", not(feature = "fuzz")))]
    let groups = [NamedGroup::X25519MLKEM768, NamedGroup::X25519, NamedGroup::secp256r1, NamedGroup::secp384r1];
    #[cfg(not(all(feature = "pq", not(feature = "fuzz"))))]
    let groups = [NamedGroup::X25519, NamedGroup::secp256r1, NamedGroup::secp384r1];
    for group in groups {
        let p = narrowed(None, Some(group));
        let got = connect(client_config(p.clone(), false), server_config(p, false, "p256").unwrap()).unwrap();
        assert_eq!(got, (rustls::CipherSuite::TLS13_AES_128_GCM_SHA256, group));
    }
}

#[test]
fn every_key_type_tls13() {
    for key in ["rsa2048", "p256", "p384", "ed25519"] {
        let p = Arc::new(provider());
        connect(client_config(p.clone(), false), server_config(p, false, key).unwrap())
            .unwrap_or_else(|e| panic!("{key}: {e:?}"));
    }
}

#[cfg(feature = "tls12")]
#[test]
fn every_tls12_suite_and_key_type() {
    use rustls_rustcrypto as rc;
    for (suite, key) in [
        (rc::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "p256"),
        (rc::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "p384"),
        (rc::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ed25519"),
        (rc::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "rsa2048"),
        (rc::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "rsa2048"),
        (rc::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "rsa2048"),
    ] {
        let p = narrowed(Some(suite), None);
        let got = connect(client_config(p.clone(), true), server_config(p, true, key).unwrap())
            .unwrap_or_else(|e| panic!("{key}: {e:?}"));
        assert_eq!(got.0, suite.suite());
    }
    // P-384 key exchange in TLS 1.2 too.
    let p = narrowed(None, Some(NamedGroup::secp384r1));
    let got = connect(client_config(p.clone(), true), server_config(p, true, "p256").unwrap()).unwrap();
    assert_eq!(got.1, NamedGroup::secp384r1);
}

#[test]
fn client_certificates() {
    for (tls12, key) in [(false, "p384"), (true, "rsa2048"), (false, "ed25519")] {
        if tls12 && !cfg!(feature = "tls12") {
            continue;
        }
        let p = Arc::new(provider());
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots()), p.clone()).build().unwrap();
        let server = ServerConfig::builder_with_details(p.clone(), Arc::new(SystemTime))
            .with_protocol_versions(versions(tls12))
            .unwrap()
            .with_client_cert_verifier(verifier)
            .with_single_cert(
                vec![CertificateDer::from(data("leaf-p256.der"))],
                keys::load_private_key(&data("p256.sec1.pem")).unwrap(),
            )
            .unwrap();
        let client = ClientConfig::builder_with_details(p, Arc::new(SystemTime))
            .with_protocol_versions(versions(tls12))
            .unwrap()
            .with_root_certificates(roots())
            .with_client_auth_cert(
                vec![CertificateDer::from(data(&format!("leaf-{key}.der")))],
                keys::load_private_key(&data(&format!("{key}.pkcs8.der"))).unwrap(),
            )
            .unwrap();
        connect(client, server).unwrap_or_else(|e| panic!("{key}: {e:?}"));
    }
}

#[test]
fn untrusted_server_is_refused() {
    let p = Arc::new(provider());
    let mut other_roots = RootCertStore::empty();
    // A self-contained root that did not issue the server's certificate.
    other_roots.add(CertificateDer::from(data("leaf-p384.der"))).ok();
    let client = ClientConfig::builder_with_details(p.clone(), Arc::new(SystemTime))
        .with_protocol_versions(versions(false))
        .unwrap()
        .with_root_certificates(other_roots)
        .with_no_client_auth();
    let err = connect(client, server_config(p, false, "p256").unwrap()).unwrap_err();
    assert!(matches!(err, Error::InvalidCertificate(_)), "{err:?}");
}

#[test]
fn key_not_matching_certificate_is_refused() {
    // rustls compares our `SigningKey::public_key()` with the certificate.
    let p = Arc::new(provider());
    let err = ServerConfig::builder_with_details(p, Arc::new(SystemTime))
        .with_protocol_versions(versions(false))
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(data("leaf-p256.der"))],
            keys::load_private_key(&data("p384.pkcs8.pem")).unwrap(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)), "{err:?}");
}

#[test]
fn provider_shape() {
    let p = provider();
    let names: Vec<_> = p.cipher_suites.iter().map(|s| s.suite()).collect();
    assert_eq!(
        names[..3],
        [
            rustls::CipherSuite::TLS13_AES_128_GCM_SHA256,
            rustls::CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
            rustls::CipherSuite::TLS13_AES_256_GCM_SHA384
        ]
    );
    assert_eq!(names.len(), if cfg!(feature = "tls12") { 9 } else { 3 });
    let groups: Vec<_> = p.kx_groups.iter().map(|g| g.name()).collect();
    let mut expect = vec![NamedGroup::X25519, NamedGroup::secp256r1, NamedGroup::secp384r1];
    if cfg!(feature = "pq") && !cfg!(feature = "fuzz") {
        expect.insert(0, NamedGroup::X25519MLKEM768);
    }
    assert_eq!(groups, expect);
    assert!(!p.fips());
    // Every mapped verifier is also in `all`.
    for (_, algs) in SUPPORTED_SIG_ALGS.mapping {
        for a in *algs {
            assert!(SUPPORTED_SIG_ALGS.all.iter().any(|b| core::ptr::addr_eq(*a, *b)));
        }
    }
}
