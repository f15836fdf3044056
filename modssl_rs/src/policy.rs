//! Per-context choices beyond MicroPython's API (CPython's and Arduino's):
//! the built-in CA bundle, hostname checking, ALPN, protocol versions and
//! fingerprint pins.  `Context` applies them when it builds its rustls
//! configuration.

use alloc::vec::Vec;

use rustls::SupportedProtocolVersion;

use crate::ffi::status;
use crate::verifier::ServerVerifier;

pub const TLS12: u16 = 0x0303;
pub const TLS13: u16 = 0x0304;

pub struct Policy {
    /// Trust the built-in roots too (`load_default_certs`): webpki-roots'
    /// Mozilla bundle, or the compact trust store.
    pub ca_bundle: bool,
    /// CPython's `check_hostname`; only meaningful with verification on.
    /// The user's `check_hostname`; `None` until set (then on whenever the
    /// context verifies: `Context::checks_hostname`).
    pub check_hostname: Option<bool>,
    /// ALPN protocols offered (client) or accepted (server), in order.
    pub alpn: Vec<Vec<u8>>,
    pub min_version: u16,
    pub max_version: u16,
    /// SHA-256 fingerprints of pinned certificates or public keys.
    pub pins: Vec<[u8; 32]>,
    /// Sessions kept for resumption: servers remembered (client) or
    /// sessions kept (server); 0 turns resumption off.
    pub session_cache: usize,
    /// The largest plaintext we put in one record (rustls'
    /// `max_fragment_size`; outgoing only: rustls cannot ask the peer for
    /// smaller records).
    pub max_fragment_size: Option<usize>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            ca_bundle: false,
            check_hostname: None,
            alpn: Vec::new(),
            min_version: TLS12,
            max_version: TLS13,
            pins: Vec::new(),
            session_cache: 0,
            max_fragment_size: None,
        }
    }
}

static BOTH: &[&SupportedProtocolVersion] = &[
    &rustls::version::TLS13,
    #[cfg(feature = "tls12")]
    &rustls::version::TLS12,
];
static ONLY13: &[&SupportedProtocolVersion] = &[&rustls::version::TLS13];
#[cfg(feature = "tls12")]
static ONLY12: &[&SupportedProtocolVersion] = &[&rustls::version::TLS12];

impl Policy {
    /// The protocol versions between `min_version` and `max_version`.
    pub fn versions(&self) -> Result<&'static [&'static SupportedProtocolVersion], i32> {
        match (self.min_version, self.max_version) {
            (TLS12, TLS13) => Ok(BOTH),
            (TLS13, TLS13) => Ok(ONLY13),
            #[cfg(feature = "tls12")]
            (TLS12, TLS12) => Ok(ONLY12),
            _ => Err(status::BAD_ARGUMENT),
        }
    }

    /// The versions for a context using raw public keys (RFC 7250): TLS
    /// 1.3 alone, the only version rustls has them in.
    pub fn versions_for_raw_keys(&self) -> Result<&'static [&'static SupportedProtocolVersion], i32> {
        if self.max_version != TLS13 {
            return Err(status::RPK_NEEDS_TLS13);
        }
        Ok(ONLY13)
    }

    /// Sets the version range; each end is 0x0303 or 0x0304 (CPython's
    /// `TLSVersion` values), or 0 to leave it unchanged.
    pub fn set_versions(&mut self, min: u16, max: u16) -> Result<(), i32> {
        let ok = |v: u16| v == TLS12 || v == TLS13;
        let min = if min == 0 { self.min_version } else { min };
        let max = if max == 0 { self.max_version } else { max };
        if !ok(min) || !ok(max) || min > max {
            return Err(status::BAD_ARGUMENT);
        }
        #[cfg(not(feature = "tls12"))]
        if min == TLS12 && max == TLS12 {
            return Err(status::BAD_ARGUMENT);
        }
        self.min_version = min;
        self.max_version = max;
        Ok(())
    }

    /// Parses ALPN's wire form: each protocol prefixed by its length.
    pub fn set_alpn(&mut self, wire: &[u8]) -> Result<(), i32> {
        let mut list = Vec::new();
        let mut rest = wire;
        while let Some((&len, tail)) = rest.split_first() {
            let len = len as usize;
            if len == 0 || tail.len() < len {
                return Err(status::BAD_ARGUMENT);
            }
            list.push(tail[..len].to_vec());
            rest = &tail[len..];
        }
        self.alpn = list;
        Ok(())
    }

    pub fn apply_to_verifier(&self, v: ServerVerifier) -> Result<ServerVerifier, i32> {
        // The name check is the context's decision (Context::client_config:
        // whether a name was given, and `checks_hostname`).
        let v = v.with_pins(self.pins.clone());
        if !self.ca_bundle {
            return Ok(v);
        }
        #[cfg(feature = "ca-bundle")]
        return Ok(v.with_ca_bundle());
        #[cfg(all(feature = "ca-compact", not(feature = "ca-bundle")))]
        return Ok(v.with_compact_roots());
        #[cfg(not(any(feature = "ca-bundle", feature = "ca-compact")))]
        Err(status::NO_CA_BUNDLE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_ranges() {
        let mut p = Policy::default();
        assert_eq!(p.versions().unwrap().len(), BOTH.len());
        p.set_versions(TLS13, 0).unwrap();
        assert_eq!(p.versions().unwrap().len(), 1);
        assert!(p.set_versions(TLS13, TLS12).is_err());
        assert!(p.set_versions(0x0302, 0).is_err());
    }

    #[test]
    fn alpn_wire_form() {
        let mut p = Policy::default();
        p.set_alpn(b"\x02h2\x08http/1.1").unwrap();
        assert_eq!(p.alpn, [b"h2".to_vec(), b"http/1.1".to_vec()]);
        assert!(p.set_alpn(b"\x05h2").is_err());
        assert!(p.set_alpn(b"\x00").is_err());
        p.set_alpn(b"").unwrap();
        assert!(p.alpn.is_empty());
    }
}
