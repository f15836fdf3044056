//! `modssl_context`: an `SSLContext`: its role, verification, keys and
//! trusted certificates, and the CPython- and Arduino-style options of
//! `policy.rs`; and the handle-less lookups the shim needs beside it (is
//! this a key at all, which suite has this name).  Context calls allocate on
//! the shared tracked heap; those that parse keys and certificates run on
//! the core stack.

use alloc::boxed::Box;
use core::ffi::c_char;

use super::{code_of, status};
use crate::context::Context;
use crate::crypto::keys::{load_private_key, KeyError};
use crate::heap::OwnerGuard;
use crate::port;
use crate::verifier::VerifyMode;

/// `f` on the context, on the shared heap: `OK` or its error.
fn with_ctx(ctx: *mut Context, f: impl FnOnce(&mut Context) -> Result<(), i32>) -> i32 {
    let ctx = try_mut!(ctx);
    code_of(OwnerGuard::shared(|| f(ctx)))
}

// ---- life ------------------------------------------------------------------

/// A new context for clients (`server` false) or servers.
#[no_mangle]
pub extern "C" fn modssl_context_new(server: bool, out: *mut *mut Context) -> i32 {
    try_out!(out);
    if server && !cfg!(feature = "server") {
        return status::SERVER_NOT_IN_BUILD;
    }
    OwnerGuard::shared(|| {
        let ctx = Box::new(Context::new(server));
        unsafe { *out = Box::into_raw(ctx) };
        status::OK
    })
}

/// Frees a context.  Connections made from it keep what they need.
#[no_mangle]
pub extern "C" fn modssl_context_free(ctx: *mut Context) {
    try_out!(ctx, ());
    OwnerGuard::shared(|| drop(unsafe { Box::from_raw(ctx) }));
}

/// The message for `code`, returned by one of `ctx`'s calls: the status text
/// and what the call knew beyond the code (why a key was refused, which
/// certificate was bad).  Into `buf` as for `modssl_conn_error_message`.
#[no_mangle]
pub extern "C" fn modssl_context_error_message(ctx: *const Context, code: i32, buf: *mut c_char, len: usize) -> usize {
    let detail = unsafe { ctx.as_ref() }.map_or(crate::errors::Detail::None, |c| c.error_detail(code));
    status::message(code, detail, buf, len)
}

// ---- verification and trust --------------------------------------------------

/// 0 `CERT_NONE`, 1 `CERT_OPTIONAL`, 2 `CERT_REQUIRED`; `explicit`: the
/// user's choice (an attribute or keyword), not the flavour's default.
#[no_mangle]
pub extern "C" fn modssl_context_set_verify_mode(ctx: *mut Context, mode: u8, explicit: bool) -> i32 {
    let Some(mode) = VerifyMode::from_u8(mode) else {
        return status::BAD_ARGUMENT;
    };
    with_ctx(ctx, |c| c.set_verify_mode(mode, explicit))
}

#[no_mangle]
pub extern "C" fn modssl_context_verify_mode(ctx: *const Context) -> i32 {
    try_ref!(ctx).verify_mode() as i32
}

/// Adds trusted certificates: PEM or DER, one or many.  Returns how many.
#[no_mangle]
pub extern "C" fn modssl_context_load_verify(ctx: *mut Context, data: *const u8, len: usize) -> i32 {
    let ctx = try_mut!(ctx);
    let data = try_slice!(data, len);
    match port::deep_once(|| OwnerGuard::shared(|| ctx.add_trusted(data))) {
        Some(Ok(n)) => n.min(i32::MAX as usize) as i32,
        Some(Err(e)) => e,
        None => status::OUT_OF_MEMORY,
    }
}

/// Also trust the built-in roots (webpki-roots' bundle, or the compact trust
/// store); `NO_CA_BUNDLE` when this build has neither.
#[no_mangle]
pub extern "C" fn modssl_context_load_default_certs(ctx: *mut Context) -> i32 {
    with_ctx(ctx, |c| {
        if cfg!(any(feature = "ca-bundle", feature = "ca-compact")) {
            c.policy_mut().ca_bundle = true;
            Ok(())
        } else {
            Err(status::NO_CA_BUNDLE)
        }
    })
}

/// Whether a client checks the server's name (CPython's `check_hostname`).
#[no_mangle]
pub extern "C" fn modssl_context_set_check_hostname(ctx: *mut Context, check: bool) -> i32 {
    with_ctx(ctx, |c| {
        c.set_check_hostname(check);
        Ok(())
    })
}

#[no_mangle]
pub extern "C" fn modssl_context_check_hostname(ctx: *const Context) -> i32 {
    try_ref!(ctx).checks_hostname() as i32
}

