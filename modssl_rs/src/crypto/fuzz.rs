//! The fuzz-only provider (feature `fuzz`, for `fuzz/` alone; never in a
//! MicroPython build or a feature profile): it exists so that the fuzz
//! targets reach the parsers and the TLS state machine hundreds of times a
//! second, not to test the cryptography (fuzz/README.md).
//!
//! - Randomness is a fixed stream: byte `i` of it is a function of `i` only,
//!   and [`reset`] (each fuzz target, at the start of each input) rewinds it,
//!   so one input replays the same handshake every time.
//! - The expensive pure functions are remembered, keyed by everything they
//!   read (their inputs and the position of the random stream): key
//!   generation and agreement, signing, signature verification, making a
//!   signing key from its DER.  The first call with given inputs runs the real
//!   code and its result (success or error) is kept; a later call with the
//!   same inputs gets that result and moves the random stream on as far as
//!   the real call did, so a hit and a miss leave the same state behind.
//!   Everything the peer sends is parsed by the real code the first time it
//!   is seen; a byte the fuzzer changes makes a new key, so the real code runs.
//!
//! The tables are per process, bounded (two generations of 4,096 entries).

extern crate std;

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::cell::Cell;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use rustls::crypto::{ActiveKeyExchange, CryptoProvider, SharedSecret, SupportedKxGroup, WebPkiSupportedAlgorithms};
use rustls::pki_types::{
    AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm, SubjectPublicKeyInfoDer,
};
use rustls::sign::{Signer, SigningKey};
use rustls::{Error, NamedGroup, ProtocolVersion, SignatureAlgorithm, SignatureScheme};

use super::keys::{self, KeyError};

// ------------------------------------------------------------ randomness

std::thread_local! {
    /// How many bytes of the stream were given out since `reset`.
    static POS: Cell<u64> = const { Cell::new(0) };
}

/// Rewinds the random stream: call at the start of each fuzz input.
pub fn reset() {
    POS.set(0);
}

/// The stream's position (bytes given out since `reset`).
pub fn position() -> u64 {
    POS.get()
}

fn set_position(p: u64) {
    POS.set(p);
}

/// splitmix64: byte `i` of the stream is byte `i % 8` of `mix(i / 8)`.
fn mix(block: u64) -> u64 {
    let mut z = block.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The port's random source in fuzz builds (`port::test_port`): the next
/// `buf.len()` bytes of the stream.  Never fails.
pub fn fill(buf: &mut [u8]) {
    let mut p = POS.get();
    for b in buf.iter_mut() {
        *b = mix(p / 8).to_le_bytes()[(p % 8) as usize];
        p += 1;
    }
    POS.set(p);
}

// ------------------------------------------------------------ the tables

/// Entries per table generation: a few thousand handshakes' worth, a few
/// MB at most.
const TABLE_LIMIT: usize = 4096;

/// A table of two generations: a full one becomes the old one (the older
/// is dropped), and an entry found in the old one moves back to the new, so
/// what every execution uses (the real handshake's signatures) stays while
/// what the fuzzer's mutations added goes.
struct Table<V>(OnceLock<Mutex<Generations<V>>>);

/// The new generation, then the old.
type Generations<V> = [HashMap<Vec<u8>, V>; 2];

impl<V: Clone> Table<V> {
    const fn new() -> Self {
        Table(OnceLock::new())
    }

    fn maps(&self) -> std::sync::MutexGuard<'_, Generations<V>> {
        let m = self.0.get_or_init(|| Mutex::new([HashMap::new(), HashMap::new()]));
        m.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, key: &[u8]) -> Option<V> {
        let mut maps = self.maps();
        if let Some(v) = maps[0].get(key) {
            return Some(v.clone());
        }
        let (k, v) = maps[1].remove_entry(key)?;
        Self::insert(&mut maps, k, v.clone());
        Some(v)
    }

    fn insert(maps: &mut Generations<V>, key: Vec<u8>, value: V) {
        if maps[0].len() >= TABLE_LIMIT {
            maps[1] = core::mem::take(&mut maps[0]);
        }
        maps[0].insert(key, value);
    }

    fn put(&self, key: Vec<u8>, value: V) {
        Self::insert(&mut self.maps(), key, value);
    }

    /// `f()`'s result for `key`: remembered, or computed and remembered
    /// (for functions that draw no randomness).
    fn remember(&self, key: Vec<u8>, f: impl FnOnce() -> V) -> V {
        if let Some(v) = self.get(&key) {
            return v;
        }
        let v = f();
        self.put(key, v.clone());
        v
    }
}

