//! The C ABI: the only contract between the core and the shim.  cbindgen
//! turns this module into `micropython/modssl_rs.h`.  A file per handle, as
//! in rustls-ffi:
//! * `context.rs`: `modssl_context`, an `SSLContext` (its options, keys,
//!   trusted certificates), and the handle-less key and suite lookups;
//! * `conn.rs`: `modssl_conn`, one TLS connection and its arena;
//! * `status.rs`: the status codes, their texts and exceptions;
//! * `mem.rs`: the memory totals and the test builds' allocator hooks;
//! * `port.rs`: the hooks the core calls, which each port writes in C.
//!
//! Conventions (as in rustls-ffi):
//! * Handles are opaque pointers made and freed here.
//! * One rule for pointers, kept by the macros below: a NULL handle, a NULL
//!   out-pointer, and a NULL buffer with a non-zero length are refused with
//!   `BAD_ARGUMENT` (a function that returns a size returns 0, one that
//!   returns nothing does nothing); a NULL buffer of length 0 is empty.
//! * Functions return a status (`ffi::status`): `>= 0` success, `< 0` error.
//! * No function unwinds.  A panic inside one (a bug, or an allocation a
//!   connection's arena cannot meet) leaves through the shim's guard via
//!   `modssl_port_panic_escape`; the shim must then call
//!   [`modssl_conn_discard`] on that connection and never touch it again.
//!   See `docs/design.md`.
//! * Connection calls run with that connection's arena as the current
//!   allocation owner; context calls allocate on the shared tracked heap.
//!
//! The functions are safe `extern "C"` functions that take raw pointers, as
//! in rustls-ffi: C cannot honour an `unsafe` marker, and every pointer is
//! checked (NULL, length) before it is used, so clippy's
//! `not_unsafe_ptr_arg_deref` (which asks for `unsafe fn`) is allowed for
//! this module alone.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

use core::slice;

/// `&T` from a `*const T`/`*mut T` handle, or `return $bad` (default
/// `BAD_ARGUMENT`) for NULL.
macro_rules! try_ref {
    ($p:expr) => {
        try_ref!($p, $crate::ffi::status::BAD_ARGUMENT)
    };
    ($p:expr, $bad:expr) => {
        match unsafe { $p.as_ref() } {
            Some(r) => r,
            None => return $bad,
        }
    };
}

/// `&mut T` from a `*mut T` handle, or `return $bad` for NULL.
macro_rules! try_mut {
    ($p:expr) => {
        try_mut!($p, $crate::ffi::status::BAD_ARGUMENT)
    };
    ($p:expr, $bad:expr) => {
        match unsafe { $p.as_mut() } {
            Some(r) => r,
            None => return $bad,
        }
    };
}

/// `&[T]` from a pointer and a length (NULL with 0 is empty), or `return
/// $bad` for NULL with a length.
macro_rules! try_slice {
    ($p:expr, $len:expr) => {
        try_slice!($p, $len, $crate::ffi::status::BAD_ARGUMENT)
    };
    ($p:expr, $len:expr, $bad:expr) => {
        match unsafe { $crate::ffi::slice_of($p, $len) } {
            Some(s) => s,
            None => return $bad,
        }
    };
}

/// `&mut [T]` from a pointer and a length, as `try_slice!`.
macro_rules! try_slice_mut {
    ($p:expr, $len:expr, $bad:expr) => {
        match unsafe { $crate::ffi::slice_of_mut($p, $len) } {
            Some(s) => s,
            None => return $bad,
        }
    };
}

/// An out-pointer the function writes through: `return $bad` for NULL
/// (`()`: a plain `return`, for the functions that return nothing).
macro_rules! try_out {
    ($p:expr) => {
        try_out!($p, $crate::ffi::status::BAD_ARGUMENT)
    };
    ($p:expr, ()) => {
        if $p.is_null() {
            return;
        }
    };
    ($p:expr, $bad:expr) => {
        if $p.is_null() {
            return $bad;
        }
    };
}

pub mod conn;
pub mod context;
pub mod mem;
pub mod port;
pub mod status;

pub use conn::*;
pub use context::*;
pub use mem::*;
pub use status::{modssl_status_raised, modssl_status_text};

/// Our version string, NUL-terminated (`tls.MODSSL_VERSION`); a test keeps
/// it in step with the crate version.
#[no_mangle]
pub static modssl_version_string: [u8; 42] = *b"modssl-rs 0.1.0 (rustls 0.23, RustCrypto)\0";

/// The slice behind `(p, len)`: empty for NULL with 0, `None` for NULL
/// with a length.
///
/// # Safety
/// A non-NULL `p` must point at `len` readable `T`s that outlive `'a`.
pub(crate) unsafe fn slice_of<'a, T>(p: *const T, len: usize) -> Option<&'a [T]> {
    match (p.is_null(), len) {
        (true, 0) => Some(&[]),
        (true, _) => None,
        (false, _) => Some(slice::from_raw_parts(p, len)),
    }
}

/// As [`slice_of`], writable.
///
/// # Safety
/// A non-NULL `p` must point at `len` writable `T`s, unaliased for `'a`.
pub(crate) unsafe fn slice_of_mut<'a, T>(p: *mut T, len: usize) -> Option<&'a mut [T]> {
    match (p.is_null(), len) {
        (true, 0) => Some(&mut []),
        (true, _) => None,
        (false, _) => Some(slice::from_raw_parts_mut(p, len)),
    }
}

/// `Ok` as `OK`, an error as its code.
fn code_of(r: Result<(), i32>) -> i32 {
    match r {
        Ok(()) => status::OK,
        Err(e) => e,
    }
}

#[cfg(all(test, all_algorithms))]
mod tests {
    #[test]
    fn version_string_names_the_crate_version() {
        let v = core::str::from_utf8(&crate::ffi::modssl_version_string).unwrap();
        assert!(v.contains(concat!(" ", env!("CARGO_PKG_VERSION"), " ")));
        assert!(v.ends_with('\0'));
    }
}