/// Pins a peer by the SHA-256 (32 bytes) of its certificate's DER or of its
/// SubjectPublicKeyInfo's DER.
#[no_mangle]
pub extern "C" fn modssl_context_add_pin(ctx: *mut Context, sha256: *const u8) -> i32 {
    let mut pin = [0u8; 32];
    let digest = try_slice!(sha256, pin.len());
    pin.copy_from_slice(digest);
    with_ctx(ctx, |c| {
        c.policy_mut().pins.push(pin);
        Ok(())
    })
}

// ---- our own certificate and key ---------------------------------------------

/// Sets the certificate chain (PEM or DER, leaf first) and private key
/// (PEM or DER; RSA PKCS#1/PKCS#8, EC SEC1/PKCS#8, Ed25519 PKCS#8).
#[no_mangle]
pub extern "C" fn modssl_context_load_cert_chain(
    ctx: *mut Context,
    cert: *const u8,
    cert_len: usize,
    key: *const u8,
    key_len: usize,
) -> i32 {
    let ctx = try_mut!(ctx);
    let (cert, key) = (try_slice!(cert, cert_len), try_slice!(key, key_len));
    port::deep_once(|| OwnerGuard::shared(|| ctx.set_identity(cert, key))).map_or(status::OUT_OF_MEMORY, code_of)
}

/// 1 if `ctx` has a certificate and key (`load_cert_chain`), else 0: a
/// server without one refuses at `wrap_socket` rather than at a ClientHello.
#[no_mangle]
pub extern "C" fn modssl_context_has_identity(ctx: *const Context) -> i32 {
    try_ref!(ctx).has_identity() as i32
}

/// Whether `data` (PEM or DER) is a private key at all: `INVALID_KEY` for
/// bytes that are not a key (malformed, or PEM without a key block), `OK`
/// otherwise, even for a key `load_cert_chain` would then refuse (too small,
/// unsupported type).  `ssl.wrap_socket(key=...)` without `cert` uses it to
/// fail as MicroPython does: ValueError("invalid key") for a malformed key,
/// TypeError for the missing certificate otherwise.
#[no_mangle]
pub extern "C" fn modssl_key_check(data: *const u8, len: usize) -> i32 {
    let data = try_slice!(data, len);
    match port::deep_once(|| OwnerGuard::shared(|| load_private_key(data).map(drop))) {
        Some(Ok(())) => status::OK,
        Some(Err(KeyError::Malformed | KeyError::NoKey)) => status::INVALID_KEY,
        Some(Err(_)) => status::OK,
        None => status::OUT_OF_MEMORY,
    }
}

// ---- what the handshake offers -------------------------------------------------

/// Restricts the cipher suites to `ids` (IANA numbers), in that order.
#[no_mangle]
pub extern "C" fn modssl_context_set_ciphers(ctx: *mut Context, ids: *const u16, n: usize) -> i32 {
    let ids = try_slice!(ids, n);
    with_ctx(ctx, |c| c.set_suites(ids))
}

/// The `index`th cipher suite the context offers: its IANA number, and its
/// name through `name` (static, NUL-terminated).  `BAD_ARGUMENT` past the end.
#[no_mangle]
pub extern "C" fn modssl_context_cipher(ctx: *const Context, index: usize, name: *mut *const c_char) -> i32 {
    let ctx = try_ref!(ctx);
    let suites = OwnerGuard::shared(|| ctx.suites());
    let id = suites.get(index).map(|s| u16::from(s.suite()));
    OwnerGuard::shared(|| drop(suites));
    let Some(id) = id else {
        return status::BAD_ARGUMENT;
    };
    if !name.is_null() {
        unsafe { *name = crate::suites::name(id) };
    }
    id as i32
}

/// The IANA number of a suite named `name` (e.g. "TLS_AES_128_GCM_SHA256")
/// that we implement, or `UNKNOWN_CIPHER`.
#[no_mangle]
pub extern "C" fn modssl_cipher_id(name: *const u8, len: usize) -> i32 {
    crate::suites::id(try_slice!(name, len)).map_or(status::UNKNOWN_CIPHER, |id| id as i32)
}

/// ALPN protocols in wire form (each prefixed by its length); empty: none.
#[no_mangle]
pub extern "C" fn modssl_context_set_alpn(ctx: *mut Context, wire: *const u8, len: usize) -> i32 {
    let wire = try_slice!(wire, len);
    with_ctx(ctx, |c| c.policy_mut().set_alpn(wire))
}

