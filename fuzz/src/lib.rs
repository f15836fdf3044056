//! Shared pieces of the fuzz targets: contexts made through the C ABI (as
//! the shim makes them) and an in-memory pair of connections, so a target
//! can run a real handshake for a number of steps and then hand one side
//! to the fuzzer's bytes.  They live in the core as `modssl_rs::testkit`
//! (built with `std-host`), where `cargo test` drives handshakes with them
//! too.

/// The fuzz-only provider: `fuzz_provider::reset()` starts each input.
pub use modssl_rs::crypto::fuzz as fuzz_provider;
pub use modssl_rs::testkit::*;

pub mod states;
