//! An SSLContext: what to trust, what to present, how strictly to verify.
//! Its rustls configuration is built on first use and rebuilt after any
//! change, then shared (`Arc`) by every connection made from it.
//!
//! A context lives on the shared tracked heap (no arena is current while the
//! shim calls in here), because it outlives the connections made from it.

use alloc::sync::Arc;
use alloc::vec::Vec;

use rustls::client::{ResolvesClientCert, Resumption};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
#[cfg(feature = "server")]
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::time_provider::TimeProvider;
use rustls::{ClientConfig, ServerConfig, SignatureScheme, SupportedCipherSuite};

use crate::crypto;
use crate::errors::Detail;
use crate::ffi::status;
use crate::policy::Policy;
use crate::session::{ClientSessions, ServerSessions};
#[cfg(feature = "server")]
use crate::verifier::ClientVerifier;
use crate::verifier::{ServerVerifier, TrustStore, VerifyMode};

pub struct Context {
    server: bool,
    /// As configured: the flavour's default until the user sets it.
    verify_mode: VerifyMode,
    /// The user set `verify_mode` (docs/security.md, "Secure when the
    /// intent is clear").
    verify_explicit: bool,
    /// Parsed once at load; shared with the verifiers of every configuration
    /// built since (a later load copies it once if they still hold it).
    trusted: Arc<TrustStore>,
    identity: Option<Arc<CertifiedKey>>,
    /// The identity's key does not belong to its certificate.
    key_mismatch: bool,
    /// The identity is a raw public key (RFC 7250), not a certificate chain.
    raw_identity: bool,
    /// The code and detail of the last failed load call (`error_message`).
    last_error: (i32, Detail),
    /// `None`: every suite we implement.
    suites: Option<Vec<SupportedCipherSuite>>,
    policy: Policy,
    /// Kept across configuration rebuilds, so a changed setting does not
    /// forget the sessions.
    client_sessions: Option<Arc<ClientSessions>>,
    server_sessions: Option<Arc<ServerSessions>>,
    /// With the name check as `.0` says (see `client_config`).
    client_config: Option<(bool, Arc<ClientConfig>)>,
    server_config: Option<Arc<ServerConfig>>,
}

impl Context {
    pub fn new(server: bool) -> Context {
        Context {
            server,
            // MicroPython's `tls`: clients verify by default, servers don't ask.
            verify_mode: if server { VerifyMode::None } else { VerifyMode::Required },
            verify_explicit: false,
            trusted: Arc::new(TrustStore::default()),
            identity: None,
            key_mismatch: false,
            raw_identity: false,
            last_error: (status::OK, Detail::None),
            suites: None,
            policy: Policy::default(),
            client_sessions: None,
            server_sessions: None,
            client_config: None,
            server_config: None,
        }
    }

    pub fn is_server(&self) -> bool {
        self.server
    }

    pub fn has_identity(&self) -> bool {
        self.identity.is_some()
    }

    pub fn key_mismatch(&self) -> bool {
        self.key_mismatch
    }

    /// The verify mode in force.  A client whose mode the user never set,
    /// but who gave it something to trust (a CA, a pin, the bundle), verifies:
    /// handing over a CA says what the user wants, even where the flavour's
    /// default (the `ssl` module's, as micropython-lib's) is `CERT_NONE`.
    /// An explicit `verify_mode = CERT_NONE` still wins.
    pub fn verify_mode(&self) -> VerifyMode {
        if self.upgraded() {
            VerifyMode::Required
        } else {
            self.verify_mode
        }
    }

    /// Verifying only because trust material was given (see `verify_mode`).
    fn upgraded(&self) -> bool {
        !self.server && !self.verify_explicit && self.verify_mode == VerifyMode::None && self.has_trust()
    }

    /// Something to verify a peer against: certificates, pins, the bundle.
    pub fn has_trust(&self) -> bool {
        !self.trusted.is_empty() || !self.policy.pins.is_empty() || self.policy.ca_bundle
    }

    /// What `check_hostname` reads: whether a server's name given as
    /// `server_hostname` is checked.  False while nothing is verified.
    pub fn checks_hostname(&self) -> bool {
        self.verify_mode() != VerifyMode::None && self.policy.check_hostname.unwrap_or(true)
    }

