//! One-shot SHA-2 digests for the signature code (verify.rs, sign.rs).
//!
//! Every signature algorithm here hashes with sha2 0.10 and hands the digest
//! to a "prehash" primitive.  That keeps exactly one SHA-2 implementation in
//! the image (the one the rustls-rustcrypto cipher suites already use for
//! HKDF/PRF), even for p384 0.14, whose own digest dependency is sha2 0.11:
//! see docs/measurements.md, "The crypto primitives".

use sha2::Digest as _;

/// The hash functions TLS signature schemes use with our key types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// SHA-512 is for RSA signatures only.
#[cfg_attr(not(feature = "rsa"), allow(dead_code))]
pub(crate) enum HashAlg {
    Sha256,
    Sha384,
    Sha512,
}

/// A digest of up to 64 bytes, on the stack (no allocation per signature).
pub(crate) struct Digest {
    bytes: [u8; 64],
    len: usize,
}

impl Digest {
    pub(crate) fn as_slice(&self) -> &[u8] {
        // `len` is only ever 32, 48 or 64; `get` keeps this panic-free anyway.
        self.bytes.get(..self.len).unwrap_or(&[])
    }
}

impl HashAlg {
    pub(crate) fn digest(self, message: &[u8]) -> Digest {
        let mut out = Digest { bytes: [0u8; 64], len: 0 };
        let copy = |out: &mut Digest, d: &[u8]| {
            for (o, i) in out.bytes.iter_mut().zip(d) {
                *o = *i;
            }
            out.len = d.len();
        };
        match self {
            HashAlg::Sha256 => copy(&mut out, &sha2::Sha256::digest(message)),
            HashAlg::Sha384 => copy(&mut out, &sha2::Sha384::digest(message)),
            HashAlg::Sha512 => copy(&mut out, &sha2::Sha512::digest(message)),
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_known_answer() {
        assert_eq!(HashAlg::Sha256.digest(b"abc").as_slice().len(), 32);
        assert_eq!(HashAlg::Sha384.digest(b"abc").as_slice().len(), 48);
        assert_eq!(HashAlg::Sha512.digest(b"abc").as_slice().len(), 64);
        // FIPS 180-2 "abc" vector, first bytes.
        assert_eq!(&HashAlg::Sha256.digest(b"abc").as_slice()[..4], &[0xba, 0x78, 0x16, 0xbf]);
    }
}
