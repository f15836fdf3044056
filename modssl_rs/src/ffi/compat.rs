//! Small helpers the shim needs to behave as MicroPython's mbedTLS module.

use super::status;
use crate::crypto::keys::{load_private_key, KeyError};
use crate::heap::OwnerGuard;

/// Whether `data` (PEM or DER) is a private key at all: `INVALID_KEY` for
/// bytes that are not a key (malformed, or PEM without a key block), `OK`
/// otherwise, even for a key `load_cert_chain` would then refuse (too small,
/// unsupported type).  `ssl.wrap_socket(key=...)` without `cert` uses it to
/// fail as MicroPython does: ValueError("invalid key") for a malformed key,
/// TypeError for the missing certificate otherwise.
#[no_mangle]
pub extern "C" fn modssl_key_check(data: *const u8, len: usize) -> i32 {
    if data.is_null() {
        return status::INVALID_KEY;
    }
    let data = unsafe { core::slice::from_raw_parts(data, len) };
    match crate::port::deep_once(|| OwnerGuard::shared(|| load_private_key(data).map(drop))) {
        Some(Ok(())) => status::OK,
        Some(Err(KeyError::Malformed | KeyError::NoKey)) => status::INVALID_KEY,
        Some(Err(_)) => status::OK,
        None => status::OUT_OF_MEMORY,
    }
}