    /// Whether a client connection must be given `server_hostname`: the
    /// name check is on and was asked for (explicitly, or by an explicit or
    /// library-default verifying mode).  A client verifying only because it
    /// was given a CA (`upgraded`) checks the chain alone when no name is
    /// given, as Pycom's `ca_certs=` did.
    pub fn needs_hostname(&self) -> bool {
        // A raw public key carries no name: nothing to check it against.
        self.checks_hostname()
            && (self.policy.check_hostname == Some(true) || !self.upgraded())
            && !self.trusted.has_keys()
    }

    /// Raw public keys (RFC 7250) on either side: as our identity, or as
    /// what we trust.
    fn uses_raw_keys(&self) -> bool {
        self.raw_identity || self.trusted.has_keys()
    }

    /// The protocol versions of a configuration: TLS 1.3 alone with raw
    /// public keys; refused when trust mixes keys with certificates.
    fn versions(&self) -> Result<&'static [&'static rustls::SupportedProtocolVersion], i32> {
        if !self.uses_raw_keys() {
            return self.policy.versions();
        }
        if self.trusted.has_keys() && (self.policy.ca_bundle || !self.policy.pins.is_empty()) {
            return Err(status::RPK_MIXED_TRUST);
        }
        self.policy.versions()?;
        self.policy.versions_for_raw_keys()
    }

    /// `check_hostname = value`, as CPython 3.7+: turning it on for a
    /// context that verifies nothing makes it `CERT_REQUIRED`.
    pub fn set_check_hostname(&mut self, check: bool) {
        if check && self.verify_mode() == VerifyMode::None {
            self.verify_mode = VerifyMode::Required;
            self.verify_explicit = true;
        }
        self.policy_mut().check_hostname = Some(check);
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The policy, for a change: the configuration is rebuilt on next use.
    pub fn policy_mut(&mut self) -> &mut Policy {
        self.changed();
        &mut self.policy
    }

    /// Resizing the session cache forgets the sessions kept so far (and
    /// frees what they held) at once.
    pub fn set_session_cache(&mut self, size: usize) {
        if size != self.policy.session_cache {
            self.client_sessions = None;
            self.server_sessions = None;
        }
        self.policy_mut().session_cache = size;
    }

    fn changed(&mut self) {
        self.client_config = None;
        self.server_config = None;
    }

    /// Sets the verify mode: the user's (`explicit`), or the flavour's
    /// default at creation.  `CERT_NONE` after the user turned
    /// `check_hostname` on is refused, as in CPython; otherwise it never is
    /// (MicroPython code sets it on fresh contexts).
    pub fn set_verify_mode(&mut self, mode: VerifyMode, explicit: bool) -> Result<(), i32> {
        if mode == VerifyMode::None && explicit && self.policy.check_hostname == Some(true) {
            return Err(status::CHECK_HOSTNAME_NEEDS_VERIFY);
        }
        self.verify_mode = mode;
        self.verify_explicit |= explicit;
        self.changed();
        Ok(())
    }

    /// Keeps `detail` for the message of the error `code` being returned.
    fn failed(&mut self, code: i32, detail: Detail) -> i32 {
        self.last_error = (code, detail);
        code
    }

    /// The detail of the last failure, if it was `code`.
    pub fn error_detail(&self, code: i32) -> Detail {
        match self.last_error {
            (c, d) if c == code => d,
            _ => Detail::None,
        }
    }

    fn parse_certs(&mut self, data: &[u8]) -> Result<Vec<CertificateDer<'static>>, i32> {
        crate::pem::parse_certificates_at(data).map_err(|f| self.failed(status::INVALID_CERT, Detail::Cert(f)))
    }

    /// Adds trusted certificates (PEM or DER, one or many), or trusted raw
    /// public keys (`PUBLIC KEY` PEM or DER SubjectPublicKeyInfos).
    pub fn add_trusted(&mut self, data: &[u8]) -> Result<usize, i32> {
        // With raw keys built in, a PUBLIC KEY beside certificates is a
        // mix (refused), not a block to skip as certificate parsing would.
        if crate::rpk::holds_public_keys(data) || (cfg!(feature = "rpk") && crate::rpk::has_public_key_block(data)) {
            return self.add_trusted_keys(data);
        }
        if self.trusted.has_keys() {
            return Err(status::RPK_MIXED_TRUST);
        }
        let certs = self.parse_certs(data)?;
        let n = certs.len();
        // parse_certs has made each an anchor already: this cannot fail.
        if !Arc::make_mut(&mut self.trusted).add(&certs) {
            return Err(status::INVALID_CERT);
        }
        self.changed();
        Ok(n)
    }

    #[cfg(not(feature = "rpk"))]
    fn add_trusted_keys(&mut self, _data: &[u8]) -> Result<usize, i32> {
        Err(status::RPK_NOT_IN_BUILD)
    }

    /// Trusts raw public keys (RFC 7250): peers must present one of them.
    #[cfg(feature = "rpk")]
    fn add_trusted_keys(&mut self, data: &[u8]) -> Result<usize, i32> {
        if !self.trusted.anchors().is_empty() || self.policy.ca_bundle {
            return Err(status::RPK_MIXED_TRUST);
        }
        let keys = self.parse_keys(data)?;
        let n = keys.len();
        Arc::make_mut(&mut self.trusted).add_keys(keys);
        self.changed();
        Ok(n)
    }

    #[cfg(feature = "rpk")]
    fn parse_keys(&mut self, data: &[u8]) -> Result<Vec<Vec<u8>>, i32> {
        crate::rpk::parse_public_keys(data).map_err(|f| match f.error {
            crate::pem::CertParseError::MixedKeysAndCertificates => status::RPK_MIXED_TRUST,
            _ => self.failed(status::INVALID_CERT, Detail::Cert(f)),
        })
    }

    fn load_key(&mut self, key: &[u8]) -> Result<Arc<dyn rustls::sign::SigningKey>, i32> {
        // Fuzz builds remember the key made from its DER and its signatures.
        #[cfg(feature = "fuzz")]
        let key = crypto::fuzz::load_signing_key(key);
        #[cfg(not(feature = "fuzz"))]
        let key = crypto::keys::load_signing_key(key);
        key.map_err(|e| match e {
            crypto::keys::KeyError::NotInThisBuild => status::KEY_NOT_IN_BUILD,
            e => self.failed(status::INVALID_KEY, Detail::Key(e)),
        })
    }

    #[cfg(not(feature = "rpk"))]
    fn set_raw_identity(&mut self, _spki: &[u8], _key: &[u8]) -> Result<(), i32> {
        Err(status::RPK_NOT_IN_BUILD)
    }

    /// A raw public key (RFC 7250) and its private key as our identity.
    /// Unlike a certificate's, a key that is not the public key's is
    /// refused here: nothing else would name the mistake.
    #[cfg(feature = "rpk")]
    fn set_raw_identity(&mut self, spki: &[u8], key: &[u8]) -> Result<(), i32> {
        let mut keys = self.parse_keys(spki)?;
        if keys.len() != 1 {
            let f = crate::pem::CertParseFailure {
                error: crate::pem::CertParseError::BadPublicKey,
                index: 2,
                holds_key: false,
            };
            return Err(self.failed(status::INVALID_CERT, Detail::Cert(f)));
        }
        let spki = keys.remove(0);
        let key = self.load_key(key)?;
        if !crypto::keys::key_matches_spki(key.as_ref(), &spki) {
            return Err(self.failed(status::KEY_MISMATCH, Detail::RawKeyMismatch));
        }
        self.identity = Some(Arc::new(CertifiedKey::new(alloc::vec![CertificateDer::from(spki)], key)));
        self.key_mismatch = false;
        self.raw_identity = true;
        self.changed();
        Ok(())
    }

    /// The certificate chain and private key this side presents, or a raw
    /// public key (RFC 7250) in place of the chain.
    pub fn set_identity(&mut self, chain: &[u8], key: &[u8]) -> Result<(), i32> {
        if crate::rpk::holds_public_keys(chain) {
            return self.set_raw_identity(chain, key);
        }
        let chain = self.parse_certs(chain)?;
        let key = self.load_key(key)?;
        let certified = CertifiedKey::new(chain, key);
        // MicroPython's module accepts a key that does not belong to the
        // certificate (its own tests load an expired certificate with an
        // unrelated key and expect the *client* to report the expiry), so we
        // accept it too; a handshake that then fails reports KEY_MISMATCH.
        self.key_mismatch = matches!(
            certified.keys_match(),
            Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch))
        );
        self.identity = Some(Arc::new(certified));
        self.raw_identity = false;
        self.changed();
        Ok(())
    }

    /// Restricts the cipher suites to those named by IANA number.
    pub fn set_suites(&mut self, ids: &[u16]) -> Result<(), i32> {
        let mut chosen = Vec::new();
        for id in ids {
            let suite =
                crypto::ALL_CIPHER_SUITES.iter().find(|s| u16::from(s.suite()) == *id).ok_or(status::UNKNOWN_CIPHER)?;
            chosen.push(*suite);
        }
        if chosen.is_empty() {
            return Err(status::UNKNOWN_CIPHER);
        }
        self.suites = Some(chosen);
        self.changed();
        Ok(())
    }

    /// Every suite this context would offer, in preference order.
    pub fn suites(&self) -> Vec<SupportedCipherSuite> {
        match &self.suites {
            Some(s) => s.clone(),
            None => crypto::ALL_CIPHER_SUITES.to_vec(),
        }
    }

    fn provider(&self) -> Arc<rustls::crypto::CryptoProvider> {
        let mut p = crypto::provider();
        if let Some(s) = &self.suites {
            p.cipher_suites = s.clone();
        }
        Arc::new(p)
    }

    /// The configuration for a client connection; `named`: the connection
    /// was given a `server_hostname` (without one only the chain can be
    /// checked, which `needs_hostname` allows for some contexts).
    pub fn client_config(&mut self, named: bool) -> Result<Arc<ClientConfig>, i32> {
        let check_name = named && self.checks_hostname();
        if let Some((check, c)) = &self.client_config {
            if *check == check_name {
                return Ok(c.clone());
            }
        }
        let verifier = ServerVerifier::new(self.trusted.clone(), self.verify_mode(), crypto::sig_algs());
        let verifier = self.policy.apply_to_verifier(verifier)?.with_hostname_check(check_name);
        let builder = ClientConfig::builder_with_details(self.provider(), Arc::new(PortTime))
            .with_protocol_versions(self.versions()?)
            .map_err(|_| status::HANDSHAKE_FAILURE)?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier));
        let mut config = match &self.identity {
            Some(id) => builder.with_client_cert_resolver(Arc::new(OneIdentity(id.clone(), self.raw_identity))),
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = self.policy.alpn.clone();
        config.max_fragment_size = self.policy.max_fragment_size;
        #[cfg(feature = "cert-compress")]
        {
            config.cert_decompressors = crate::compress::decompressors();
            config.cert_compressors = crate::compress::compressors();
        }
        let cap = self.policy.session_cache;
        if let Some(store) =
            session_store(&mut self.client_sessions, cap, ClientSessions::new, ClientSessions::capacity)
        {
            config.resumption = Resumption::store(store);
        }
        let config = Arc::new(config);
        self.client_config = Some((check_name, config.clone()));
        Ok(config)
    }

    /// Without the `server` feature there are no server contexts
    /// (`modssl_context_new` refuses them), so this is never reached.
    #[cfg(not(feature = "server"))]
    pub fn server_config(&mut self) -> Result<Arc<ServerConfig>, i32> {
        Err(status::SERVER_NOT_IN_BUILD)
    }

    #[cfg(feature = "server")]
    pub fn server_config(&mut self) -> Result<Arc<ServerConfig>, i32> {
        if let Some(c) = &self.server_config {
            return Ok(c.clone());
        }
        // Without a certificate the handshake fails when a client arrives
        // (as with MicroPython's module), not when the socket is wrapped.
        let identity = self.identity.clone();
        let builder = ServerConfig::builder_with_details(self.provider(), Arc::new(PortTime))
            .with_protocol_versions(self.versions()?)
            .map_err(|_| status::HANDSHAKE_FAILURE)?;
        let builder = match self.verify_mode {
            VerifyMode::None => builder.with_no_client_auth(),
            mode => {
                let verifier = ClientVerifier::new(self.trusted.clone(), mode, crypto::sig_algs());
                builder.with_client_cert_verifier(Arc::new(verifier))
            }
        };
        let mut config = builder.with_cert_resolver(Arc::new(ServerIdentity(identity, self.raw_identity)));
        config.alpn_protocols = self.policy.alpn.clone();
        config.max_fragment_size = self.policy.max_fragment_size;
        #[cfg(feature = "cert-compress")]
        {
            config.cert_decompressors = crate::compress::decompressors();
            config.cert_compressors = crate::compress::compressors();
        }
        let cap = self.policy.session_cache;
        if let Some(store) =
            session_store(&mut self.server_sessions, cap, ServerSessions::new, ServerSessions::capacity)
        {
            config.session_storage = store;
        }
        let config = Arc::new(config);
        self.server_config = Some(config.clone());
        Ok(config)
    }
}

