//! Raw public keys (RFC 7250), for tests/test_rpk.py: rustls' own raw-key
//! resolvers and `verify_tls13_signature_with_raw_key` on aws-lc-rs, so our
//! core's negotiation, SPKI encoding and signatures meet an independent
//! implementation.  Kept apart from main.rs's modes.
//!
//!   rustls-aws-peer server-rpk SPKI KEY TRUSTED|- [CONNECTIONS]
//!       presents the raw key SPKI (PEM `PUBLIC KEY`) signed with KEY;
//!       with TRUSTED (PEM `PUBLIC KEY`s) requires a client raw key among
//!       them.  Prints "PORT n", then per connection "PEER hex|none VERSION
//!       v" before echoing, or "ERROR e"
//!   rustls-aws-peer client-rpk TRUSTED PORT SPKI|- KEY|-
//!       requires a server raw key among TRUSTED; presents SPKI/KEY if
//!       given.  Sends "ping from rustls", prints "PEER hex VERSION v" and
//!       "ECHO text", or "ERROR e"
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{aws_lc_rs, verify_tls13_signature_with_raw_key, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, SubjectPublicKeyInfoDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::sign::CertifiedKey;
use rustls::{
    CertificateError, ClientConnection, DigitallySignedStruct, DistinguishedName, Error, SignatureScheme, StreamOwned,
};

/// Exactly these raw public keys (SPKI DER), either side.
#[derive(Debug)]
struct RawKeys {
    keys: Vec<Vec<u8>>,
    algs: WebPkiSupportedAlgorithms,
}

impl RawKeys {
    fn load(path: &str) -> Arc<RawKeys> {
        let keys = SubjectPublicKeyInfoDer::pem_file_iter(path)
            .expect("trusted keys file")
            .map(|k| k.expect("public key").as_ref().to_vec())
            .collect();
        let algs = aws_lc_rs::default_provider().signature_verification_algorithms;
        Arc::new(RawKeys { keys, algs })
    }

    fn check(&self, key: &CertificateDer<'_>) -> Result<(), Error> {
        if self.keys.iter().any(|k| k.as_slice() == key.as_ref()) {
            Ok(())
        } else {
            Err(Error::InvalidCertificate(CertificateError::UnknownIssuer))
        }
    }

    fn signature(
        &self,
        msg: &[u8],
        key: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature_with_raw_key(msg, &SubjectPublicKeyInfoDer::from(key.as_ref()), dss, &self.algs)
    }
}

impl ServerCertVerifier for RawKeys {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        self.check(end_entity).map(|_| ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        Err(Error::General("raw public keys are TLS 1.3 only".into()))
    }

    fn verify_tls13_signature(
        &self,
        msg: &[u8],
        key: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.signature(msg, key, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        true
    }
}

impl ClientCertVerifier for RawKeys {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        self.check(end_entity).map(|_| ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        Err(Error::General("raw public keys are TLS 1.3 only".into()))
    }

    fn verify_tls13_signature(
        &self,
        msg: &[u8],
        key: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.signature(msg, key, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        true
    }
}

/// The raw key SPKI (PEM) with its private key KEY (PEM).
fn identity(spki: &str, key: &str) -> Arc<CertifiedKey> {
    let spki = SubjectPublicKeyInfoDer::from_pem_file(spki).expect("public key file");
    let key = PrivateKeyDer::from_pem_file(key).expect("key file");
    let key = aws_lc_rs::default_provider().key_provider.load_private_key(key).expect("private key");
    Arc::new(CertifiedKey::new(vec![CertificateDer::from(spki.as_ref().to_vec())], key))
}

fn peer_line(common: &rustls::CommonState) -> String {
    let peer = match common.peer_certificates() {
        Some([key, ..]) => key.as_ref().iter().map(|b| format!("{b:02x}")).collect(),
        _ => "none".to_string(),
    };
    let version = common.protocol_version().map(|v| format!("{v:?}")).unwrap_or("none".into());
    format!("PEER {peer} VERSION {version}")
}

pub fn server(spki: &str, key: &str, trusted: &str, connections: usize) {
    let builder = rustls::ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap();
    let builder = match trusted {
        "-" => builder.with_no_client_auth(),
        path => builder.with_client_cert_verifier(RawKeys::load(path)),
    };
    let config = builder
        .with_cert_resolver(Arc::new(rustls::server::AlwaysResolvesServerRawPublicKeys::new(identity(spki, key))));
    crate::serve(Arc::new(config), connections, peer_line);
}

pub fn client(trusted: &str, port: u16, spki: &str, key: &str) {
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(RawKeys::load(trusted));
    let config = match (spki, key) {
        ("-", _) | (_, "-") => builder.with_no_client_auth(),
        (spki, key) => builder.with_client_cert_resolver(Arc::new(
            rustls::client::AlwaysResolvesClientRawPublicKeys::new(identity(spki, key)),
        )),
    };
    // A raw key carries no name: any name will do.
    let name = ServerName::try_from("rpk.invalid").unwrap();
    let conn = ClientConnection::new(Arc::new(config), name).unwrap();
    let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut tls = StreamOwned::new(conn, sock);
    if let Err(e) = tls.write_all(b"ping from rustls").and_then(|_| tls.flush()) {
        println!("ERROR {e}");
        return;
    }
    let mut buf = [0u8; 64];
    match tls.read(&mut buf) {
        Ok(n) => {
            println!("{}", peer_line(&tls.conn));
            println!("ECHO {}", String::from_utf8_lossy(&buf[..n]));
        }
        Err(e) => println!("ERROR {e}"),
    }
    tls.conn.send_close_notify();
    let _ = tls.flush();
}
