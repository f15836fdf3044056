//! Certificate verification: our rules, for both ends of a connection.
//!
//! MicroPython's users (and MicroPython's own test certificates) trust a
//! self-signed server certificate directly through `cadata`; such
//! certificates typically carry `CA:TRUE` and a Common Name but no
//! subjectAltName, which stock rustls-webpki rejects.  The rules:
//!
//! 1. **Path validation.**  The peer's end-entity certificate must chain,
//!    through the intermediates the peer sent, to a trust anchor made from our
//!    trusted certificates (plus, optionally, a static bundle such as
//!    webpki-roots), as rustls-webpki validates it: signatures with the
//!    provider's algorithms (the `WebPkiSupportedAlgorithms` given to `new`),
//!    validity dates of every certificate, basic constraints, path length and
//!    name constraints, and the extended key usage (serverAuth for a server
//!    certificate, clientAuth for a client certificate; a certificate without
//!    the extension is good for any purpose).  No revocation checking.
//! 2. **Pinning.**  A peer end-entity certificate byte-for-byte equal to one of
//!    our trusted certificates is accepted without path validation, even if it
//!    is `CA:TRUE`, X.509 v1 or self-signed.  Its validity dates are still
//!    checked, and rule 3 still applies.
//! 3. **Hostname** (a client checking its server).  If the certificate has a
//!    subjectAltName extension, the name must match one of its dNSName (with
//!    rustls-webpki's wildcard rules) or iPAddress entries; the Common Name is
//!    then ignored.  Only if the certificate has no subjectAltName extension at
//!    all is the name compared with the subject's Common Name(s): exactly,
//!    ASCII case-insensitively, with a single leftmost `*.` wildcard label
//!    allowed for DNS names (`*.example.com` matches `a.example.com`, not
//!    `example.com` nor `a.b.example.com`; the wildcard's suffix must itself
//!    have two labels); an IP address matches a Common Name that parses as the
//!    same address.
//! 4. **Time.**  Validity dates are checked against the port's clock
//!    (`crate::port::now()`), not rustls' time provider.  While the port's
//!    clock is not set, verification fails with its own error
//!    ([`CertFailure::ClockNotSet`]) telling the user to set the clock.
//! 5. **Modes** ([`VerifyMode`], MicroPython's `CERT_NONE/CERT_OPTIONAL/
//!    CERT_REQUIRED`).  Client side: `None` accepts any server certificate
//!    without checks (the handshake signature is still verified against the
//!    presented certificate's key, so the key exchange is bound to it);
//!    `Optional` behaves as `Required` (as in CPython): full checks.  Server
//!    side: `None` does not ask for a client certificate; `Optional` asks,
//!    verifies one if sent and accepts its absence; `Required` asks and
//!    requires one (rustls then fails with `NoCertificatesPresented`).
//! 6. **Callback.**  An optional [`VerifyCallback`] is called after our checks
//!    passed (in mode `None`: with no checks) for each certificate the peer
//!    sent, as DER with its depth (0 = end entity, then the intermediates in
//!    the order the peer sent them); returning `false` rejects the peer.
//!
//! Handshake signatures (CertificateVerify, ServerKeyExchange) are verified
//! with the provider's algorithms against the public key read from the peer's
//! certificate by our own small DER reader (so a pinned v1 certificate
//! works); TLS 1.3 allows only TLS 1.3 schemes and the first algorithm mapped
//! to the scheme, as rustls does.
//!
//! Failures are `rustls::Error::InvalidCertificate` with the closest
//! `CertificateError`; [`classify`] maps them to [`CertFailure`].  Two of ours
//! have no variant of their own: "rejected by the callback" is
//! `ApplicationVerificationFailure`, and "clock not set" is
//! `NotValidYetContext` with `time` = 0 (the Unix epoch: what an unset clock
//! reads, and no real verification ever happens then).

use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, IpAddr, ServerName, TrustAnchor, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, Error, PeerMisbehaved,
    SignatureScheme,
};

use crate::pem::{read_tlv, CertParseError};

/// MicroPython's `ssl.CERT_NONE`, `CERT_OPTIONAL`, `CERT_REQUIRED`.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyMode {
    None = 0,
    Optional = 1,
    Required = 2,
}

