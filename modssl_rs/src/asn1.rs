//! The little DER the core reads and writes itself: private keys (PKCS#1,
//! SEC1, PKCS#8), RSA public keys, ECDSA signatures, and the few certificate
//! fields of `getpeercert()` (verifier/certinfo.rs).
//!
//! Why not the RustCrypto `der`/`pkcs1`/`pkcs8`/`sec1` crates: their
//! generic decoders cost about 21 KB of thumbv6m flash for these few
//! structures, more than the compact trust store (docs/building.md,
//! "Shrinking flash").  Certificates themselves are parsed by rustls-webpki,
//! never here.
//!
//! Strict DER only: one-byte tags, definite minimal lengths, minimal
//! positive INTEGERs, nothing left over.  Every reader returns `None` on
//! anything else; nothing here panics on any input (`cargo test`'s
//! corruption sweeps, and the keys' differential test against the RustCrypto
//! decoders).

use alloc::vec::Vec;

pub const BOOLEAN: u8 = 0x01;
pub const INTEGER: u8 = 0x02;
pub const BIT_STRING: u8 = 0x03;
pub const OCTET_STRING: u8 = 0x04;
pub const NULL: u8 = 0x05;
pub const OID: u8 = 0x06;
pub const UTC_TIME: u8 = 0x17;
pub const GENERALIZED_TIME: u8 = 0x18;
pub const SEQUENCE: u8 = 0x30;
pub const SET: u8 = 0x31;
/// A certificate's `[0] EXPLICIT Version` and `[3] EXPLICIT Extensions`.
pub const VERSION: u8 = explicit(0);
pub const EXTENSIONS: u8 = explicit(3);
/// `[n]` context-specific, constructed (EXPLICIT, or IMPLICIT over a
/// constructed type).
pub const fn explicit(n: u8) -> u8 {
    0xA0 | n
}
/// `[n]` context-specific, primitive (IMPLICIT over a primitive type).
pub const fn implicit(n: u8) -> u8 {
    0x80 | n
}

/// Read one DER TLV off the front of `data`: (tag, contents, rest).  Only
/// low-number tags (one byte) and definite, minimal lengths of at most four
/// length bytes; `None` for anything else or if `data` is too short.
pub fn read_tlv(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, after_tag) = data.split_first()?;
    if tag & 0x1f == 0x1f {
        return None; // high tag number form
    }
    let (&first, after_first) = after_tag.split_first()?;
    let (len, body) = if first < 0x80 {
        (first as usize, after_first)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return None; // indefinite length, or absurdly long
        }
        let bytes = after_first.get(..n)?;
        if bytes.first() == Some(&0) {
            return None; // not minimal
        }
        let mut len = 0usize;
        for &b in bytes {
            len = (len << 8) | b as usize;
        }
        if len < 0x80 {
            return None; // not minimal
        }
        (len, after_first.get(n..)?)
    };
    if len > body.len() {
        return None;
    }
    let (contents, rest) = body.split_at(len);
    Some((tag, contents, rest))
}

/// Read one element with tag `tag` off the front of `data`: (contents, rest).
pub fn expect(data: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    match read_tlv(data)? {
        (t, contents, rest) if t == tag => Some((contents, rest)),
        _ => None,
    }
}

/// The contents of `data` if it is exactly one element with tag `tag`.
pub fn whole(data: &[u8], tag: u8) -> Option<&[u8]> {
    match expect(data, tag)? {
        (contents, []) => Some(contents),
        _ => None,
    }
}

/// One element: (tag, contents).
pub type Element<'a> = (u8, &'a [u8]);

