//! Key exchange groups: X25519, secp256r1 (p256 0.13) and, with the `p384`
//! feature, secp384r1 (p384 0.14, no precomputed tables: the table would be a 25-50 KB `.data`
//! static, i.e. RAM, see crypto-menu-thumbv6m.md row 3g).
//!
//! Ephemeral secrets are drawn from the port (`random::fill`) as raw bytes
//! and turned into scalars here, instead of the crates' `random(rng)`
//! constructors: those take an infallible RNG, while a port whose TRNG fails
//! must give the handshake an error.  The secrets are zeroized on drop by the
//! crates (x25519-dalek `zeroize`, elliptic-curve `SecretKey`).

use alloc::boxed::Box;

use rustls::crypto::{ActiveKeyExchange, SharedSecret, SupportedKxGroup};
use rustls::{Error, NamedGroup, PeerMisbehaved};
use zeroize::Zeroizing;

use super::random;

/// Our groups in preference order: X25519 is the cheapest on a Cortex-M0
/// (about 9 KB of code, no bignum), P-256 is what every server has, P-384 is
/// for servers that insist on it.  A client sends a key share for the first
/// group only; the others cost a HelloRetryRequest round trip when chosen.
///
/// With the `pq` feature, X25519MLKEM768 comes first (as rustls'
/// `prefer-post-quantum`): a client's ClientHello carries its share and,
/// beside it, the share of its X25519 half, which a server without ML-KEM
/// picks; a server picks it whenever the client offers it.
pub static ALL_KX_GROUPS: &[&dyn SupportedKxGroup] = &[
    #[cfg(feature = "pq")]
    &super::pq::X25519MLKEM768,
    &X25519,
    &SECP256R1,
    #[cfg(feature = "p384")]
    &SECP384R1,
];

/// Tries to draw a valid NIST scalar before giving up.  A uniformly random
/// 256-bit string is >= the P-256 order with probability ~2^-32 (P-384:
/// ~2^-190), so failing 8 times in a row means the source is broken.
const SCALAR_ATTEMPTS: usize = 8;

fn invalid_share() -> Error {
    Error::from(PeerMisbehaved::InvalidKeyShare)
}

/// TLS 1.3 (RFC 8446 §4.2.8.2) and RFC 8422 allow only the uncompressed
/// point form for the NIST curves; a compressed or hybrid point, or one of
/// the wrong length, is a malformed key share.
fn check_uncompressed(peer: &[u8], coordinate_len: usize) -> Result<(), Error> {
    if peer.len() == 1 + 2 * coordinate_len && peer.first() == Some(&0x04) {
        Ok(())
    } else {
        Err(invalid_share())
    }
}

// ---------------------------------------------------------------- X25519

#[derive(Debug)]
pub struct X25519;

impl SupportedKxGroup for X25519 {
    fn name(&self) -> NamedGroup {
        NamedGroup::X25519
    }

    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, Error> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        random::fill(&mut bytes[..])?;
        // `StaticSecret` only because it can be built from bytes; it is used
        // once and dropped (zeroized) like an `EphemeralSecret`.
        let secret = x25519_dalek::StaticSecret::from(*bytes);
        let public = x25519_dalek::PublicKey::from(&secret);
        Ok(Box::new(X25519Exchange { secret, public }))
    }
}

struct X25519Exchange {
    secret: x25519_dalek::StaticSecret,
    public: x25519_dalek::PublicKey,
}

impl ActiveKeyExchange for X25519Exchange {
    fn complete(self: Box<Self>, peer: &[u8]) -> Result<SharedSecret, Error> {
        let peer: [u8; 32] = peer.try_into().map_err(|_| invalid_share())?;
        let shared = self.secret.diffie_hellman(&x25519_dalek::PublicKey::from(peer));
        // A low-order peer point gives the all-zero secret (RFC 7748 §6.1):
        // refuse it, as ring and aws-lc do.
        if !shared.was_contributory() {
            return Err(invalid_share());
        }
        Ok(SharedSecret::from(&shared.as_bytes()[..]))
    }

    fn pub_key(&self) -> &[u8] {
        self.public.as_bytes()
    }

    fn group(&self) -> NamedGroup {
        NamedGroup::X25519
    }
}

// ---------------------------------------------------------------- P-256

#[derive(Debug)]
pub struct Secp256r1;
pub static SECP256R1: Secp256r1 = Secp256r1;

impl SupportedKxGroup for Secp256r1 {
    fn name(&self) -> NamedGroup {
        NamedGroup::secp256r1
    }

    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, Error> {
        for _ in 0..SCALAR_ATTEMPTS {
            let mut bytes = Zeroizing::new([0u8; 32]);
            random::fill(&mut bytes[..])?;
            // Rejects 0 and values >= the group order; draw again then.
            if let Ok(secret) = p256::SecretKey::from_slice(&bytes[..]) {
                use p256::elliptic_curve::sec1::ToEncodedPoint;
                let public = secret.public_key().to_encoded_point(false);
                return Ok(Box::new(P256Exchange { secret, public }));
            }
        }
        Err(Error::FailedToGetRandomBytes)
    }
}

struct P256Exchange {
    secret: p256::SecretKey,
    public: p256::EncodedPoint,
}