impl VerifyMode {
    /// The mode for MicroPython's constant, if it is one.
    pub fn from_u8(v: u8) -> Option<Self> {
        match v {
            0 => Some(Self::None),
            1 => Some(Self::Optional),
            2 => Some(Self::Required),
            _ => None,
        }
    }
}

/// Called with each certificate the peer sent (DER) and its depth (0 = end
/// entity) after our checks passed; `false` rejects the peer.
pub type VerifyCallback = Arc<dyn Fn(&[u8], usize) -> bool + Send + Sync>;

/// Where the time comes from: Unix seconds, `None` while the clock is not set.
pub type Clock = fn() -> Option<u64>;

/// Why a peer's certificate was refused, for our status codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertFailure {
    Expired,
    NotYetValid,
    HostnameMismatch,
    UnknownIssuer,
    BadSignature,
    Revoked,
    BadUsage,
    ClockNotSet,
    RejectedByCallback,
    PeerCertRequired,
    Invalid,
}

/// What a certificate error means for us; `None` for errors that are not
/// about certificates.
pub fn classify(err: &Error) -> Option<CertFailure> {
    #[allow(deprecated)]
    let f = match err {
        Error::NoCertificatesPresented => CertFailure::PeerCertRequired,
        Error::InvalidCertificate(e) => match e {
            CertificateError::NotValidYetContext { time, .. } if time.as_secs() == 0 => {
                CertFailure::ClockNotSet
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                CertFailure::Expired
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                CertFailure::NotYetValid
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                CertFailure::HostnameMismatch
            }
            CertificateError::UnknownIssuer => CertFailure::UnknownIssuer,
            CertificateError::BadSignature
            | CertificateError::UnsupportedSignatureAlgorithm
            | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
            | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
                CertFailure::BadSignature
            }
            CertificateError::Revoked => CertFailure::Revoked,
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                CertFailure::BadUsage
            }
            CertificateError::ApplicationVerificationFailure => CertFailure::RejectedByCallback,
            _ => CertFailure::Invalid,
        },
        Error::InvalidCertRevocationList(_) => CertFailure::Invalid,
        _ => return None,
    };
    Some(f)
}

fn cert_error(e: CertificateError) -> Error {
    Error::InvalidCertificate(e)
}

/// rustls-webpki's errors as rustls' (as rustls maps them, where it can
/// without `std`).
fn pki_error(e: webpki::Error) -> Error {
    use webpki::Error as W;
    #[allow(deprecated)]
    let c = match e {
        W::CertNotValidYet { time, not_before } => {
            CertificateError::NotValidYetContext { time, not_before }
        }
        W::CertExpired { time, not_after } => CertificateError::ExpiredContext { time, not_after },
        W::InvalidCertValidity => CertificateError::Expired,
        W::UnknownIssuer
        | W::MaximumPathBuildCallsExceeded
        | W::MaximumPathDepthExceeded
        | W::MaximumSignatureChecksExceeded
        | W::CertDistrusted => CertificateError::UnknownIssuer,
        W::CertNotValidForName(cx) => CertificateError::NotValidForNameContext {
            expected: cx.expected,
            presented: cx.presented,
        },
        W::CertRevoked => CertificateError::Revoked,
        W::InvalidSignatureForPublicKey => CertificateError::BadSignature,
        W::UnsupportedSignatureAlgorithmContext(cx) => {
            CertificateError::UnsupportedSignatureAlgorithmContext {
                signature_algorithm_id: cx.signature_algorithm_id,
                supported_algorithms: cx.supported_algorithms,
            }
        }
        W::UnsupportedSignatureAlgorithmForPublicKeyContext(cx) => {
            CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext {
                signature_algorithm_id: cx.signature_algorithm_id,
                public_key_algorithm_id: cx.public_key_algorithm_id,
            }
        }
        W::UnsupportedSignatureAlgorithm
        | W::UnsupportedSignatureAlgorithmForPublicKey
        | W::SignatureAlgorithmMismatch => CertificateError::UnsupportedSignatureAlgorithm,
        W::RequiredEkuNotFound
        | W::RequiredEkuNotFoundContext(_)
        | W::CaUsedAsEndEntity
        | W::EndEntityUsedAsCa
        | W::PathLenConstraintViolated => CertificateError::InvalidPurpose,
        W::UnsupportedCriticalExtension => CertificateError::UnhandledCriticalExtension,
        _ => CertificateError::BadEncoding,
    };
    cert_error(c)
}