/// The elements of a constructed value, read in order.
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(contents: &'a [u8]) -> Self {
        Self { rest: contents }
    }

    /// The contents of the next element, which must have tag `tag`.
    pub fn take(&mut self, tag: u8) -> Option<&'a [u8]> {
        let (contents, rest) = expect(self.rest, tag)?;
        self.rest = rest;
        Some(contents)
    }

    /// The next element as (tag, contents), whatever its tag.
    pub fn any(&mut self) -> Option<Element<'a>> {
        let (t, contents, rest) = read_tlv(self.rest)?;
        self.rest = rest;
        Some((t, contents))
    }

    /// The next element's tag, without consuming it.
    pub fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// `Some(contents)` if the next element has tag `tag` (consumed),
    /// `None` if another element or nothing follows (nothing consumed).  A
    /// malformed element with that tag is left for the caller's `finished`.
    pub fn optional(&mut self, tag: u8) -> Option<&'a [u8]> {
        if self.peek() == Some(tag) {
            self.take(tag)
        } else {
            None
        }
    }

    /// A non-negative INTEGER's magnitude, big-endian, without the sign
    /// byte (zero is `[0]`).
    pub fn uint(&mut self) -> Option<&'a [u8]> {
        uint_contents(self.take(INTEGER)?)
    }

    /// A non-negative INTEGER that fits in a `u32` (versions).
    pub fn small_uint(&mut self) -> Option<u32> {
        let bytes = self.uint()?;
        if bytes.len() > 4 {
            return None;
        }
        Some(bytes.iter().fold(0u32, |v, &b| (v << 8) | b as u32))
    }

    /// Whether every element has been read.
    pub fn finished(&self) -> bool {
        self.rest.is_empty()
    }
}

/// The magnitude of a DER INTEGER's contents if it is non-negative and
/// minimally encoded.
fn uint_contents(contents: &[u8]) -> Option<&[u8]> {
    match contents {
        [] => None,
        [b, ..] if b & 0x80 != 0 => None,    // negative
        [0, b, ..] if b & 0x80 == 0 => None, // not minimal
        [0, rest @ ..] if !rest.is_empty() => Some(rest),
        _ => Some(contents),
    }
}

/// The bytes of a BIT STRING's contents that has no unused bits (keys).
pub fn octet_aligned_bits(contents: &[u8]) -> Option<&[u8]> {
    match contents {
        [0, bits @ ..] => Some(bits),
        _ => None,
    }
}

/// An ECDSA signature (SEQUENCE { r INTEGER, s INTEGER }) as r || s, each
/// left-padded to `scalar_len` bytes.  The curve's own decoder then checks
/// 0 < r, s < n.
pub fn ecdsa_signature_to_fixed(sig: &[u8], scalar_len: usize) -> Option<Vec<u8>> {
    let mut seq = Reader::new(whole(sig, SEQUENCE)?);
    let r = seq.uint()?;
    let s = seq.uint()?;
    if !seq.finished() || r.len() > scalar_len || s.len() > scalar_len {
        return None;
    }
    let mut out = alloc::vec![0u8; 2 * scalar_len];
    out[scalar_len - r.len()..scalar_len].copy_from_slice(r);
    out[2 * scalar_len - s.len()..].copy_from_slice(s);
    Some(out)
}

// ---------------------------------------------------------------- writing

/// Append one element: tag, minimal length, contents.
#[cfg_attr(not(any(feature = "sign-rsa", feature = "sign-ecdsa")), allow(dead_code))] // signers only
pub fn write_tlv(out: &mut Vec<u8>, tag: u8, contents: &[u8]) {
    out.push(tag);
    let len = contents.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(contents);
}

/// Append a non-negative INTEGER given big-endian (leading zeros allowed).
#[cfg_attr(not(any(feature = "sign-rsa", feature = "sign-ecdsa")), allow(dead_code))] // signers only
pub fn write_uint(out: &mut Vec<u8>, magnitude: &[u8]) {
    let first = magnitude.iter().position(|&b| b != 0).unwrap_or(magnitude.len());
    let digits = &magnitude[first..];
    let mut contents = Vec::with_capacity(digits.len() + 1);
    if digits.first().is_none_or(|&b| b & 0x80 != 0) {
        contents.push(0); // zero, or a sign byte
    }
    contents.extend_from_slice(digits);
    write_tlv(out, INTEGER, &contents);
}

