//! The C ABI of `policy.rs` (CPython- and Arduino-style options) and of
//! the memory totals.

use core::slice;

use super::status;
use crate::context::Context;
use crate::heap::OwnerGuard;

use super::api::Connection;

fn with_ctx(ctx: *mut Context, f: impl FnOnce(&mut Context) -> Result<(), i32>) -> i32 {
    match unsafe { ctx.as_mut() } {
        Some(ctx) => match OwnerGuard::shared(|| f(ctx)) {
            Ok(()) => status::OK,
            Err(e) => e,
        },
        None => status::BAD_ARGUMENT,
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
    match unsafe { ctx.as_ref() } {
        Some(c) => c.checks_hostname() as i32,
        None => status::BAD_ARGUMENT,
    }
}

/// ALPN protocols in wire form (each prefixed by its length); empty: none.
#[no_mangle]
pub extern "C" fn modssl_context_set_alpn(ctx: *mut Context, wire: *const u8, len: usize) -> i32 {
    if wire.is_null() && len != 0 {
        return status::BAD_ARGUMENT;
    }
    let wire = if len == 0 { &[][..] } else { unsafe { slice::from_raw_parts(wire, len) } };
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
    match unsafe { ctx.as_ref() } {
        Some(c) => ((c.policy().min_version as i32) << 16) | c.policy().max_version as i32,
        None => status::BAD_ARGUMENT,
    }
}

/// Pins a peer by the SHA-256 (32 bytes) of its certificate's DER or of its
/// SubjectPublicKeyInfo's DER.
#[no_mangle]
pub extern "C" fn modssl_context_add_pin(ctx: *mut Context, sha256: *const u8) -> i32 {
    if sha256.is_null() {
        return status::BAD_ARGUMENT;
    }
    let mut pin = [0u8; 32];
    pin.copy_from_slice(unsafe { slice::from_raw_parts(sha256, 32) });
    with_ctx(ctx, |c| {
        c.policy_mut().pins.push(pin);
        Ok(())
    })
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
    match unsafe { ctx.as_ref() } {
        Some(c) => c.policy().session_cache.min(i32::MAX as usize) as i32,
        None => status::BAD_ARGUMENT,
    }
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
    match unsafe { ctx.as_ref() } {
        Some(c) => c.policy().max_fragment_size.unwrap_or(0) as i32,
        None => status::BAD_ARGUMENT,
    }
}

/// Whether the connection's handshake resumed a session: 1, 0, or an error.
#[no_mangle]
pub extern "C" fn modssl_conn_resumed(conn: *const Connection) -> i32 {
    match unsafe { conn.as_ref() } {
        Some(c) => c.conn().resumed() as i32,
        None => status::BAD_ARGUMENT,
    }
}

/// The ALPN protocol the peers agreed on: `*proto`/`*len`, or length 0.
#[no_mangle]
pub extern "C" fn modssl_conn_alpn(conn: *const Connection, proto: *mut *const u8, len: *mut usize) -> i32 {
    let (Some(c), false, false) = (unsafe { conn.as_ref() }, proto.is_null(), len.is_null()) else {
        return status::BAD_ARGUMENT;
    };
    let p = c.conn().alpn_protocol().unwrap_or(&[]);
    unsafe {
        *proto = p.as_ptr();
        *len = p.len();
    }
    status::OK
}

/// Heap held by TLS connections, over all of them.
#[repr(C)]
pub struct MemInfo {
    /// Connections alive (open, or abandoned and not yet collected).
    pub connections: usize,
    /// MicroPython heap their arenas hold.
    pub reserved: usize,
    /// Bytes in use inside those arenas.
    pub used: usize,
}

#[no_mangle]
pub extern "C" fn modssl_mem_info() -> MemInfo {
    let (connections, reserved, used) = crate::heap::arena_totals();
    MemInfo { connections, reserved, used }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::modssl_context_new;

    #[test]
    fn default_certs_follow_the_ca_bundle_feature() {
        let mut ctx = core::ptr::null_mut();
        assert_eq!(modssl_context_new(false, &mut ctx), status::OK);
        let expect =
            if cfg!(any(feature = "ca-bundle", feature = "ca-compact")) { status::OK } else { status::NO_CA_BUNDLE };
        assert_eq!(modssl_context_load_default_certs(ctx), expect);
        crate::ffi::modssl_context_free(ctx);
    }
}