/// A key from parts: each with its length first, so no two part lists
/// give the same bytes.
fn key(parts: &[&[u8]]) -> Vec<u8> {
    let mut k = Vec::with_capacity(parts.iter().map(|p| p.len() + 4).sum());
    for p in parts {
        k.extend_from_slice(&(p.len() as u32).to_le_bytes());
        k.extend_from_slice(p);
    }
    k
}

/// `f()` at the current stream position, remembered with the number of
/// stream bytes it drew: a hit moves the stream on by as many.
fn with_random<V: Clone>(table: &Table<(V, u64)>, parts: &[&[u8]], f: impl FnOnce() -> V) -> V {
    let at = position();
    let k = key(&[&at.to_le_bytes(), &key(parts)]);
    if let Some((v, used)) = table.get(&k) {
        set_position(at + used);
        return v;
    }
    let v = f();
    table.put(k, (v.clone(), position() - at));
    v
}

// ------------------------------------------------------------ key exchange

/// Our groups (kx.rs), each behind a [`FuzzKx`]; not X25519MLKEM768 (`pq`):
/// its server side is a KEM (`start_and_complete`) and its client share
/// has a second, X25519 half (`hybrid_component`), which [`FuzzKx`] does
/// not remember, so the targets' handshakes use X25519.  The hybrid share's
/// parsing is in `cargo test` (crypto/pq.rs) and `tests/test_pq.py`.
fn kx_groups() -> Vec<&'static dyn SupportedKxGroup> {
    static GROUPS: OnceLock<Vec<&'static dyn SupportedKxGroup>> = OnceLock::new();
    GROUPS
        .get_or_init(|| {
            super::kx::ALL_KX_GROUPS
                .iter()
                .filter(|g| g.name() != NamedGroup::X25519MLKEM768)
                .map(|g| &*Box::leak(Box::new(FuzzKx(*g))) as &'static dyn SupportedKxGroup)
                .collect()
        })
        .clone()
}

/// A key share made at stream position `at`: its public key, and how many
/// stream bytes making it drew.
static STARTED: Table<(Vec<u8>, u64)> = Table::new();
/// The agreement of the share made at `at` with a peer's share.
static AGREED: Table<Result<Vec<u8>, Error>> = Table::new();