#[cfg(all(test, feature = "server"))]
impl Context {
    /// The server configuration, changed by `f` (tests of what rustls lets
    /// a configuration do that no context setting reaches: a hostile
    /// certificate compressor).  Kept until the context next changes.
    pub fn change_server_config(&mut self, f: impl FnOnce(&mut ServerConfig)) {
        let mut config = (*self.server_config().expect("a server configuration")).clone();
        f(&mut config);
        self.server_config = Some(Arc::new(config));
    }
}

/// The session store for a configuration being (re)built: the one kept in
/// `slot` while its capacity is still `cap` (a changed setting must not
/// forget the sessions), a new one otherwise, none when the cache is off
/// (`cap` 0).  `slot` keeps what is returned.
fn session_store<T>(
    slot: &mut Option<Arc<T>>,
    cap: usize,
    new: impl FnOnce(usize) -> T,
    capacity: impl Fn(&T) -> usize,
) -> Option<Arc<T>> {
    *slot = match slot.take() {
        _ if cap == 0 => None,
        Some(kept) if capacity(&kept) == cap => Some(kept),
        _ => Some(Arc::new(new(cap))),
    };
    slot.clone()
}

/// The server name to verify and send as SNI.
pub fn server_name(name: &[u8]) -> Result<ServerName<'static>, i32> {
    let name = core::str::from_utf8(name).map_err(|_| status::INVALID_HOSTNAME)?;
    ServerName::try_from(name).map(|n| n.to_owned()).map_err(|_| status::INVALID_HOSTNAME)
}

