//! cadata lists and certificate chains through the C ABI, as
//! `load_verify_locations(cadata=...)` and `load_cert_chain` give them: the
//! bytes are split at a fuzzed point into (chain, key) as well; then a
//! connection is made from each context (its configuration is built).
#![no_main]
use libfuzzer_sys::fuzz_target;
use modssl_rs_fuzz::*;

fuzz_target!(|data: &[u8]| {
    fuzz_provider::reset();
    let ctx = context(false, 2, None, None);
    let _ = ffi::modssl_context_load_verify(ctx, data.as_ptr(), data.len());
    if let Ok(c) = conn(ctx, b"localhost") {
        poke(c);
        ffi::modssl_conn_free(c);
    }
    ffi::modssl_context_free(ctx);

    let split = if data.len() >= 2 { u16::from_le_bytes([data[0], data[1]]) as usize % data.len() } else { 0 };
    let (chain, key) = data.split_at(split);
    for server in [false, true] {
        let ctx = context(server, 0, None, None);
        let _ = ffi::modssl_context_load_cert_chain(ctx, chain.as_ptr(), chain.len(), key.as_ptr(), key.len());
        let _ = ffi::modssl_context_load_verify(ctx, chain.as_ptr(), chain.len());
        if let Ok(c) = conn(ctx, b"localhost") {
            let _ = ffi::modssl_conn_process(c);
            ffi::modssl_conn_free(c);
        }
        ffi::modssl_context_free(ctx);
    }
});