fn unix(secs: u64) -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(secs))
}

// ---------------------------------------------------------------------------
// A minimal X.509 reader: only what the rules above need.

/// The parts of a certificate we read ourselves.
struct CertInfo<'a> {
    issuer: &'a [u8],
    subject: &'a [u8],
    not_before: u64,
    not_after: u64,
    /// SubjectPublicKeyInfo contents: (AlgorithmIdentifier contents, key bits).
    spki_alg: &'a [u8],
    spki_key: &'a [u8],
    /// The whole SubjectPublicKeyInfo, tag and length included.
    spki: &'a [u8],
    has_san: bool,
}

const TAG_INTEGER: u8 = 0x02;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_OID: u8 = 0x06;
const TAG_BOOLEAN: u8 = 0x01;
const TAG_UTC_TIME: u8 = 0x17;
const TAG_GENERALIZED_TIME: u8 = 0x18;
const TAG_SEQUENCE: u8 = 0x30;
const TAG_SET: u8 = 0x31;
const TAG_VERSION: u8 = 0xA0;
const TAG_EXTENSIONS: u8 = 0xA3;

const OID_COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
const OID_SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1D, 0x11];

/// Read one TLV with tag `tag`: (contents, rest).
fn expect(data: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    match read_tlv(data)? {
        (t, contents, rest) if t == tag => Some((contents, rest)),
        _ => None,
    }
}

impl<'a> CertInfo<'a> {
    fn parse(der: &'a [u8]) -> Option<Self> {
        let (cert, rest) = expect(der, TAG_SEQUENCE)?;
        if !rest.is_empty() {
            return None;
        }
        let (tbs, _sig_parts) = expect(cert, TAG_SEQUENCE)?;
        let mut r = tbs;
        if let Some((TAG_VERSION, _, rest)) = read_tlv(r) {
            r = rest;
        }
        let (_serial, r) = expect(r, TAG_INTEGER)?;
        let (_sig_alg, r) = expect(r, TAG_SEQUENCE)?;
        let (issuer, r) = expect(r, TAG_SEQUENCE)?;
        let (validity, r) = expect(r, TAG_SEQUENCE)?;
        let (subject, r) = expect(r, TAG_SEQUENCE)?;
        let before_spki = r;
        let (spki, mut r) = expect(r, TAG_SEQUENCE)?;
        let spki_whole = before_spki.get(..before_spki.len() - r.len())?;

        let (t1, v1, rest) = read_tlv(validity)?;
        let (t2, v2, rest) = read_tlv(rest)?;
        if !rest.is_empty() {
            return None;
        }
        let not_before = parse_time(t1, v1)?;
        let not_after = parse_time(t2, v2)?;

        let (spki_alg, rest) = expect(spki, TAG_SEQUENCE)?;
        let (bits, rest) = expect(rest, TAG_BIT_STRING)?;
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
            if tag == TAG_EXTENSIONS {
                has_san = has_extension(contents, OID_SUBJECT_ALT_NAME)?;
            }
        }

        Some(CertInfo {
            issuer,
            subject,
            not_before,
            not_after,
            spki_alg,
            spki_key,
            spki: spki_whole,
            has_san,
        })
    }
}

/// Whether the `[3]` extensions contents hold an extension with `oid`;
/// `None` if malformed.
fn has_extension(explicit: &[u8], oid: &[u8]) -> Option<bool> {
    let (mut exts, rest) = expect(explicit, TAG_SEQUENCE)?;
    if !rest.is_empty() {
        return None;
    }
    let mut found = false;
    while !exts.is_empty() {
        let (ext, rest) = expect(exts, TAG_SEQUENCE)?;
        exts = rest;
        let (id, mut body) = expect(ext, TAG_OID)?;
        if let Some((TAG_BOOLEAN, _, rest)) = read_tlv(body) {
            body = rest;
        }
        let (_value, rest) = expect(body, TAG_OCTET_STRING)?;
        if !rest.is_empty() {
            return None;
        }
        found |= id == oid;
    }
    Some(found)
}

