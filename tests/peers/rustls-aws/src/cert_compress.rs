//! Certificate compression for the peer (tests/test_cert_compress.py): the
//! modes of PEER_CERT_COMPRESS and PEER_CHAIN_PAD (main.rs), rustls' own
//! zlib (the `zlib` feature, zlib-rs) wrapped to print what it did, the
//! hostile compressors, and a stream that counts the bytes on the wire.
use std::io::{Read, Write};
use std::net::TcpStream;

use rustls::compress::{
    CertCompressor, CertDecompressor, CompressionFailed, CompressionLevel, DecompressionFailed, ZLIB_COMPRESSOR,
    ZLIB_DECOMPRESSOR,
};
use rustls::pki_types::CertificateDer;
use rustls::CertificateCompressionAlgorithm;

fn mode() -> String {
    std::env::var("PEER_CERT_COMPRESS").unwrap_or_else(|_| "off".into())
}

/// What a server compresses its chain into, by mode.
#[derive(Debug)]
struct Server(fn(Vec<u8>) -> Vec<u8>);

impl CertCompressor for Server {
    fn compress(&self, input: Vec<u8>, level: CompressionLevel) -> Result<Vec<u8>, CompressionFailed> {
        let n = input.len();
        let out = (self.0)(input);
        let _ = level;
        println!("COMPRESSED in {n} out {}", out.len());
        Ok(out)
    }
    fn algorithm(&self) -> CertificateCompressionAlgorithm {
        CertificateCompressionAlgorithm::Zlib
    }
}

fn zlib(data: Vec<u8>) -> Vec<u8> {
    ZLIB_COMPRESSOR.compress(data, CompressionLevel::Amortized).expect("zlib")
}

static ON: Server = Server(zlib);
// 64 KiB of a repeated pattern: it starts with a literal, so the stream
// goes on with new bytes, not with a back reference running past the end.
static BOMB: Server = Server(|mut chain| {
    chain.extend(b"ZIPBOMB!".repeat(8192));
    zlib(chain)
});
static SHORT: Server = Server(|mut chain| {
    chain.pop();
    zlib(chain)
});
static CORRUPT: Server = Server(|chain| {
    let mut z = zlib(chain);
    let n = z.len();
    z[n / 2] ^= 0x40;
    z
});

/// A client's decompressor: rustls', printing what it inflated.
#[derive(Debug)]
struct Client;

impl CertDecompressor for Client {
    fn decompress(&self, input: &[u8], output: &mut [u8]) -> Result<(), DecompressionFailed> {
        let r = ZLIB_DECOMPRESSOR.decompress(input, output);
        println!("DECOMPRESSED in {} out {} {}", input.len(), output.len(), if r.is_ok() { "ok" } else { "failed" });
        r
    }
    fn algorithm(&self) -> CertificateCompressionAlgorithm {
        CertificateCompressionAlgorithm::Zlib
    }
}

static CLIENT: Client = Client;

pub fn server_config(config: &mut rustls::ServerConfig) {
    let compressor: &'static dyn CertCompressor = match mode().as_str() {
        "off" => {
            config.cert_compressors = vec![];
            config.cert_decompressors = vec![];
            return;
        }
        "on" => &ON,
        "bomb" => &BOMB,
        "short" => &SHORT,
        "corrupt" => &CORRUPT,
        other => panic!("PEER_CERT_COMPRESS={other}: on, off, bomb, short, corrupt"),
    };
    config.cert_compressors = vec![compressor];
    config.cert_decompressors = vec![&CLIENT];
    // Every handshake compresses again (and prints it).
    config.cert_compression_cache = std::sync::Arc::new(rustls::compress::CompressionCache::Disabled);
}

pub fn client_config(config: &mut rustls::ClientConfig) {
    match mode().as_str() {
        "off" => {
            config.cert_compressors = vec![];
            config.cert_decompressors = vec![];
        }
        "on" => {
            config.cert_compressors = vec![&ON];
            config.cert_decompressors = vec![&CLIENT];
        }
        other => panic!("PEER_CERT_COMPRESS={other} for a client: on or off"),
    }
}

/// The chain with its last certificate repeated PEER_CHAIN_PAD more times.
pub fn pad_chain(mut chain: Vec<CertificateDer<'static>>) -> Vec<CertificateDer<'static>> {
    let n: usize = std::env::var("PEER_CHAIN_PAD").ok().map_or(0, |n| n.parse().expect("PEER_CHAIN_PAD"));
    let last = chain.last().expect("a chain").clone();
    chain.extend(std::iter::repeat(last).take(n));
    chain
}

/// A TCP stream that counts what crosses it.
pub struct Counted {
    inner: TcpStream,
    sent: usize,
    received: usize,
}

impl Counted {
    pub fn new(inner: TcpStream) -> Counted {
        Counted { inner, sent: 0, received: 0 }
    }

    pub fn report(&self) {
        println!("WIRE sent {} received {}", self.sent, self.received);
    }
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.received += n;
        Ok(n)
    }
}

impl Write for Counted {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sent += n;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
