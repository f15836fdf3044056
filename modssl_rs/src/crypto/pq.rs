//! X25519MLKEM768 (`pq` feature): the post-quantum hybrid key exchange of
//! draft-ietf-tls-ecdhe-mlkem (IANA group 0x11EC), what browsers and the big
//! CDNs negotiate by default.  ML-KEM-768 (FIPS 203) is RustCrypto's
//! `ml-kem` 0.3; X25519 is the group of `kx.rs`.  TLS 1.3 only.
//!
//! Wire layout (ML-KEM first, the draft's order for this group):
//! * the client's share: the ML-KEM encapsulation key (1,184 B) || its
//!   X25519 public key (32 B);
//! * the server's share: the ML-KEM ciphertext (1,088 B) || its X25519
//!   public key (32 B);
//! * the shared secret: the ML-KEM shared key (32 B) || the X25519 one.
//!
//! A client offering this group also offers its X25519 half as a key share
//! of its own (`hybrid_component`), so that a server without ML-KEM picks
//! X25519 from the same ClientHello, with no HelloRetryRequest.
//!
//! Randomness comes from the port as raw bytes, as for the other groups
//! (`kx.rs`): the decapsulation key from a 64-byte seed (FIPS 203's d || z),
//! the encapsulation from a 32-byte message m.

use alloc::boxed::Box;
use alloc::vec::Vec;

use ml_kem::kem::{Decapsulate, KeyExport};
use ml_kem::{Ciphertext, DecapsulationKey, EncapsulationKey, MlKem768, B32};
use rustls::crypto::{ActiveKeyExchange, CompletedKeyExchange, SharedSecret, SupportedKxGroup};
use rustls::{Error, NamedGroup, PeerMisbehaved, ProtocolVersion};
use zeroize::Zeroizing;

use super::kx::X25519;
use super::random;

/// An ML-KEM-768 encapsulation key.
pub const EK_LEN: usize = 1184;
/// An ML-KEM-768 ciphertext.
pub const CT_LEN: usize = 1088;
const X25519_LEN: usize = 32;

#[derive(Debug)]
pub struct X25519MlKem768;
pub static X25519MLKEM768: X25519MlKem768 = X25519MlKem768;

fn invalid_share() -> Error {
    Error::from(PeerMisbehaved::InvalidKeyShare)
}

/// The ML-KEM half and the X25519 half of a share of `mlkem_len + 32` bytes.
fn split(share: &[u8], mlkem_len: usize) -> Result<(&[u8], &[u8]), Error> {
    if share.len() != mlkem_len + X25519_LEN {
        return Err(invalid_share());
    }
    Ok(share.split_at(mlkem_len))
}

fn concat(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(a.len() + b.len());
    v.extend_from_slice(a);
    v.extend_from_slice(b);
    v
}

/// A decapsulation key from the port's randomness.
pub fn decapsulation_key() -> Result<DecapsulationKey<MlKem768>, Error> {
    let mut seed = Zeroizing::new([0u8; 64]);
    random::fill(&mut seed[..])?;
    Ok(DecapsulationKey::from_seed((*seed).into()))
}

/// The server's side of ML-KEM: a ciphertext and shared key for the
/// client's encapsulation key `ek` (refused if it fails FIPS 203's
/// modulus check).
pub fn encapsulate(ek: &[u8]) -> Result<(Ciphertext<MlKem768>, Zeroizing<[u8; 32]>), Error> {
    let ek = ek.try_into().map_err(|_| invalid_share())?;
    let ek = EncapsulationKey::<MlKem768>::new(ek).map_err(|_| invalid_share())?;
    let mut m = Zeroizing::new(B32::default());
    random::fill(&mut m[..])?;
    let (ct, key) = ek.encapsulate_deterministic(&m);
    Ok((ct, Zeroizing::new(key.into())))
}

impl SupportedKxGroup for X25519MlKem768 {
    fn name(&self) -> NamedGroup {
        NamedGroup::X25519MLKEM768
    }

    fn usable_for_version(&self, version: ProtocolVersion) -> bool {
        version == ProtocolVersion::TLSv1_3
    }

    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, Error> {
        let dk = decapsulation_key()?;
        let classical = X25519.start()?;
        let pub_key = concat(&dk.encapsulation_key().to_bytes(), classical.pub_key());
        Ok(Box::new(Active { dk, classical, pub_key }))
    }

    /// The server: encapsulate to the client's key, and X25519 with its share.
    fn start_and_complete(&self, client_share: &[u8]) -> Result<CompletedKeyExchange, Error> {
        let (ek, x_share) = split(client_share, EK_LEN)?;
        let (ct, key) = encapsulate(ek)?;
        let classical = X25519.start_and_complete(x_share)?;
        let secret = Zeroizing::new(concat(&key[..], classical.secret.secret_bytes()));
        Ok(CompletedKeyExchange {
            group: NamedGroup::X25519MLKEM768,
            pub_key: concat(&ct, &classical.pub_key),
            secret: SharedSecret::from(&secret[..]),
        })
    }
}

/// A client's offer: its decapsulation key and its X25519 half.
struct Active {
    dk: DecapsulationKey<MlKem768>,
    classical: Box<dyn ActiveKeyExchange>,
    pub_key: Vec<u8>,
}

