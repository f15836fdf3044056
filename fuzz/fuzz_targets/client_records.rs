//! Records from a hostile server into a client connection, at any point of
//! the handshake and after it: a real in-memory server plays the first
//! `steps` transfers, then the fuzzer's bytes arrive instead of its next
//! flight.  Byte 0: steps (0..8); byte 1: options (TLS 1.2 only, server
//! key type, verification).
#![no_main]
use libfuzzer_sys::fuzz_target;
use modssl_rs_fuzz::*;

fuzz_target!(|data: &[u8]| {
    fuzz_provider::reset();
    if data.len() < 2 {
        return;
    }
    let (steps, opts, records) = (data[0] % 8, data[1], &data[2..]);
    let verify = if opts & 4 != 0 { 2 } else { 0 };
    let cctx = context(false, verify, None, Some(CA_PEM));
    if opts & 1 != 0 {
        // TLS 1.2 suites only
        let ids = [0xC02Bu16, 0xC02C, 0xCCA9, 0xC02F, 0xC030, 0xCCA8];
        assert_eq!(ffi::modssl_context_set_ciphers(cctx, ids.as_ptr(), ids.len()), status::OK);
    }
    let identity = if opts & 2 != 0 { (RSA_PEM, RSA_KEY) } else { (LEAF_CHAIN, LEAF_KEY) };
    let sctx = context(true, 0, Some(identity), None);
    let client = conn(cctx, b"localhost").expect("client connection");
    let server = conn(sctx, b"").expect("server connection");
    if exchange(client, server, steps) {
        states::reached("client_records", states::CLIENT_STATES, states::client_state(client));
        let _ = feed(client, records);
        poke(client);
    } else {
        states::reached("client_records", states::CLIENT_STATES, "real exchange failed (not a defined state)");
    }
    ffi::modssl_conn_free(client);
    ffi::modssl_conn_free(server);
    ffi::modssl_context_free(cctx);
    ffi::modssl_context_free(sctx);
});