#[derive(Debug)]
struct FuzzKx(&'static dyn SupportedKxGroup);

impl SupportedKxGroup for FuzzKx {
    fn name(&self) -> NamedGroup {
        self.0.name()
    }

    fn usable_for_version(&self, version: ProtocolVersion) -> bool {
        self.0.usable_for_version(version)
    }

    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, Error> {
        let at = position();
        let k = key(&[b"start", &u16::from(self.0.name()).to_le_bytes(), &at.to_le_bytes()]);
        if let Some((public, used)) = STARTED.get(&k) {
            set_position(at + used);
            return Ok(Box::new(FuzzShare { group: self.0, at, public, real: None }));
        }
        // Errors (the stream never fails) are not remembered.
        let real = self.0.start()?;
        let public = real.pub_key().to_vec();
        STARTED.put(k, (public.clone(), position() - at));
        Ok(Box::new(FuzzShare { group: self.0, at, public, real: Some(real) }))
    }
}

struct FuzzShare {
    group: &'static dyn SupportedKxGroup,
    at: u64,
    public: Vec<u8>,
    /// The real key share, when this one was made by the real code.
    real: Option<Box<dyn ActiveKeyExchange>>,
}

impl ActiveKeyExchange for FuzzShare {
    fn complete(self: Box<Self>, peer: &[u8]) -> Result<SharedSecret, Error> {
        let k = key(&[b"agree", &u16::from(self.group.name()).to_le_bytes(), &self.at.to_le_bytes(), peer]);
        let result = AGREED.remember(k, || {
            let real = match self.real {
                Some(real) => real,
                None => {
                    // Make the same secret again: the stream at `at`.
                    let now = position();
                    set_position(self.at);
                    let real = self.group.start();
                    set_position(now);
                    real?
                }
            };
            real.complete(peer).map(|s| s.secret_bytes().to_vec())
        });
        result.map(|s| SharedSecret::from(&s[..]))
    }

    fn pub_key(&self) -> &[u8] {
        &self.public
    }

    fn group(&self) -> NamedGroup {
        self.group.name()
    }
}

// ------------------------------------------------------------ signing

/// Signing keys by their DER (`load_signing_key`).
static KEYS: Table<Result<Arc<dyn SigningKey>, KeyError>> = Table::new();
/// Signatures by key, scheme, stream position and message.
static SIGNED: Table<(Result<Vec<u8>, Error>, u64)> = Table::new();

/// `keys::load_signing_key` for contexts in fuzz builds: the PEM/DER
/// decoding every time; the key made from the DER once per distinct DER; its
/// signatures remembered ([`FuzzSigningKey`]).  The `pem_der` target calls
/// `keys::load_signing_key` itself: nothing is remembered there.
pub fn load_signing_key(data: &[u8]) -> Result<Arc<dyn SigningKey>, KeyError> {
    let der = keys::load_private_key(data)?;
    let id: Arc<[u8]> = der.secret_der().into();
    let inner = KEYS.remember(id.to_vec(), || keys::signing_key(&der))?;
    Ok(Arc::new(FuzzSigningKey { inner, id }))
}

/// A signing key whose signatures are remembered.  A remembered signature
/// is one the real key made over the same message: the peer verifies it.
struct FuzzSigningKey {
    inner: Arc<dyn SigningKey>,
    id: Arc<[u8]>,
}

impl core::fmt::Debug for FuzzSigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FuzzSigningKey").field("inner", &self.inner).finish_non_exhaustive()
    }
}

impl SigningKey for FuzzSigningKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        let inner = self.inner.choose_scheme(offered)?;
        Some(Box::new(FuzzSigner { inner, id: self.id.clone() }))
    }

    fn public_key(&self) -> Option<SubjectPublicKeyInfoDer<'_>> {
        self.inner.public_key()
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.inner.algorithm()
    }
}

struct FuzzSigner {
    inner: Box<dyn Signer>,
    id: Arc<[u8]>,
}

impl core::fmt::Debug for FuzzSigner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FuzzSigner").field("scheme", &self.inner.scheme()).finish_non_exhaustive()
    }
}

impl Signer for FuzzSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let scheme = u16::from(self.inner.scheme()).to_le_bytes();
        with_random(&SIGNED, &[&self.id, &scheme, message], || self.inner.sign(message))
    }

    fn scheme(&self) -> SignatureScheme {
        self.inner.scheme()
    }
}

// ------------------------------------------------------------ verification

/// Verifications by algorithm, public key, message and signature.
static VERIFIED: Table<Result<(), InvalidSignature>> = Table::new();

#[derive(Debug)]
struct FuzzVerify(&'static dyn SignatureVerificationAlgorithm);

impl SignatureVerificationAlgorithm for FuzzVerify {
    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.0.public_key_alg_id()
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.0.signature_alg_id()
    }

    fn verify_signature(&self, public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), InvalidSignature> {
        let (pk_alg, sig_alg) = (self.0.public_key_alg_id(), self.0.signature_alg_id());
        let k = key(&[pk_alg.as_ref(), sig_alg.as_ref(), public_key, message, signature]);
        VERIFIED.remember(k, || self.0.verify_signature(public_key, message, signature))
    }

    fn fips(&self) -> bool {
        self.0.fips()
    }
}