impl ActiveKeyExchange for Active {
    fn complete(self: Box<Self>, peer: &[u8]) -> Result<SharedSecret, Error> {
        let (ct, x_share) = split(peer, CT_LEN)?;
        let ct: &Ciphertext<MlKem768> = ct.try_into().map_err(|_| invalid_share())?;
        // Implicit rejection: a bad ciphertext gives a pseudo-random key, and
        // the handshake then fails on the server's Finished.
        let key: Zeroizing<[u8; 32]> = Zeroizing::new(self.dk.decapsulate(ct).into());
        let x = self.classical.complete(x_share)?;
        let secret = Zeroizing::new(concat(&key[..], x.secret_bytes()));
        Ok(SharedSecret::from(&secret[..]))
    }

    fn hybrid_component(&self) -> Option<(NamedGroup, &[u8])> {
        Some((NamedGroup::X25519, self.classical.pub_key()))
    }

    fn complete_hybrid_component(self: Box<Self>, peer: &[u8]) -> Result<SharedSecret, Error> {
        self.classical.complete(peer)
    }

    fn pub_key(&self) -> &[u8] {
        &self.pub_key
    }

    fn group(&self) -> NamedGroup {
        NamedGroup::X25519MLKEM768
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn client_and_server_agree() {
        let client = X25519MLKEM768.start().unwrap();
        assert_eq!(client.pub_key().len(), EK_LEN + X25519_LEN);
        assert_eq!(client.hybrid_component().unwrap().1, &client.pub_key()[EK_LEN..]);
        let server = X25519MLKEM768.start_and_complete(client.pub_key()).unwrap();
        assert_eq!(server.pub_key.len(), CT_LEN + X25519_LEN);
        let secret = client.complete(&server.pub_key).unwrap();
        assert_eq!(secret.secret_bytes(), server.secret.secret_bytes());
        assert_eq!(secret.secret_bytes().len(), 64);
    }

    #[test]
    fn the_x25519_half_alone() {
        // A server without ML-KEM answers the separate X25519 share.
        let client = X25519MLKEM768.start().unwrap();
        let (group, share) = client.hybrid_component().unwrap();
        assert_eq!(group, NamedGroup::X25519);
        let server = X25519.start_and_complete(share).unwrap();
        let secret = client.complete_hybrid_component(&server.pub_key).unwrap();
        assert_eq!(secret.secret_bytes(), server.secret.secret_bytes());
    }

    #[test]
    fn bad_shares_are_refused() {
        let client = X25519MLKEM768.start().unwrap();
        let share = client.pub_key().to_vec();
        // Wrong lengths, both ways.
        assert!(X25519MLKEM768.start_and_complete(&share[1..]).is_err());
        assert!(X25519MLKEM768.start_and_complete(&[share.as_slice(), &[0]].concat()).is_err());
        // An encapsulation key whose coefficients are not reduced mod q
        // (FIPS 203 7.2's modulus check): 12 bits of ones.
        let mut bad = share.clone();
        bad[0] = 0xff;
        bad[1] |= 0x0f;
        assert!(X25519MLKEM768.start_and_complete(&bad).is_err());
        // A low-order X25519 half (all zeros).
        let mut low = share;
        low[EK_LEN..].fill(0);
        assert!(X25519MLKEM768.start_and_complete(&low).is_err());
        assert!(client.complete(&[0u8; CT_LEN]).is_err());
    }

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    fn sha256(b: &[u8]) -> Vec<u8> {
        use sha2::Digest as _;
        sha2::Sha256::digest(b).to_vec()
    }

    /// Against kyber-py, an independent FIPS 203 implementation
    /// (tests-data/mlkem768-kat.txt, scripts/gen-mlkem-kat.py): the same
    /// key from a seed, ciphertext and key from a message, and implicit
    /// rejection of a tampered ciphertext.
    #[test]
    fn known_answers() {
        let kat = include_str!("../../tests-data/mlkem768-kat.txt");
        let mut n = 0;
        for line in kat.lines().filter(|l| !l.starts_with('#')) {
            let f: Vec<Vec<u8>> = line.split(' ').map(unhex).collect();
            let seed: [u8; 64] = f[0].as_slice().try_into().unwrap();
            let dk = DecapsulationKey::<MlKem768>::from_seed(seed.into());
            let ek = dk.encapsulation_key().to_bytes();
            assert_eq!(sha256(&ek), f[2], "encapsulation key of vector {n}");
            let ek = EncapsulationKey::<MlKem768>::new(&ek).unwrap();
            let m: [u8; 32] = f[1].as_slice().try_into().unwrap();
            let (ct, key) = ek.encapsulate_deterministic(&m.into());
            assert_eq!(sha256(&ct), f[3], "ciphertext of vector {n}");
            assert_eq!(key.as_slice(), &f[4][..], "key of vector {n}");
            assert_eq!(dk.decapsulate(&ct).as_slice(), &f[4][..]);
            let mut bad = ct;
            bad[0] ^= 1;
            assert_eq!(dk.decapsulate(&bad).as_slice(), &f[5][..], "implicit rejection, vector {n}");
            n += 1;
        }
        assert_eq!(n, 4);
    }

    #[test]
    fn a_tampered_ciphertext_gives_another_secret() {
        let client = X25519MLKEM768.start().unwrap();
        let server = X25519MLKEM768.start_and_complete(client.pub_key()).unwrap();
        let mut ct = server.pub_key.clone();
        ct[10] ^= 1;
        let secret = client.complete(&ct).unwrap();
        assert_ne!(secret.secret_bytes(), server.secret.secret_bytes());
    }
}