/// The Common Name attributes of a Name (SEQUENCE contents) that are text.
fn common_names(name: &[u8]) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rdns = name;
    while let Some((contents, rest)) = expect(rdns, TAG_SET) {
        rdns = rest;
        let mut atvs = contents;
        while let Some((atv, rest)) = expect(atvs, TAG_SEQUENCE) {
            atvs = rest;
            let Some((oid, value)) = expect(atv, TAG_OID) else {
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
fn parse_time(tag: u8, v: &[u8]) -> Option<u64> {
    let (year, rest) = match tag {
        TAG_UTC_TIME if v.len() == 13 => {
            let yy = digits(v.get(0..2)?)?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, v.get(2..)?)
        }
        TAG_GENERALIZED_TIME if v.len() == 15 => (digits(v.get(0..4)?)?, v.get(4..)?),
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

fn digits(d: &[u8]) -> Option<u32> {
    let mut n = 0u32;
    for &c in d {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + (c - b'0') as u32;
    }
    Some(n)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

// ---------------------------------------------------------------------------
// Hostname against Common Name (rule 3, no subjectAltName).

fn cn_matches(cn: &str, name: &ServerName<'_>) -> bool {
    match name {
        ServerName::DnsName(dns) => dns_matches(cn, dns.as_ref()),
        ServerName::IpAddress(ip) => IpAddr::try_from(cn).map(|c| c == *ip).unwrap_or(false),
        _ => false,
    }
}

fn dns_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.strip_suffix('.').unwrap_or(pattern);
    let host = host.strip_suffix('.').unwrap_or(host);
    if pattern.is_empty() || host.is_empty() {
        return false;
    }
    if let Some(suffix) = pattern.strip_prefix("*.") {
        // The wildcard stands for exactly one whole, non-empty leftmost label,
        // and the rest must be at least two labels.
        if suffix.contains('*') || !suffix.contains('.') || IpAddr::try_from(host).is_ok() {
            return false;
        }
        return match host.split_once('.') {
            Some((label, rest)) => !label.is_empty() && rest.eq_ignore_ascii_case(suffix),
            None => false,
        };
    }
    !pattern.contains('*') && pattern.eq_ignore_ascii_case(host)
}

// ---------------------------------------------------------------------------
// Handshake signatures.

/// Schemes TLS 1.3 allows (RFC 8446 4.2.3): no SHA-1/SHA-224, no RSA-PKCS#1.
fn tls13_scheme(s: SignatureScheme) -> bool {
    matches!(
        s,
        SignatureScheme::ECDSA_NISTP256_SHA256
            | SignatureScheme::ECDSA_NISTP384_SHA384
            | SignatureScheme::ECDSA_NISTP521_SHA512
            | SignatureScheme::RSA_PSS_SHA256
            | SignatureScheme::RSA_PSS_SHA384
            | SignatureScheme::RSA_PSS_SHA512
            | SignatureScheme::ED25519
            | SignatureScheme::ED448
    )
}

fn verify_handshake_signature(
    algs: &WebPkiSupportedAlgorithms,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
    tls13: bool,
) -> Result<HandshakeSignatureValid, Error> {
    let unadvertised = || Error::PeerMisbehaved(PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme);
    if tls13 && !tls13_scheme(dss.scheme) {
        return Err(unadvertised());
    }
    let candidates = algs
        .mapping
        .iter()
        .find(|(scheme, _)| *scheme == dss.scheme)
        .map(|(_, a)| *a)
        .ok_or_else(unadvertised)?;
    // TLS 1.3 binds the scheme to one algorithm (curve included): the first.
    let candidates = if tls13 {
        candidates.get(..1).unwrap_or(&[])
    } else {
        candidates
    };
    let info = CertInfo::parse(cert.as_ref()).ok_or(cert_error(CertificateError::BadEncoding))?;
    let mut tried = None;
    for alg in candidates {
        if alg.public_key_alg_id().as_ref() != info.spki_alg {
            tried = Some(alg);
            continue;
        }
        return alg
            .verify_signature(info.spki_key, message, dss.signature())
            .map(|_| HandshakeSignatureValid::assertion())
            .map_err(|_| cert_error(CertificateError::BadSignature));
    }
    Err(cert_error(match tried {
        Some(alg) => CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext {
            signature_algorithm_id: alg.signature_alg_id().as_ref().to_vec(),
            public_key_algorithm_id: info.spki_alg.to_vec(),
        },
        None => CertificateError::BadSignature,
    }))
}

// ---------------------------------------------------------------------------
// The checks shared by both verifiers.

struct Core {
    trusted: Vec<CertificateDer<'static>>,
    static_anchors: &'static [TrustAnchor<'static>],
    mode: VerifyMode,
    algs: &'static WebPkiSupportedAlgorithms,
    callback: Option<VerifyCallback>,
    clock: Clock,
    /// SHA-256 fingerprints (of a certificate's DER, or of its
    /// SubjectPublicKeyInfo) that pin a peer like a trusted certificate.
    pins: Vec<[u8; 32]>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Peer {
    Server,
    Client,
}

impl Core {
    fn new(
        trusted: Vec<CertificateDer<'static>>,
        mode: VerifyMode,
        algs: &'static WebPkiSupportedAlgorithms,
    ) -> Result<Self, CertParseError> {
        for cert in &trusted {
            webpki::anchor_from_trusted_cert(cert).map_err(|_| CertParseError::BadCertificate)?;
        }
        Ok(Core {
            trusted,
            static_anchors: &[],
            mode,
            algs,
            callback: None,
            clock: crate::port::now,
            pins: Vec::new(),
        })
    }

    fn run_callback(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
    ) -> Result<(), Error> {
        let Some(cb) = &self.callback else {
            return Ok(());
        };
        let chain = core::iter::once(end_entity).chain(intermediates.iter());
        for (depth, cert) in chain.enumerate() {
            if !cb(cert.as_ref(), depth) {
                return Err(cert_error(CertificateError::ApplicationVerificationFailure));
            }
        }
        Ok(())
    }

    /// Rules 1-4 (and the callback) for a peer's certificate chain.
    fn verify(
        &self,
        peer: Peer,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        name: Option<&ServerName<'_>>,
    ) -> Result<(), Error> {
        let info = CertInfo::parse(end_entity.as_ref())
            .ok_or(cert_error(CertificateError::BadEncoding))?;
        let Some(now) = (self.clock)() else {
            // Rule 4: see `classify` for this encoding of "clock not set".
            return Err(cert_error(CertificateError::NotValidYetContext {
                time: unix(0),
                not_before: unix(info.not_before),
            }));
        };
        let pinned = self
            .trusted
            .iter()
            .any(|t| t.as_ref() == end_entity.as_ref())
            || self.fingerprint_pinned(&info, end_entity);
        if pinned {
            if now < info.not_before {
                return Err(cert_error(CertificateError::NotValidYetContext {
                    time: unix(now),
                    not_before: unix(info.not_before),
                }));
            }
            if now > info.not_after {
                return Err(cert_error(CertificateError::ExpiredContext {
                    time: unix(now),
                    not_after: unix(info.not_after),
                }));
            }
        } else {
            self.validate_path(peer, &info, end_entity, intermediates, now)?;
        }
        if let Some(name) = name {
            check_name(&info, end_entity, name)?;
        }
        self.run_callback(end_entity, intermediates)
    }

    /// Rule 2 by fingerprint: the SHA-256 of the certificate, or of its
    /// SubjectPublicKeyInfo (which survives re-issuing with the same key).
    fn fingerprint_pinned(&self, info: &CertInfo<'_>, end_entity: &CertificateDer<'_>) -> bool {
        use sha2::Digest as _;
        if self.pins.is_empty() {
            return false;
        }
        let cert: [u8; 32] = sha2::Sha256::digest(end_entity.as_ref()).into();
        let spki: [u8; 32] = sha2::Sha256::digest(info.spki).into();
        self.pins.iter().any(|p| *p == cert || *p == spki)
    }

    fn validate_path(
        &self,
        peer: Peer,
        info: &CertInfo<'_>,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: u64,
    ) -> Result<(), Error> {
        let ee = webpki::EndEntityCert::try_from(end_entity).map_err(pki_error)?;
        let mut own: Vec<TrustAnchor<'_>> = Vec::new();
        let anchors: &[TrustAnchor<'_>] = if self.trusted.is_empty() {
            self.static_anchors
        } else {
            own.reserve(self.trusted.len() + self.static_anchors.len());
            for cert in &self.trusted {
                if let Ok(anchor) = webpki::anchor_from_trusted_cert(cert) {
                    own.push(anchor);
                }
            }
            own.extend(self.static_anchors.iter().cloned());
            &own
        };
        let usage = match peer {
            Peer::Server => webpki::KeyUsage::server_auth(),
            Peer::Client => webpki::KeyUsage::client_auth(),
        };
        let result = ee.verify_for_usage(
            self.algs.all,
            anchors,
            intermediates,
            unix(now),
            usage,
            None,
            None,
        );
        match result {
            Ok(_) => Ok(()),
            // An untrusted self-signed certificate (MicroPython's usual case
            // of trusting the wrong one) is an unknown issuer, not a misuse
            // of a CA certificate.
            Err(webpki::Error::CaUsedAsEndEntity) if info.issuer == info.subject => {
                Err(cert_error(CertificateError::UnknownIssuer))
            }
            Err(e) => Err(pki_error(e)),
        }
    }

    fn fmt_fields(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("mode", &self.mode)
            .field("trusted", &self.trusted.len())
            .field("static_anchors", &self.static_anchors.len())
            .field("callback", &self.callback.is_some())
            .finish()
    }
}

/// Rule 3.
fn check_name(
    info: &CertInfo<'_>,
    end_entity: &CertificateDer<'_>,
    name: &ServerName<'_>,
) -> Result<(), Error> {
    if info.has_san {
        let ee = webpki::EndEntityCert::try_from(end_entity).map_err(pki_error)?;
        return ee.verify_is_valid_for_subject_name(name).map_err(pki_error);
    }
    let cns = common_names(info.subject);
    if cns.iter().any(|cn| cn_matches(cn, name)) {
        return Ok(());
    }
    Err(cert_error(CertificateError::NotValidForNameContext {
        expected: name.to_owned(),
        presented: cns.iter().map(|s| s.to_string()).collect::<Vec<String>>(),
    }))
}

// ---------------------------------------------------------------------------
// The client's verifier of server certificates.

/// Verifies a server's certificate on a client connection.
pub struct ServerVerifier {
    core: Core,
    check_hostname: bool,
}

impl ServerVerifier {
    /// A verifier trusting `trusted` (each must parse as a certificate).
    pub fn new(
        trusted: Vec<CertificateDer<'static>>,
        mode: VerifyMode,
        algs: &'static WebPkiSupportedAlgorithms,
    ) -> Result<Self, CertParseError> {
        Ok(ServerVerifier {
            core: Core::new(trusted, mode, algs)?,
            check_hostname: true,
        })
    }

    /// Also trust these anchors (e.g. `webpki_roots::TLS_SERVER_ROOTS`);
    /// they are not copied.
    pub fn with_static_anchors(mut self, anchors: &'static [TrustAnchor<'static>]) -> Self {
        self.core.static_anchors = anchors;
        self
    }

    /// Also trust the Mozilla root bundle of `webpki-roots`.
    #[cfg(feature = "ca-bundle")]
    pub fn with_ca_bundle(self) -> Self {
        self.with_static_anchors(webpki_roots::TLS_SERVER_ROOTS)
    }

    /// Skip rule 3 (CPython's `check_hostname = False`).  On by default.
    pub fn with_hostname_check(mut self, check: bool) -> Self {
        self.check_hostname = check;
        self
    }

    pub fn with_callback(mut self, callback: Option<VerifyCallback>) -> Self {
        self.core.callback = callback;
        self
    }

    /// Take the time from `clock` rather than the port (tests, or a port
    /// with a better idea of the time).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.core.clock = clock;
        self
    }

    /// Pin peers by SHA-256 fingerprint of their certificate or of its
    /// SubjectPublicKeyInfo (rule 2).
    pub fn with_pins(mut self, pins: Vec<[u8; 32]>) -> Self {
        self.core.pins = pins;
        self
    }

    pub fn mode(&self) -> VerifyMode {
        self.core.mode
    }
}

impl fmt::Debug for ServerVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.core.fmt_fields("ServerVerifier", f)
    }
}

