//! IANA names of the cipher suites we implement, both ways, and of the key
//! exchange groups.

use core::ffi::c_char;

const NAMES: &[(u16, &str)] = &[
    (0x1301, "TLS_AES_128_GCM_SHA256\0"),
    (0x1302, "TLS_AES_256_GCM_SHA384\0"),
    (0x1303, "TLS_CHACHA20_POLY1305_SHA256\0"),
    (0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\0"),
    (0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384\0"),
    (0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256\0"),
    (0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\0"),
    (0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\0"),
    (0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256\0"),
];

/// The NUL-terminated IANA name of suite `id`, or NULL.
pub fn name(id: u16) -> *const c_char {
    NAMES.iter().find(|(i, _)| *i == id).map_or(core::ptr::null(), |(_, n)| n.as_ptr() as *const c_char)
}

/// The key exchange groups' names in IANA's TLS Supported Groups registry.
const GROUPS: &[(u16, &str)] =
    &[(0x001d, "x25519\0"), (0x0017, "secp256r1\0"), (0x0018, "secp384r1\0"), (0x11ec, "X25519MLKEM768\0")];

/// The NUL-terminated IANA name of key exchange group `id`, or NULL.
pub fn group_name(id: u16) -> *const c_char {
    GROUPS.iter().find(|(i, _)| *i == id).map_or(core::ptr::null(), |(_, n)| n.as_ptr() as *const c_char)
}

/// The suite named `name` (with or without a trailing NUL).
pub fn id(name: &[u8]) -> Option<u16> {
    let name = name.strip_suffix(b"\0").unwrap_or(name);
    NAMES.iter().find(|(_, n)| n.as_bytes().strip_suffix(b"\0") == Some(name)).map(|(i, _)| *i)
}

#[cfg(all(test, all_algorithms))]
mod tests {
    #[test]
    fn names_round_trip() {
        assert_eq!(super::id(b"TLS_AES_128_GCM_SHA256"), Some(0x1301));
        assert_eq!(super::id(b"TLS_RSA_WITH_AES_128_CBC_SHA"), None);
        assert!(!super::name(0xcca8).is_null());
        assert!(super::name(0x002f).is_null());
    }

    #[test]
    fn every_group_we_offer_has_its_name() {
        for g in crate::crypto::kx::ALL_KX_GROUPS {
            assert!(!super::group_name(u16::from(g.name())).is_null(), "{:?}", g.name());
        }
        assert!(super::group_name(0x0100).is_null()); // ffdhe2048: not ours
    }
}
