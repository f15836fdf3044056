//! Randomness: every random byte the provider uses comes from the port's
//! secure source (`crate::port::random`: the MCU's TRNG, the OS on unix).
//!
//! Three shapes of the same source:
//! - [`fill`]: fallible, for our own code (key shares, ECDSA nonce entropy).
//! - [`PortRandom`]: rustls' `SecureRandom` (client/server randoms, session
//!   ids, ticket keys, TLS 1.3 padding...).
//! - [`PortRng`]: a `rand_core` 0.6 `CryptoRngCore` for RustCrypto APIs that
//!   take an RNG (RSA blinding and PSS salt, ECDSA hedging).  Those APIs call
//!   the infallible `fill_bytes`, so failure cannot be returned through them;
//!   see [`PortRng`] for how it is still surfaced as an error, never a panic.

use rustls::crypto::{GetRandomFailed, SecureRandom};
use sha2::Digest as _;
use zeroize::Zeroize;

/// Fill `buf` from the port's secure random source.
pub fn fill(buf: &mut [u8]) -> Result<(), GetRandomFailed> {
    if crate::port::random(buf) {
        Ok(())
    } else {
        Err(GetRandomFailed)
    }
}

/// rustls' view of the port's random source.
#[derive(Debug)]
pub struct PortRandom;

impl SecureRandom for PortRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), GetRandomFailed> {
        fill(buf)
    }
}

/// A `rand_core` 0.6 RNG over the port's random source, for one operation.
///
/// Create one per signature with [`PortRng::new`] (which fails if the port
/// cannot give randomness right now), run the operation, then check
/// [`PortRng::failed`] and discard the result if it is set.
///
/// Why the fallback stream: `RngCore::fill_bytes` cannot fail, and the
/// RustCrypto code behind it loops on rejection sampling (RSA blinding
/// factors, for instance), so answering a port failure with zeros could spin
/// forever and panicking is not allowed.  After a failure we therefore fill
/// from SHA-256(seed || counter), where `seed` was drawn from the port when
/// this RNG was created: the output is still unpredictable to an observer, the
/// computation terminates, and the caller throws its result away because
/// `failed()` is true.
pub struct PortRng {
    seed: [u8; 32],
    counter: u64,
    failed: bool,
}

impl PortRng {
    pub fn new() -> Result<Self, GetRandomFailed> {
        let mut seed = [0u8; 32];
        fill(&mut seed)?;
        Ok(Self { seed, counter: 0, failed: false })
    }

    /// True if the port's source failed at any point since `new`.
    pub fn failed(&self) -> bool {
        self.failed
    }

    fn fallback_fill(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(32) {
            let mut h = sha2::Sha256::new();
            h.update(self.seed);
            h.update(self.counter.to_le_bytes());
            self.counter = self.counter.wrapping_add(1);
            let block = h.finalize();
            for (d, s) in chunk.iter_mut().zip(block.iter()) {
                *d = *s;
            }
        }
    }
}

impl Drop for PortRng {
    fn drop(&mut self) {
        self.seed.zeroize();
    }
}

impl rand_core::RngCore for PortRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        if !self.failed && crate::port::random(dest) {
            return;
        }
        self.failed = true;
        self.fallback_fill(dest);
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        if !self.failed && crate::port::random(dest) {
            return Ok(());
        }
        self.failed = true;
        // Still write unpredictable bytes: a caller ignoring the error must
        // not end up with zeros.
        self.fallback_fill(dest);
        Err(rand_core::Error::from(
            core::num::NonZeroU32::new(rand_core::Error::CUSTOM_START).unwrap_or(core::num::NonZeroU32::MIN),
        ))
    }
}

impl rand_core::CryptoRng for PortRng {}

/// rustls-rustcrypto (whose cipher suites we use) depends on rand_core's
/// `getrandom` feature.  We never call `OsRng`, but if anything ever reaches
/// getrandom on a bare-metal target it gets the port's source rather than a
/// link error.  Hosted targets (the unix port, `cargo test`) use the OS.
#[cfg(all(not(test), target_os = "none"))]
fn getrandom_from_port(buf: &mut [u8]) -> Result<(), getrandom::Error> {
    if crate::port::random(buf) {
        Ok(())
    } else {
        Err(getrandom::Error::UNEXPECTED)
    }
}
#[cfg(all(not(test), target_os = "none"))]
getrandom::register_custom_getrandom!(getrandom_from_port);

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::RngCore;

    #[test]
    fn fills_and_differs() {
        let mut a = [0u8; 48];
        let mut b = [0u8; 48];
        fill(&mut a).unwrap();
        PortRandom.fill(&mut b).unwrap();
        assert_ne!(a, b);
        assert_ne!(a, [0u8; 48]);
        assert!(fill(&mut []).is_ok());
    }

    #[test]
    fn port_rng_reports_no_failure_normally() {
        let mut rng = PortRng::new().unwrap();
        let mut buf = [0u8; 100];
        rng.fill_bytes(&mut buf);
        rng.try_fill_bytes(&mut buf).unwrap();
        let _ = rng.next_u32() ^ (rng.next_u64() as u32);
        assert!(!rng.failed());
    }

    #[test]
    fn fallback_stream_is_not_constant() {
        let mut rng = PortRng::new().unwrap();
        let mut a = [0u8; 70];
        let mut b = [0u8; 70];
        rng.fallback_fill(&mut a);
        rng.fallback_fill(&mut b);
        assert_ne!(a, b);
        assert_ne!(a[..32], a[32..64]);
    }
}