impl ActiveKeyExchange for P256Exchange {
    fn complete(self: Box<Self>, peer: &[u8]) -> Result<SharedSecret, Error> {
        check_uncompressed(peer, 32)?;
        // Checks the point is on the curve and not the identity.
        let peer = p256::PublicKey::from_sec1_bytes(peer).map_err(|_| invalid_share())?;
        let shared = p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), peer.as_affine());
        Ok(SharedSecret::from(shared.raw_secret_bytes().as_slice()))
    }

    fn pub_key(&self) -> &[u8] {
        self.public.as_bytes()
    }

    fn group(&self) -> NamedGroup {
        NamedGroup::secp256r1
    }
}

// ---------------------------------------------------------------- P-384

#[cfg(feature = "p384")]
#[derive(Debug)]
pub struct Secp384r1;
#[cfg(feature = "p384")]
pub static SECP384R1: Secp384r1 = Secp384r1;

#[cfg(feature = "p384")]
impl SupportedKxGroup for Secp384r1 {
    fn name(&self) -> NamedGroup {
        NamedGroup::secp384r1
    }

    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, Error> {
        for _ in 0..SCALAR_ATTEMPTS {
            let mut bytes = Zeroizing::new([0u8; 48]);
            random::fill(&mut bytes[..])?;
            if let Ok(secret) = p384::SecretKey::from_slice(&bytes[..]) {
                use p384::elliptic_curve::sec1::ToSec1Point;
                let public = secret.public_key().to_sec1_point(false);
                return Ok(Box::new(P384Exchange { secret, public }));
            }
        }
        Err(Error::FailedToGetRandomBytes)
    }
}

#[cfg(feature = "p384")]
struct P384Exchange {
    secret: p384::SecretKey,
    public: p384::Sec1Point,
}

#[cfg(feature = "p384")]
impl ActiveKeyExchange for P384Exchange {
    fn complete(self: Box<Self>, peer: &[u8]) -> Result<SharedSecret, Error> {
        check_uncompressed(peer, 48)?;
        let peer = p384::PublicKey::from_sec1_bytes(peer).map_err(|_| invalid_share())?;
        let shared = p384::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), peer.as_affine());
        Ok(SharedSecret::from(&shared.raw_secret_bytes()[..]))
    }

    fn pub_key(&self) -> &[u8] {
        self.public.as_bytes()
    }

    fn group(&self) -> NamedGroup {
        NamedGroup::secp384r1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agree(group: &dyn SupportedKxGroup) {
        let a = group.start().unwrap();
        let b = group.start().unwrap();
        assert_eq!(a.group(), group.name());
        let (pa, pb) = (a.pub_key().to_vec(), b.pub_key().to_vec());
        assert_ne!(pa, pb);
        let sa = a.complete(&pb).unwrap();
        let sb = b.complete(&pa).unwrap();
        assert_eq!(sa.secret_bytes(), sb.secret_bytes());
        assert!(sa.secret_bytes().iter().any(|&x| x != 0));
    }

    #[test]
    fn x25519_agrees() {
        agree(&X25519);
        assert_eq!(X25519.start().unwrap().pub_key().len(), 32);
    }

    #[test]
    fn p256_agrees() {
        agree(&SECP256R1);
        let k = SECP256R1.start().unwrap();
        assert_eq!(k.pub_key().len(), 65);
        assert_eq!(k.pub_key()[0], 4);
    }

    #[cfg(feature = "p384")]
    #[test]
    fn p384_agrees() {
        agree(&SECP384R1);
        let k = SECP384R1.start().unwrap();
        assert_eq!(k.pub_key().len(), 97);
        assert_eq!(k.pub_key()[0], 4);
    }

    /// RFC 7748 §6.1 test vector through our code path (secret bytes in,
    /// shared secret out), to make sure the X25519 wiring is the standard one.
    #[test]
    fn x25519_rfc7748_vector() {
        let hex = |s: &str| -> Vec<u8> {
            (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
        };
        let a: [u8; 32] = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a").try_into().unwrap();
        let b_pub = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        let secret = x25519_dalek::StaticSecret::from(a);
        let public = x25519_dalek::PublicKey::from(&secret);
        let ex = Box::new(X25519Exchange { secret, public });
        assert_eq!(ex.pub_key(), &hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")[..]);
        let shared = ex.complete(&b_pub).unwrap();
        assert_eq!(shared.secret_bytes(), &hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")[..]);
    }

    #[test]
    fn bad_peer_shares_are_errors() {
        // Wrong length, zero (low order) point.
        assert!(X25519.start().unwrap().complete(&[1u8; 31]).is_err());
        assert!(X25519.start().unwrap().complete(&[0u8; 32]).is_err());
        // Compressed point, garbage, off-curve, empty.
        let p256 = SECP256R1.start().unwrap();
        let mut compressed = p256.pub_key()[..33].to_vec();
        compressed[0] = 2;
        for bad in [&compressed[..], &[4u8; 65][..], &[][..], &[0u8][..]] {
            assert!(SECP256R1.start().unwrap().complete(bad).is_err());
        }
        let mut off_curve = p256.pub_key().to_vec();
        off_curve[64] ^= 1;
        assert!(SECP256R1.start().unwrap().complete(&off_curve).is_err());
        #[cfg(feature = "p384")]
        {
            let p384 = SECP384R1.start().unwrap();
            let mut off_curve = p384.pub_key().to_vec();
            off_curve[96] ^= 1;
            assert!(SECP384R1.start().unwrap().complete(&off_curve).is_err());
            // A P-256 point offered for P-384.
            assert!(SECP384R1.start().unwrap().complete(p256.pub_key()).is_err());
        }
    }
}
