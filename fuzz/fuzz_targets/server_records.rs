//! Records from a hostile client into a server connection, at any point of
//! the handshake and after it: a real in-memory client plays the first
//! `steps` transfers (the server's own flights go to it), then the fuzzer's
//! bytes arrive.  Byte 0: steps (0..8; 0 = the ClientHello itself is
//! fuzzed); byte 1: options (TLS 1.2 only, client certificates required).
#![no_main]
use libfuzzer_sys::fuzz_target;
use modssl_rs_fuzz::*;

fuzz_target!(|data: &[u8]| {
    fuzz_provider::reset();
    if data.len() < 2 {
        return;
    }
    let (steps, opts, records) = (data[0] % 8, data[1], &data[2..]);
    let mtls = opts & 2 != 0;
    let cctx = context(false, 0, mtls.then_some((CLIENT_PEM, CLIENT_KEY)), None);
    if opts & 1 != 0 {
        let ids = [0xC02Bu16, 0xC02C, 0xCCA9];
        assert_eq!(ffi::modssl_context_set_ciphers(cctx, ids.as_ptr(), ids.len()), status::OK);
    }
    let sctx = context(true, if mtls { 2 } else { 0 }, Some((LEAF_CHAIN, LEAF_KEY)), mtls.then_some(CA_PEM));
    let client = conn(cctx, b"localhost").expect("client connection");
    let server = conn(sctx, b"").expect("server connection");
    // The client speaks first; with steps == 0 the server sees only fuzz.
    if exchange(client, server, steps) {
        states::reached("server_records", states::SERVER_STATES, states::server_state(server, mtls));
        let _ = feed(server, records);
        poke(server);
    } else {
        states::reached("server_records", states::SERVER_STATES, "real exchange failed (not a defined state)");
    }
    ffi::modssl_conn_free(client);
    ffi::modssl_conn_free(server);
    ffi::modssl_context_free(cctx);
    ffi::modssl_context_free(sctx);
});
