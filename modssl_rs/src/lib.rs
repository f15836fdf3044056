//! modssl_rs: the rustls core of MicroPython's `ssl`/`tls` modules.
//!
//! `no_std` + `alloc`.  The core never touches a socket: the C shim
//! (`micropython/`) moves bytes between the MicroPython stream and the
//! connection objects here, through the C ABI in [`ffi`] (the only contract
//! between Rust and C; cbindgen writes its header).
#![cfg_attr(not(test), no_std)]

extern crate alloc;

mod asn1;
#[cfg(feature = "cert-compress")]
pub mod compress;
pub mod conn;
pub mod context;
pub mod crypto;
pub mod errors;
pub mod ffi;
pub mod heap;
pub mod pem;
pub mod policy;
pub mod port;
#[cfg(feature = "ca-compact")]
pub mod roots_compact;
pub mod rpk;
pub mod session;
pub mod suites;
// Connections driven through the C ABI (tests, fuzz targets, host tools).
#[cfg(any(test, feature = "std-host"))]
pub mod testkit;
pub mod verifier;

#[cfg(all(test, all_algorithms))]
mod ffi_tests;
#[cfg(test)]
mod profile_tests;

// `std-host` (fuzzing, host tools): std's allocator and panic machinery,
// the port hooks from `port::test_port`.
#[cfg(not(any(test, feature = "std-host")))]
#[global_allocator]
static ALLOCATOR: heap::ModsslAllocator = heap::ModsslAllocator;

#[cfg(not(any(test, feature = "std-host")))]
mod panic;
