//! A minimal X.509 reader: only what the verification rules need (names,
//! dates, the public key), so that pinned certificates that rustls-webpki
//! will not parse (v1, CA:TRUE leaves) can still be checked.

use alloc::vec::Vec;

use crate::asn1::{self, expect, read_tlv};

/// The parts of a certificate we read ourselves.
pub(super) struct CertInfo<'a> {
    pub(super) issuer: &'a [u8],
    pub(super) subject: &'a [u8],
    pub(super) not_before: u64,
    pub(super) not_after: u64,
    /// SubjectPublicKeyInfo contents: (AlgorithmIdentifier contents, key bits).
    pub(super) spki_alg: &'a [u8],
    pub(super) spki_key: &'a [u8],
    /// The whole SubjectPublicKeyInfo, tag and length included.
    pub(super) spki: &'a [u8],
    pub(super) has_san: bool,
}

pub(super) const OID_COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
pub(super) const OID_SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1D, 0x11];

impl<'a> CertInfo<'a> {
    pub(super) fn parse(der: &'a [u8]) -> Option<Self> {
        let (cert, rest) = expect(der, asn1::SEQUENCE)?;
        if !rest.is_empty() {
            return None;
        }
        let (tbs, _sig_parts) = expect(cert, asn1::SEQUENCE)?;
        let mut r = tbs;
        if let Some((asn1::VERSION, _, rest)) = read_tlv(r) {
            r = rest;
        }
        let (_serial, r) = expect(r, asn1::INTEGER)?;
        let (_sig_alg, r) = expect(r, asn1::SEQUENCE)?;
        let (issuer, r) = expect(r, asn1::SEQUENCE)?;
        let (validity, r) = expect(r, asn1::SEQUENCE)?;
        let (subject, r) = expect(r, asn1::SEQUENCE)?;
        let before_spki = r;
        let (spki, mut r) = expect(r, asn1::SEQUENCE)?;
        let spki_whole = before_spki.get(..before_spki.len() - r.len())?;

        let (t1, v1, rest) = read_tlv(validity)?;
        let (t2, v2, rest) = read_tlv(rest)?;
        if !rest.is_empty() {
            return None;
        }
        let not_before = parse_time(t1, v1)?;
        let not_after = parse_time(t2, v2)?;

        let (spki_alg, rest) = expect(spki, asn1::SEQUENCE)?;
        let (bits, rest) = expect(rest, asn1::BIT_STRING)?;
        if !rest.is_empty() {
            return None;
        }
        let spki_key = match bits.split_first() {
            Some((0, key)) => key,
            _ => return None,
        };

        // issuerUniqueID [1], subjectUniqueID [2], extensions [3].
        let mut has_san = false;
        while !r.is_empty() {
            let (tag, contents, rest) = read_tlv(r)?;
            r = rest;
            if tag == asn1::EXTENSIONS {
                has_san = has_extension(contents, OID_SUBJECT_ALT_NAME)?;
            }
        }

        Some(CertInfo { issuer, subject, not_before, not_after, spki_alg, spki_key, spki: spki_whole, has_san })
    }
}

/// Whether the `[3]` extensions contents hold an extension with `oid`;
/// `None` if malformed.
pub(super) fn has_extension(explicit: &[u8], oid: &[u8]) -> Option<bool> {
    let (mut exts, rest) = expect(explicit, asn1::SEQUENCE)?;
    if !rest.is_empty() {
        return None;
    }
    let mut found = false;
    while !exts.is_empty() {
        let (ext, rest) = expect(exts, asn1::SEQUENCE)?;
        exts = rest;
        let (id, mut body) = expect(ext, asn1::OID)?;
        if let Some((asn1::BOOLEAN, _, rest)) = read_tlv(body) {
            body = rest;
        }
        let (_value, rest) = expect(body, asn1::OCTET_STRING)?;
        if !rest.is_empty() {
            return None;
        }
        found |= id == oid;
    }
    Some(found)
}

/// The Common Name attributes of a Name (SEQUENCE contents) that are text.
pub(super) fn common_names(name: &[u8]) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rdns = name;
    while let Some((contents, rest)) = expect(rdns, asn1::SET) {
        rdns = rest;
        let mut atvs = contents;
        while let Some((atv, rest)) = expect(atvs, asn1::SEQUENCE) {
            atvs = rest;
            let Some((oid, value)) = expect(atv, asn1::OID) else {
                continue;
            };
            if oid != OID_COMMON_NAME {
                continue;
            }
            // UTF8String, PrintableString, TeletexString, IA5String, VisibleString.
            if let Some((0x0C | 0x13 | 0x14 | 0x16 | 0x1A, text, _)) = read_tlv(value) {
                if let Ok(s) = core::str::from_utf8(text) {
                    out.push(s);
                }
            }
        }
    }
    out
}

/// UTCTime `YYMMDDHHMMSSZ` or GeneralizedTime `YYYYMMDDHHMMSSZ` as Unix
/// seconds (times before 1970 read as 0).
pub(super) fn parse_time(tag: u8, v: &[u8]) -> Option<u64> {
    let (year, rest) = match tag {
        asn1::UTC_TIME if v.len() == 13 => {
            let yy = digits(v.get(0..2)?)?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, v.get(2..)?)
        }
        asn1::GENERALIZED_TIME if v.len() == 15 => (digits(v.get(0..4)?)?, v.get(4..)?),
        _ => return None,
    };
    if rest.get(10) != Some(&b'Z') {
        return None;
    }
    let month = digits(rest.get(0..2)?)?;
    let day = digits(rest.get(2..4)?)?;
    let hour = digits(rest.get(4..6)?)?;
    let minute = digits(rest.get(6..8)?)?;
    let second = digits(rest.get(8..10)?)?;
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let days = days_from_civil(year as i64, month as i64, day as i64);
    let secs = days * 86_400 + (hour * 3600 + minute * 60 + second) as i64;
    Some(if secs < 0 { 0 } else { secs as u64 })
}

pub(super) fn digits(d: &[u8]) -> Option<u32> {
    let mut n = 0u32;
    for &c in d {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + (c - b'0') as u32;
    }
    Some(n)
}

pub(super) fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub(super) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
