//! The certificates a context trusts (`cadata`, `load_verify_locations`),
//! parsed into trust anchors once, when they are loaded, and shared (`Arc`)
//! by the context and every verifier built from it.  Before, the list was
//! deep-copied into each verifier at every configuration rebuild and each
//! certificate parsed again at every handshake.

use alloc::vec::Vec;

use rustls::pki_types::{CertificateDer, TrustAnchor};
use sha2::Digest as _;

/// Trust anchors, and what rule 2 (pinning by equality) needs of the
/// certificates they came from.
#[derive(Clone, Default)]
pub struct TrustStore {
    anchors: Vec<TrustAnchor<'static>>,
    /// Per certificate: its length and SHA-256.  A peer certificate is
    /// "one of ours" when both are equal; the length alone rules out all
    /// but a certificate of the same size, so the usual peer (a leaf, never
    /// the size of its CA) costs no hash.
    certs: Vec<(usize, [u8; 32])>,
    /// Raw public keys (RFC 7250, `rpk`): whole DER SubjectPublicKeyInfos.
    /// A store holds these or certificates, never both (the context
    /// refuses the mix).
    keys: Vec<Vec<u8>>,
}

impl TrustStore {
    /// Adds certificates (each already known to parse as a trust anchor:
    /// `pem::parse_certificates_at` checks); `false`, with nothing added, if
    /// one does not.
    pub fn add(&mut self, certs: &[CertificateDer<'_>]) -> bool {
        let mut anchors = Vec::with_capacity(certs.len());
        for cert in certs {
            match webpki::anchor_from_trusted_cert(cert) {
                Ok(a) => anchors.push(a.to_owned()),
                Err(_) => return false,
            }
        }
        self.anchors.extend(anchors);
        self.certs.extend(certs.iter().map(|c| (c.len(), sha2::Sha256::digest(c.as_ref()).into())));
        true
    }

    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty() && !self.has_keys()
    }

    /// Trusts these raw public keys (SPKI DER, already checked).
    #[cfg(feature = "rpk")]
    pub fn add_keys(&mut self, keys: Vec<Vec<u8>>) {
        self.keys.extend(keys);
    }

    /// Whether this store holds raw public keys (then its peers must
    /// present one of them: RFC 7250).  Always false without `rpk`, so the
    /// raw-key paths compile away.
    pub fn has_keys(&self) -> bool {
        cfg!(feature = "rpk") && !self.keys.is_empty()
    }

    /// Whether `spki` (DER) is one of the trusted raw public keys.
    pub fn contains_key(&self, spki: &[u8]) -> bool {
        self.keys.iter().any(|k| k.as_slice() == spki)
    }

    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    pub fn anchors(&self) -> &[TrustAnchor<'static>] {
        &self.anchors
    }

    /// Whether `cert` (DER) is one of the trusted certificates.
    pub fn contains(&self, cert: &[u8]) -> bool {
        let mut digest: Option<[u8; 32]> = None;
        self.certs.iter().any(|(len, d)| {
            *len == cert.len() && *d == *digest.get_or_insert_with(|| sha2::Sha256::digest(cert).into())
        })
    }

    /// Heap the store holds (for the tests' accounting).
    #[cfg(test)]
    pub fn heap_bytes(&self) -> usize {
        let anchor = |a: &TrustAnchor<'_>| {
            a.subject.as_ref().len()
                + a.subject_public_key_info.as_ref().len()
                + a.name_constraints.as_ref().map_or(0, |n| n.as_ref().len())
        };
        self.anchors.capacity() * core::mem::size_of::<TrustAnchor<'static>>()
            + self.anchors.iter().map(anchor).sum::<usize>()
            + self.certs.capacity() * core::mem::size_of::<(usize, [u8; 32])>()
    }
}

#[cfg(all(test, all_algorithms))]
mod tests {
    use super::*;
    use crate::pem::parse_certificates_at;

    const ROOT: &[u8] = include_bytes!("../../tests-data/certs/root-ca.pem");
    const INTER: &[u8] = include_bytes!("../../tests-data/certs/inter-ca.pem");
    const LEAF: &[u8] = include_bytes!("../../tests-data/certs/leaf-p256.der");

    #[test]
    fn holds_anchors_not_certificates() {
        let certs = parse_certificates_at(&[ROOT, INTER].concat()).unwrap();
        let mut store = TrustStore::default();
        assert!(store.add(&certs));
        assert_eq!(store.len(), 2);
        for (a, c) in store.anchors().iter().zip(&certs) {
            assert_eq!(a, &webpki::anchor_from_trusted_cert(c).unwrap().to_owned());
        }
        assert!(store.contains(&certs[0]) && store.contains(&certs[1]));
        assert!(!store.contains(LEAF));
        // Same length, one byte changed: not ours.
        let mut forged = certs[1].to_vec();
        *forged.last_mut().unwrap() ^= 1;
        assert!(!store.contains(&forged));
        // Smaller than the certificates it came from.
        let der: usize = certs.iter().map(|c| c.len()).sum();
        assert!(store.heap_bytes() < der, "{} >= {der}", store.heap_bytes());
    }

    #[test]
    fn refuses_all_of_a_list_with_a_bad_certificate() {
        let mut certs = parse_certificates_at(ROOT).unwrap();
        certs.push(CertificateDer::from(&b"\x30\x03\x02\x01\x00"[..]));
        let mut store = TrustStore::default();
        assert!(!store.add(&certs));
        assert!(store.is_empty() && !store.contains(&certs[0]));
    }
}
