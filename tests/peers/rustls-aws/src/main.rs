//! A rustls peer on the aws-lc-rs provider, for tests/test_pq.py.
//!
//!   rustls-aws-peer server CERT KEY GROUPS [CONNECTIONS]
//!       listens on 127.0.0.1 (prints "PORT n"), and for each connection
//!       completes the handshake, prints "GROUP name VERSION v", echoes
//!       what it reads until the client's close_notify, answers with its own
//!   rustls-aws-peer client CA HOST PORT GROUPS
//!       connects, verifies the server against CA for HOST, prints "GROUP
//!       name VERSION v", sends "ping from rustls", prints "ECHO text" of
//!       the answer, closes
//!
//! GROUPS, in preference order: "pq" (X25519MLKEM768, then X25519),
//! "mlkem" (X25519MLKEM768 only), "classic" (X25519, secp256r1).
//!
//! Certificate compression (RFC 8879, rustls' zlib; tests/test_cert_compress.py),
//! set by the environment, off when unset:
//!   PEER_CERT_COMPRESS=on       offer and accept zlib; a server prints
//!                               "COMPRESSED in N out M" when it compresses its
//!                               chain, a client "DECOMPRESSED in N out M" when
//!                               it inflates the server's
//!   PEER_CERT_COMPRESS=bomb|short|corrupt
//!                               a hostile server: its chain compressed with
//!                               64 KiB of "ZIPBOMB!" after it / one byte short /
//!                               a byte of the stream flipped
//!   PEER_CHAIN_PAD=N            a server sends its last certificate N more
//!                               times (a chain near 64 KiB that compresses
//!                               to a few KB)
//! and both modes print "WIRE sent N received M" (bytes on the TCP stream,
//! handshake included) when the connection ends.
//!
//! Raw public keys (RFC 7250): `server-rpk`, `client-rpk` (src/rpk.rs).
use std::io::{BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

use rustls::crypto::aws_lc_rs::{self, kx_group};
use rustls::crypto::{CryptoProvider, SupportedKxGroup};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConnection, ServerConnection, StreamOwned};

mod cert_compress;
mod rpk;
use cert_compress::Counted;

fn provider(groups: &str) -> Arc<CryptoProvider> {
    let kx: Vec<&'static dyn SupportedKxGroup> = match groups {
        "pq" => vec![kx_group::X25519MLKEM768, kx_group::X25519],
        "mlkem" => vec![kx_group::X25519MLKEM768],
        "classic" => vec![kx_group::X25519, kx_group::SECP256R1],
        other => panic!("unknown groups {other}"),
    };
    Arc::new(CryptoProvider { kx_groups: kx, ..aws_lc_rs::default_provider() })
}

fn group_line(common: &rustls::CommonState) -> String {
    let group = common.negotiated_key_exchange_group().map(|g| format!("{:?}", g.name())).unwrap_or("none".into());
    let version = common.protocol_version().map(|v| format!("{v:?}")).unwrap_or("none".into());
    format!("GROUP {group} VERSION {version}")
}

fn server(cert: &str, key: &str, groups: &str, connections: usize) {
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(cert).expect("cert file").map(|c| c.expect("cert")).collect();
    let chain = cert_compress::pad_chain(chain);
    let key = PrivateKeyDer::from_pem_file(key).expect("key file");
    let mut config = rustls::ServerConfig::builder_with_provider(provider(groups))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server certificate");
    cert_compress::server_config(&mut config);
    serve(Arc::new(config), connections, group_line);
}

/// Listens on 127.0.0.1 (prints "PORT n"); for each of `connections`
/// clients: the handshake, `line` of the connection once it has read
/// something, an echo of what it reads until the client's close_notify, its
/// own close_notify, the bytes on the wire.
pub fn serve(config: Arc<rustls::ServerConfig>, connections: usize, line: fn(&rustls::CommonState) -> String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    println!("PORT {}", listener.local_addr().unwrap().port());
    std::io::stdout().flush().unwrap();
    for stream in listener.incoming().take(connections) {
        let conn = ServerConnection::new(config.clone()).unwrap();
        let mut tls = StreamOwned::new(conn, Counted::new(stream.unwrap()));
        let mut buf = [0u8; 4096];
        let mut told = false;
        loop {
            match tls.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if !told {
                        println!("{}", line(&tls.conn));
                        told = true;
                    }
                    if tls.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    println!("ERROR {e}");
                    break;
                }
            }
        }
        tls.conn.send_close_notify();
        let _ = tls.flush();
        tls.sock.report();
        std::io::stdout().flush().unwrap();
    }
}

fn client(ca: &str, host: &str, port: u16, groups: &str) {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(ca).expect("ca file") {
        roots.add(c.expect("ca")).unwrap();
    }
    let mut config = rustls::ClientConfig::builder_with_provider(provider(groups))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    cert_compress::client_config(&mut config);
    let name = ServerName::try_from(host.to_string()).unwrap();
    let conn = ClientConnection::new(Arc::new(config), name).unwrap();
    let sock = Counted::new(TcpStream::connect(("127.0.0.1", port)).unwrap());
    let mut tls = StreamOwned::new(conn, sock);
    if let Err(e) = tls.write_all(b"ping from rustls").and_then(|_| tls.flush()) {
        println!("ERROR {e}");
        return;
    }
    let mut reader = BufReader::new(&mut tls);
    let mut buf = [0u8; 64];
    match reader.read(&mut buf) {
        Ok(n) => {
            println!("{}", group_line(&tls.conn));
            println!("ECHO {}", String::from_utf8_lossy(&buf[..n]));
        }
        Err(e) => println!("ERROR {e}"),
    }
    tls.conn.send_close_notify();
    let _ = tls.flush();
    tls.sock.report();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("server") => server(&args[2], &args[3], &args[4], args.get(5).map_or(usize::MAX, |n| n.parse().unwrap())),
        Some("client") => client(&args[2], &args[3], args[4].parse().unwrap(), &args[5]),
        Some("server-rpk") => {
            rpk::server(&args[2], &args[3], &args[4], args.get(5).map_or(usize::MAX, |n| n.parse().unwrap()))
        }
        Some("client-rpk") => rpk::client(&args[2], args[3].parse().unwrap(), &args[4], &args[5]),
        _ => {
            eprintln!(
                "usage: rustls-aws-peer server CERT KEY GROUPS [N] | client CA HOST PORT GROUPS \
                 | server-rpk SPKI KEY TRUSTED|- [N] | client-rpk TRUSTED PORT SPKI|- KEY|-"
            );
            std::process::exit(2);
        }
    }
}