impl ServerCertVerifier for ServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        if self.core.mode == VerifyMode::None {
            self.core.run_callback(end_entity, intermediates)?;
            return Ok(ServerCertVerified::assertion());
        }
        let name = if self.check_hostname {
            Some(server_name)
        } else {
            None
        };
        self.core
            .verify(Peer::Server, end_entity, intermediates, name)
            .map(|_| ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_handshake_signature(self.core.algs, message, cert, dss, false)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_handshake_signature(self.core.algs, message, cert, dss, true)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.core.algs.supported_schemes()
    }
}

// ---------------------------------------------------------------------------
// The server's verifier of client certificates.

/// Verifies a client's certificate on a server connection.
pub struct ClientVerifier {
    core: Core,
    hints: Vec<DistinguishedName>,
}

impl ClientVerifier {
    /// A verifier trusting `trusted` (each must parse as a certificate); their
    /// subjects are sent to clients as the acceptable CA names.
    pub fn new(
        trusted: Vec<CertificateDer<'static>>,
        mode: VerifyMode,
        algs: &'static WebPkiSupportedAlgorithms,
    ) -> Result<Self, CertParseError> {
        let mut hints = Vec::with_capacity(trusted.len());
        for cert in &trusted {
            let anchor =
                webpki::anchor_from_trusted_cert(cert).map_err(|_| CertParseError::BadCertificate)?;
            hints.push(DistinguishedName::in_sequence(anchor.subject.as_ref()));
        }
        Ok(ClientVerifier {
            core: Core::new(trusted, mode, algs)?,
            hints,
        })
    }

