//! Certificate compression (RFC 8879), zlib only (algorithm 1), through the
//! port's zlib: `modssl_port_inflate` for the peer's compressed chain,
//! `modssl_port_deflate` for ours.  MicroPython firmware already carries
//! uzlib (the `deflate` module), so accepting compressed chains costs the
//! core little flash; a port without it says "unsupported" and the
//! configuration then offers nothing (`decompressors()` is empty), as a
//! build without the `cert-compress` feature does.
//!
//! **The bound.**  rustls refuses a `CompressedCertificate` whose declared
//! `uncompressed_length` is over 64 KiB (`RECORD_OVERFLOW`), then allocates
//! the whole output (`vec![0; uncompressed_length]`) before calling us.  That
//! allocation is the connection's (its arena is current during the
//! handshake step), so the connection's budget (`MODSSL_ARENA_LIMIT`) bounds
//! it: a chain too big for the budget is `MemoryError`, and the interpreter
//! and the other connections go on.  The inflater writes only into that
//! buffer and must produce exactly its length: a stream that expands past
//! it, stops short of it, is corrupt or has bytes left over is refused
//! (`CERT_COMPRESSION_INVALID`).  Its work is bounded by the output's
//! length and the input's, so a hostile stream cannot make it spin.
//!
//! **Sending.**  rustls compresses our chain on every handshake in which
//! the peer offered zlib: its cache of compressions
//! (`CompressionCache::Enabled`) needs std, and our compressor is a
//! `&'static` hook that cannot hold a per-context result (a `static`
//! pointing into MicroPython's heap would dangle after a soft reset).  A
//! compression that is not smaller than the chain is not sent (rustls then
//! sends the plain `Certificate`).  Only ports whose firmware has a
//! compressor offer it (unix; the boards' MicroPython is built without
//! `MICROPY_PY_DEFLATE_COMPRESS`).

use alloc::vec;
use alloc::vec::Vec;

use rustls::compress::{CertCompressor, CertDecompressor, CompressionFailed, CompressionLevel, DecompressionFailed};
use rustls::CertificateCompressionAlgorithm;

use crate::ffi::port::{modssl_port_deflate, modssl_port_inflate, PORT_ZLIB_UNSUPPORTED};

/// zlib through the port's hooks.
#[derive(Debug)]
pub struct PortZlib;

/// The one instance rustls' configurations point at (`&'static dyn`).
pub static PORT_ZLIB: PortZlib = PortZlib;

impl CertDecompressor for PortZlib {
    fn decompress(&self, input: &[u8], output: &mut [u8]) -> Result<(), DecompressionFailed> {
        inflate(input, output).then_some(()).ok_or(DecompressionFailed)
    }

    fn algorithm(&self) -> CertificateCompressionAlgorithm {
        CertificateCompressionAlgorithm::Zlib
    }
}

impl CertCompressor for PortZlib {
    fn compress(&self, input: Vec<u8>, _level: CompressionLevel) -> Result<Vec<u8>, CompressionFailed> {
        // Room for no more than the chain itself: a compression that does
        // not save anything is not worth sending.
        let mut out = vec![0u8; input.len()];
        let n = unsafe { modssl_port_deflate(input.as_ptr(), input.len(), out.as_mut_ptr(), out.len()) };
        if n <= 0 || n as usize > out.len() {
            return Err(CompressionFailed);
        }
        out.truncate(n as usize);
        Ok(out)
    }

    fn algorithm(&self) -> CertificateCompressionAlgorithm {
        CertificateCompressionAlgorithm::Zlib
    }
}

/// Inflates `input` into exactly `output` (see `modssl_port_inflate`).
pub fn inflate(input: &[u8], output: &mut [u8]) -> bool {
    // A certificate message is never empty; and the hook is never asked to
    // fill nothing.
    !output.is_empty()
        && unsafe { modssl_port_inflate(input.as_ptr(), input.len(), output.as_mut_ptr(), output.len()) } == 0
}

/// Whether the port can inflate.
pub fn can_inflate() -> bool {
    unsafe { modssl_port_inflate(core::ptr::null(), 0, core::ptr::null_mut(), 0) != PORT_ZLIB_UNSUPPORTED }
}

/// Whether the port can deflate.
pub fn can_deflate() -> bool {
    unsafe { modssl_port_deflate(core::ptr::null(), 0, core::ptr::null_mut(), 0) != PORT_ZLIB_UNSUPPORTED as isize }
}

/// What a configuration accepts from the peer: zlib when the port has it.
pub fn decompressors() -> Vec<&'static dyn CertDecompressor> {
    if can_inflate() {
        vec![&PORT_ZLIB as &'static dyn CertDecompressor]
    } else {
        Vec::new()
    }
}

/// What a configuration may send: zlib when the port can compress.
pub fn compressors() -> Vec<&'static dyn CertCompressor> {
    if can_deflate() {
        vec![&PORT_ZLIB as &'static dyn CertCompressor]
    } else {
        Vec::new()
    }
}