/// rustls' clock: the port's, or the Unix epoch while the port's clock is not
/// set.
///
/// rustls asks for the time before any certificate is seen (a client looks up
/// its session cache while writing the ClientHello; a server stamps tickets),
/// and a `None` there fails every handshake with `FailedToGetCurrentTime`:
/// on a board that has not run `ntptime.settime()` yet, `CERT_NONE` included.
/// rustls uses this time only for session lifetimes, so a stand-in is safe:
/// with it, sessions made before the clock is set have age 0 until it is (a
/// client's stored session then looks expired, and a full handshake runs).
/// Certificate validity never comes from here: our verifier reads
/// `crate::port::now()` itself and refuses to verify while it is `None`
/// (`CERT_CLOCK_NOT_SET`, docs/security.md).
#[derive(Debug)]
struct PortTime;

impl TimeProvider for PortTime {
    fn current_time(&self) -> Option<UnixTime> {
        let secs = crate::port::now().unwrap_or(0);
        Some(UnixTime::since_unix_epoch(core::time::Duration::from_secs(secs)))
    }
}

/// The certificate and key a client context presents; `.1`: a raw public
/// key (RFC 7250) in place of the certificate.
#[derive(Debug)]
struct OneIdentity(Arc<CertifiedKey>, bool);

impl ResolvesClientCert for OneIdentity {
    fn resolve(&self, _hints: &[&[u8]], schemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        self.0.key.choose_scheme(schemes).map(|_| self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }

    fn only_raw_public_keys(&self) -> bool {
        self.1
    }
}

/// A server's certificate and key, if it has any; `.1`: a raw public key
/// (RFC 7250) in place of the certificate.
#[cfg(feature = "server")]
#[derive(Debug)]
struct ServerIdentity(Option<Arc<CertifiedKey>>, bool);

#[cfg(feature = "server")]
impl ResolvesServerCert for ServerIdentity {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.0.clone()
    }

    fn only_raw_public_keys(&self) -> bool {
        self.1
    }
}