/// The protocol version range: 0x0303 (TLS 1.2) or 0x0304 (TLS 1.3) at each
/// end; 0 leaves that end as it is.
#[no_mangle]
pub extern "C" fn modssl_context_set_versions(ctx: *mut Context, min: u16, max: u16) -> i32 {
    with_ctx(ctx, |c| c.policy_mut().set_versions(min, max))
}

/// The range as `min << 16 | max`.
#[no_mangle]
pub extern "C" fn modssl_context_versions(ctx: *const Context) -> i32 {
    let p = try_ref!(ctx).policy();
    ((p.min_version as i32) << 16) | p.max_version as i32
}

/// Resumption: how many servers a client remembers, or how many sessions a
/// server keeps; 0 turns it off.
#[no_mangle]
pub extern "C" fn modssl_context_set_session_cache(ctx: *mut Context, size: usize) -> i32 {
    with_ctx(ctx, |c| {
        c.set_session_cache(size);
        Ok(())
    })
}

#[no_mangle]
pub extern "C" fn modssl_context_session_cache(ctx: *const Context) -> i32 {
    try_ref!(ctx).policy().session_cache.min(i32::MAX as usize) as i32
}

/// The largest plaintext we put in one record (rustls' `max_fragment_size`:
/// 32 to 16384; 0 for the default, 16384).  Outgoing only: rustls cannot
/// ask the peer for smaller records.
#[no_mangle]
pub extern "C" fn modssl_context_set_max_fragment(ctx: *mut Context, size: usize) -> i32 {
    if size != 0 && !(32..=16384).contains(&size) {
        return status::BAD_ARGUMENT;
    }
    with_ctx(ctx, |c| {
        c.policy_mut().max_fragment_size = if size == 0 { None } else { Some(size) };
        Ok(())
    })
}

/// The maximum fragment size, 0 for the default.
#[no_mangle]
pub extern "C" fn modssl_context_max_fragment(ctx: *const Context) -> i32 {
    try_ref!(ctx).policy().max_fragment_size.unwrap_or(0) as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::ptr;

    #[test]
    fn default_certs_follow_the_ca_bundle_feature() {
        let mut ctx = ptr::null_mut();
        assert_eq!(modssl_context_new(false, &mut ctx), status::OK);
        let expect =
            if cfg!(any(feature = "ca-bundle", feature = "ca-compact")) { status::OK } else { status::NO_CA_BUNDLE };
        assert_eq!(modssl_context_load_default_certs(ctx), expect);
        modssl_context_free(ctx);
    }

    /// The one pointer rule, for each kind of argument of a context call.
    #[test]
    fn null_pointers_follow_the_one_rule() {
        let bad = status::BAD_ARGUMENT;
        let null = ptr::null_mut::<Context>();
        assert_eq!(modssl_context_new(false, ptr::null_mut()), bad);
        modssl_context_free(null); // nothing to do
        assert_eq!(modssl_context_verify_mode(null), bad);
        assert_eq!(modssl_context_set_check_hostname(null, true), bad);
        assert_eq!(modssl_context_versions(null), bad);
        assert_eq!(modssl_context_session_cache(null), bad);
        assert_eq!(modssl_context_has_identity(null), bad);
        assert_eq!(modssl_context_cipher(null, 0, ptr::null_mut()), bad);
        let mut ctx = ptr::null_mut();
        assert_eq!(modssl_context_new(false, &mut ctx), status::OK);
        // A NULL buffer with a length is refused; with 0 it is empty.
        assert_eq!(modssl_context_load_verify(ctx, ptr::null(), 5), bad);
        assert_eq!(modssl_context_load_cert_chain(ctx, ptr::null(), 1, b"k".as_ptr(), 1), bad);
        assert_eq!(modssl_context_load_cert_chain(ctx, b"c".as_ptr(), 1, ptr::null(), 1), bad);
        assert_eq!(modssl_context_set_ciphers(ctx, ptr::null(), 2), bad);
        assert_eq!(modssl_context_add_pin(ctx, ptr::null()), bad);
        assert_eq!(modssl_cipher_id(ptr::null(), 3), bad);
        assert_eq!(modssl_key_check(ptr::null(), 3), bad);
        assert_eq!(modssl_context_set_alpn(ctx, ptr::null(), 0), status::OK);
        assert_eq!(modssl_cipher_id(ptr::null(), 0), status::UNKNOWN_CIPHER);
        assert_eq!(modssl_key_check(ptr::null(), 0), status::INVALID_KEY);
        // The index past the end, and the name pointer optional.
        let n = (0..).take_while(|&i| modssl_context_cipher(ctx, i, ptr::null_mut()) > 0).count();
        assert!(n > 0);
        assert_eq!(modssl_context_cipher(ctx, n, ptr::null_mut()), bad);
        modssl_context_free(ctx);
    }
}