/// SEQUENCE { a INTEGER, b INTEGER }: an ECDSA signature (r, s) or an
/// RSAPublicKey (n, e).
#[cfg_attr(not(any(feature = "sign-rsa", feature = "sign-ecdsa")), allow(dead_code))] // signers only
pub fn uint_pair(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(a.len() + b.len() + 8);
    write_uint(&mut body, a);
    write_uint(&mut body, b);
    let mut out = Vec::with_capacity(body.len() + 4);
    write_tlv(&mut out, SEQUENCE, &body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_minimal_and_bounded() {
        assert_eq!(read_tlv(&[0x04, 0x01, 0xaa, 0xbb]), Some((0x04, &[0xaa][..], &[0xbb][..])));
        assert_eq!(read_tlv(&[0x04, 0x81, 0x01, 0xaa]), None); // long form for < 128
        assert_eq!(read_tlv(&[0x04, 0x82, 0x00, 0x80]), None); // leading zero length byte
        assert_eq!(read_tlv(&[0x04, 0x80]), None); // indefinite
        assert_eq!(read_tlv(&[0x04, 0x85, 1, 0, 0, 0, 0]), None); // five length bytes
        assert_eq!(read_tlv(&[0x1f, 0x01, 0x00]), None); // high tag number
        assert_eq!(read_tlv(&[0x04, 0x02, 0xaa]), None); // short
        assert_eq!(read_tlv(&[0x04]), None);
        let mut long = alloc::vec![0x04, 0x81, 0x80];
        long.extend([7u8; 0x80]);
        assert_eq!(read_tlv(&long).map(|(_, c, r)| (c.len(), r.len())), Some((0x80, 0)));
    }

    #[test]
    fn integers() {
        let uint = |c: &[u8]| uint_contents(c).map(|m| m.to_vec());
        assert_eq!(uint(&[0x00]), Some(alloc::vec![0]));
        assert_eq!(uint(&[0x7f]), Some(alloc::vec![0x7f]));
        assert_eq!(uint(&[0x00, 0x80]), Some(alloc::vec![0x80]));
        assert_eq!(uint(&[0x00, 0x7f]), None); // not minimal
        assert_eq!(uint(&[0x80]), None); // negative
        assert_eq!(uint(&[]), None);
        assert_eq!(Reader::new(&[0x02, 0x01, 0x01]).small_uint(), Some(1));
        assert_eq!(Reader::new(&[0x02, 0x05, 1, 0, 0, 0, 0]).small_uint(), None);
    }

    #[test]
    fn writes_what_it_reads() {
        for (a, b) in
            [(&[0x00, 0x00, 0x01][..], &[0xff; 40][..]), (&[0x7f; 200][..], &[0x01, 0x00, 0x01][..]), (&[], &[0])]
        {
            let der = uint_pair(a, b);
            let mut seq = Reader::new(whole(&der, SEQUENCE).unwrap());
            let strip = |x: &[u8]| {
                let s: Vec<u8> = x.iter().copied().skip_while(|&v| v == 0).collect();
                if s.is_empty() {
                    alloc::vec![0]
                } else {
                    s
                }
            };
            assert_eq!(seq.uint().unwrap(), &strip(a)[..]);
            assert_eq!(seq.uint().unwrap(), &strip(b)[..]);
            assert!(seq.finished());
        }
    }

    #[test]
    fn ecdsa_signatures() {
        // r = 1, s = 0x80 (needs a sign byte): padded to 4 bytes each.
        let sig = [0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x00, 0x80];
        assert_eq!(ecdsa_signature_to_fixed(&sig, 4), Some(alloc::vec![0, 0, 0, 1, 0, 0, 0, 0x80]));
        assert_eq!(ecdsa_signature_to_fixed(&sig, 1), Some(alloc::vec![1, 0x80])); // the sign byte is not counted
        let long_s = [0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x01, 0x00];
        assert_eq!(ecdsa_signature_to_fixed(&long_s, 1), None); // s longer than a scalar
        let mut trailing = sig.to_vec();
        trailing.push(0);
        assert_eq!(ecdsa_signature_to_fixed(&trailing, 4), None);
        let three = [0x30, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01];
        assert_eq!(ecdsa_signature_to_fixed(&three, 4), None);
    }
}