/// `SUPPORTED_SIG_ALGS` with each algorithm behind a [`FuzzVerify`].
pub fn sig_algs() -> &'static WebPkiSupportedAlgorithms {
    static ALGS: OnceLock<WebPkiSupportedAlgorithms> = OnceLock::new();
    ALGS.get_or_init(|| {
        let real = &super::SUPPORTED_SIG_ALGS;
        let mut wrapped: HashMap<*const (), &'static dyn SignatureVerificationAlgorithm> = HashMap::new();
        let mut wrap = |a: &'static dyn SignatureVerificationAlgorithm| {
            *wrapped.entry(a as *const _ as *const ()).or_insert_with(|| Box::leak(Box::new(FuzzVerify(a))))
        };
        let all: Vec<_> = real.all.iter().map(|a| wrap(*a)).collect();
        let mapping: Vec<_> = real
            .mapping
            .iter()
            .map(|(s, algs)| {
                let algs: Vec<_> = algs.iter().map(|a| wrap(*a)).collect();
                (*s, &*Box::leak(algs.into_boxed_slice()))
            })
            .collect();
        WebPkiSupportedAlgorithms {
            all: Box::leak(all.into_boxed_slice()),
            mapping: Box::leak(mapping.into_boxed_slice()),
        }
    })
}

/// Our provider (`crypto::provider`) with the key exchange and verification
/// above; the random source is already the stream (`port::test_port`).
pub fn provider(real: CryptoProvider) -> CryptoProvider {
    CryptoProvider { kx_groups: kx_groups(), signature_verification_algorithms: *sig_algs(), ..real }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = include_bytes!("../../tests-data/certs/leaf-p256.key");

    #[test]
    fn the_stream_replays_from_reset() {
        reset();
        let mut a = [0u8; 45];
        fill(&mut a[..7]);
        fill(&mut a[7..]);
        assert_eq!(position(), 45);
        reset();
        let mut b = [0u8; 45];
        fill(&mut b);
        assert_eq!(a, b);
        assert_ne!(a[..8], a[8..16]);
    }

    /// Hit or miss: the same signature, a valid one, and the stream moved
    /// on by as much.
    #[test]
    fn remembered_signatures_are_real_and_move_the_stream() {
        let key = load_signing_key(KEY).unwrap();
        let signer = key.choose_scheme(&[SignatureScheme::ECDSA_NISTP256_SHA256]).unwrap();
        let run = || {
            reset();
            let sig = signer.sign(b"message").unwrap();
            (sig, position())
        };
        let (first, after) = run();
        assert!(after > 0);
        assert_eq!(run(), (first.clone(), after));
        let spki = key.public_key().unwrap();
        let point = &spki.as_ref()[spki.as_ref().len() - 65..];
        let verify = sig_algs().mapping[0].1[0];
        assert!(verify.verify_signature(point, b"message", &first).is_ok());
        assert!(verify.verify_signature(point, b"massage", &first).is_err());
        assert!(verify.verify_signature(point, b"massage", &first).is_err());
    }

    /// Shares made from the table agree with each other as real ones do,
    /// and a bad peer share is still refused.
    #[test]
    fn remembered_key_shares_agree() {
        for group in kx_groups() {
            for _ in 0..2 {
                reset();
                let a = group.start().unwrap();
                let b = group.start().unwrap();
                let (pa, pb) = (a.pub_key().to_vec(), b.pub_key().to_vec());
                assert_ne!(pa, pb);
                let sa = a.complete(&pb).unwrap();
                let sb = b.complete(&pa).unwrap();
                assert_eq!(sa.secret_bytes(), sb.secret_bytes());
                reset();
                assert!(group.start().unwrap().complete(&pa[..pa.len() - 1]).is_err());
            }
        }
    }
}
