//! The C ABI: the only contract between the core and the shim.  cbindgen
//! turns this file into `micropython/modssl_rs.h`.
//!
//! Conventions (as in rustls-ffi):
//! * Handles are opaque pointers made and freed here.  NULL handles and NULL
//!   buffers with a non-zero length are rejected with `BAD_ARGUMENT`.
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

pub mod status;

/// Our version string, NUL-terminated (`tls.MODSSL_VERSION`); a test keeps
/// it in step with the crate version.
#[no_mangle]
pub static modssl_version_string: [u8; 42] = *b"modssl-rs 0.1.0 (rustls 0.23, RustCrypto)\0";

mod api;
mod compat;
mod policy;
pub use api::*;
pub use compat::*;
pub use policy::*;