    /// Also trust these anchors (not copied; their subjects become hints).
    pub fn with_static_anchors(mut self, anchors: &'static [TrustAnchor<'static>]) -> Self {
        self.core.static_anchors = anchors;
        self.hints
            .extend(anchors.iter().map(|a| DistinguishedName::in_sequence(a.subject.as_ref())));
        self
    }

    pub fn with_callback(mut self, callback: Option<VerifyCallback>) -> Self {
        self.core.callback = callback;
        self
    }

    /// Take the time from `clock` rather than the port.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.core.clock = clock;
        self
    }

    pub fn mode(&self) -> VerifyMode {
        self.core.mode
    }
}

impl fmt::Debug for ClientVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.core.fmt_fields("ClientVerifier", f)
    }
}

impl ClientCertVerifier for ClientVerifier {
    fn offer_client_auth(&self) -> bool {
        self.core.mode != VerifyMode::None
    }

    fn client_auth_mandatory(&self) -> bool {
        self.core.mode == VerifyMode::Required
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        if self.core.mode == VerifyMode::None {
            // Not reached: we do not ask for a certificate in this mode.
            self.core.run_callback(end_entity, intermediates)?;
            return Ok(ClientCertVerified::assertion());
        }
        self.core
            .verify(Peer::Client, end_entity, intermediates, None)
            .map(|_| ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_handshake_signature(self.core.algs, message, cert, dss, false)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_handshake_signature(self.core.algs, message, cert, dss, true)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.core.algs.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use crate::pem::parse_certificates;
    use alloc::vec;
    use rustls::internal::msgs::codec::{Codec, Reader};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    macro_rules! pem {
        ($name:literal) => {
            (include_bytes!(concat!("../tests-data/certs/", $name, ".pem")) as &[u8])
        };
    }
    macro_rules! sig {
        ($name:literal) => {
            (include_bytes!(concat!("../tests-data/certs/sig/", $name)) as &[u8])
        };
    }
    const MSG: &[u8] = sig!("msg.bin");

    fn algs() -> &'static WebPkiSupportedAlgorithms {
        std::boxed::Box::leak(std::boxed::Box::new(
            rustls_rustcrypto::provider().signature_verification_algorithms,
        ))
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

    fn server(trusted: &[&[u8]], mode: VerifyMode) -> ServerVerifier {
        let trusted = trusted.iter().flat_map(|p| certs(p)).collect();
        ServerVerifier::new(trusted, mode, algs()).unwrap().with_clock(y2030)
    }

    fn client(trusted: &[&[u8]], mode: VerifyMode) -> ClientVerifier {
        let trusted = trusted.iter().flat_map(|p| certs(p)).collect();
        ClientVerifier::new(trusted, mode, algs()).unwrap().with_clock(y2030)
    }

    /// Verify the server chain in `chain_pem` for `name`; the failure, if any.
    fn check(v: &ServerVerifier, chain_pem: &[u8], name: &str) -> Result<(), Option<CertFailure>> {
        let chain = certs(chain_pem);
        check_chain(v, &chain, name)
    }

    fn check_chain(
        v: &ServerVerifier,
        chain: &[CertificateDer<'static>],
        name: &str,
    ) -> Result<(), Option<CertFailure>> {
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
        let err = v
            .verify_server_cert(&chain[0], &[], &name, &[], UnixTime::since_unix_epoch(Duration::ZERO))
            .unwrap_err();
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
        assert!(matches!(
            err,
            Error::InvalidCertificate(CertificateError::NotValidForNameContext { .. })
        ));
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
        let trusted = certs(ROOT);
        let v = ServerVerifier::new(trusted, VerifyMode::Required, algs()).unwrap();
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
    fn new_refuses_garbage_trusted_cert() {
        let bad = vec![CertificateDer::from(vec![0x30, 0x00])];
        assert!(ServerVerifier::new(bad.clone(), VerifyMode::Required, algs()).is_err());
        assert!(ClientVerifier::new(bad, VerifyMode::Required, algs()).is_err());
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
        assert_eq!(
            *CALLS.lock().unwrap(),
            vec![(0, chain[0].as_ref().len()), (1, chain[1].as_ref().len())]
        );
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
        assert_eq!(bad(tls13(&v, pem!("leaf-p256"), S::ECDSA_NISTP256_SHA256, sig!("leaf-p256.ecdsa-sha256"), &msg)), Some(F::BadSignature));
        assert_eq!(bad(tls13(&v, pem!("leaf-ed25519"), S::ED25519, sig!("leaf-ed25519.ed25519"), &msg)), Some(F::BadSignature));
        assert_eq!(bad(tls13(&v, pem!("leaf-rsa2048"), S::RSA_PSS_SHA256, sig!("leaf-rsa2048.pss-sha256"), &msg)), Some(F::BadSignature));
        // Someone else's key.
        assert_eq!(bad(tls13(&v, pem!("cn-only"), S::ECDSA_NISTP256_SHA256, sig!("leaf-p256.ecdsa-sha256"), MSG)), Some(F::BadSignature));
        // Scheme that does not fit the key.
        assert_eq!(bad(tls13(&v, pem!("leaf-p256"), S::ED25519, sig!("leaf-p256.ecdsa-sha256"), MSG)), Some(F::BadSignature));
        // TLS 1.3: the scheme fixes the curve.
        assert_eq!(bad(tls13(&v, pem!("leaf-p384"), S::ECDSA_NISTP256_SHA256, sig!("leaf-p384.ecdsa-sha384"), MSG)), Some(F::BadSignature));
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
        assert_eq!(bad(tls13(&v, pem!("leaf-p256"), S::ECDSA_NISTP256_SHA256, &s[..s.len() - 1], MSG)), Some(F::BadSignature));
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
        assert_eq!(parse_time(TAG_UTC_TIME, b"700101000000Z"), Some(0));
        assert_eq!(parse_time(TAG_UTC_TIME, b"691231235959Z"), Some(0)); // 1969 clamps
        assert_eq!(parse_time(TAG_UTC_TIME, b"491231235959Z"), Some(2_524_607_999));
        assert_eq!(parse_time(TAG_GENERALIZED_TIME, b"20000229120000Z"), Some(951_825_600));
        assert_eq!(parse_time(TAG_GENERALIZED_TIME, b"21000229120000Z"), None); // not leap
        assert_eq!(parse_time(TAG_GENERALIZED_TIME, b"20241301000000Z"), None);
        assert_eq!(parse_time(TAG_GENERALIZED_TIME, b"20240101000000+"), None);
        assert_eq!(parse_time(TAG_UTC_TIME, b"2401010000Z"), None);
        assert_eq!(parse_time(TAG_UTC_TIME, b"24010100000aZ"), None);
        assert_eq!(parse_time(TAG_UTC_TIME, b"240101246000Z"), None);
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
}
