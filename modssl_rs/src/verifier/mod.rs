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
//! 7. **Raw public keys** (RFC 7250, the `rpk` feature).  When the trust
//!    store holds public keys instead of certificates, the peer must present
//!    a raw public key (rustls negotiates it: `requires_raw_public_keys`),
//!    and it must be byte for byte one of ours.  No path, no name, no dates,
//!    so no clock.  Refused: `CertificateError::UnknownRevocationStatus`,
//!    which [`classify`] reads as [`CertFailure::RawKeyUntrusted`] (we never
//!    check revocation, so nothing else of ours makes it).  Mode `None`
//!    accepts any raw key (the callback still runs), as for certificates.
//!
//! Handshake signatures (CertificateVerify, ServerKeyExchange) are verified
//! with the provider's algorithms against the public key read from the peer's
//! certificate by our own small DER reader (so a pinned v1 certificate
//! works), or from the raw public key itself (rule 7); TLS 1.3 allows only TLS 1.3 schemes and the first algorithm mapped
//! to the scheme, as rustls does.
//!
//! Failures are `rustls::Error::InvalidCertificate` with the closest
//! `CertificateError`; [`classify`] maps them to [`CertFailure`].  Three of
//! ours have no variant of their own: "rejected by the callback" is
//! `ApplicationVerificationFailure`, "raw public key not trusted" is
//! `UnknownRevocationStatus` (rule 7), and "clock not set" is
//! `NotValidYetContext` with `time` = 0 (the Unix epoch: what an unset clock
//! reads, and no real verification ever happens then).

use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, Error, PeerMisbehaved, SignatureScheme};

mod certinfo;
mod errors;
mod names;
mod signature;
#[cfg(all(test, all_algorithms))]
mod tests;
mod trust;

use certinfo::*;
use errors::{cert_error, pki_error, unix};
pub use errors::{classify, CertFailure};
use names::*;
use signature::*;
pub use trust::TrustStore;

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

// ---------------------------------------------------------------------------
// The checks shared by both verifiers.

struct Core {
    trusted: Arc<TrustStore>,
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
    fn new(trusted: Arc<TrustStore>, mode: VerifyMode, algs: &'static WebPkiSupportedAlgorithms) -> Self {
        Core { trusted, static_anchors: &[], mode, algs, callback: None, clock: crate::port::now, pins: Vec::new() }
    }

    fn run_callback(&self, end_entity: &CertificateDer<'_>, intermediates: &[CertificateDer<'_>]) -> Result<(), Error> {
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

    /// The peer presents a raw public key (RFC 7250) instead of a
    /// certificate: we trust keys, not certificates.
    fn raw(&self) -> bool {
        self.trusted.has_keys()
    }

    /// Rule 7 (and the callback): a raw public key must be one of ours.
    /// No name, no dates: a key carries neither.
    fn verify_raw(&self, spki: &CertificateDer<'_>, intermediates: &[CertificateDer<'_>]) -> Result<(), Error> {
        if !intermediates.is_empty() || !self.trusted.contains_key(spki.as_ref()) {
            // See `classify` for this encoding of "raw public key not trusted".
            return Err(cert_error(CertificateError::UnknownRevocationStatus));
        }
        self.run_callback(spki, intermediates)
    }

    /// Rules 1-4 (and the callback) for a peer's certificate chain.
    fn verify(
        &self,
        peer: Peer,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        name: Option<&ServerName<'_>>,
    ) -> Result<(), Error> {
        let info = CertInfo::parse(end_entity.as_ref()).ok_or(cert_error(CertificateError::BadEncoding))?;
        let Some(now) = (self.clock)() else {
            // Rule 4: see `classify` for this encoding of "clock not set".
            return Err(cert_error(CertificateError::NotValidYetContext {
                time: unix(0),
                not_before: unix(info.not_before),
            }));
        };
        let pinned = self.trusted.contains(end_entity.as_ref()) || self.fingerprint_pinned(&info, end_entity);
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
        // Either list alone is used where it lies; both together, as views
        // (no bytes copied) in one list for webpki.
        let mut both: Vec<TrustAnchor<'_>> = Vec::new();
        let anchors: &[TrustAnchor<'_>] = match (self.trusted.anchors(), self.static_anchors) {
            (ours, []) => ours,
            ([], bundle) => bundle,
            (ours, bundle) => {
                both.reserve(ours.len() + bundle.len());
                both.extend(ours.iter().map(view));
                both.extend(bundle.iter().map(view));
                &both
            }
        };
        let usage = match peer {
            Peer::Server => webpki::KeyUsage::server_auth(),
            Peer::Client => webpki::KeyUsage::client_auth(),
        };
        let result = ee.verify_for_usage(self.algs.all, anchors, intermediates, unix(now), usage, None, None);
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

/// A trust anchor borrowing `a`'s bytes.
fn view<'a>(a: &'a TrustAnchor<'_>) -> TrustAnchor<'a> {
    TrustAnchor {
        subject: a.subject.as_ref().into(),
        subject_public_key_info: a.subject_public_key_info.as_ref().into(),
        name_constraints: a.name_constraints.as_ref().map(|n| n.as_ref().into()),
    }
}

/// Rule 3.
fn check_name(info: &CertInfo<'_>, end_entity: &CertificateDer<'_>, name: &ServerName<'_>) -> Result<(), Error> {
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
    /// A verifier trusting the anchors of `trusted` (shared, not copied).
    pub fn new(trusted: Arc<TrustStore>, mode: VerifyMode, algs: &'static WebPkiSupportedAlgorithms) -> Self {
        ServerVerifier { core: Core::new(trusted, mode, algs), check_hostname: true }
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

    /// Also trust the compact trust store (`roots_compact.rs`).
    #[cfg(feature = "ca-compact")]
    pub fn with_compact_roots(self) -> Self {
        self.with_static_anchors(crate::roots_compact::COMPACT_ROOTS)
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
        if self.core.raw() {
            return self.core.verify_raw(end_entity, intermediates).map(|_| ServerCertVerified::assertion());
        }
        let name = if self.check_hostname { Some(server_name) } else { None };
        self.core.verify(Peer::Server, end_entity, intermediates, name).map(|_| ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_handshake_signature(self.core.algs, message, cert, dss, false, self.core.raw())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_handshake_signature(self.core.algs, message, cert, dss, true, self.core.raw())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.core.algs.supported_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        self.core.raw()
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
    /// A verifier trusting the anchors of `trusted` (shared, not copied);
    /// their subjects are sent to clients as the acceptable CA names.
    pub fn new(trusted: Arc<TrustStore>, mode: VerifyMode, algs: &'static WebPkiSupportedAlgorithms) -> Self {
        let hints = trusted.anchors().iter().map(|a| DistinguishedName::in_sequence(a.subject.as_ref())).collect();
        ClientVerifier { core: Core::new(trusted, mode, algs), hints }
    }

    /// Also trust these anchors (not copied; their subjects become hints).
    pub fn with_static_anchors(mut self, anchors: &'static [TrustAnchor<'static>]) -> Self {
        self.core.static_anchors = anchors;
        self.hints.extend(anchors.iter().map(|a| DistinguishedName::in_sequence(a.subject.as_ref())));
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
        if self.core.raw() {
            return self.core.verify_raw(end_entity, intermediates).map(|_| ClientCertVerified::assertion());
        }
        self.core.verify(Peer::Client, end_entity, intermediates, None).map(|_| ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_handshake_signature(self.core.algs, message, cert, dss, false, self.core.raw())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_handshake_signature(self.core.algs, message, cert, dss, true, self.core.raw())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.core.algs.supported_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        self.core.raw()
    }
}
