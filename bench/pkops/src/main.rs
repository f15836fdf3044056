//! pkops OP [PUBKEY MSG SIG]: one public-key operation of the core, for
//! callgrind (`--toggle-collect=bench_ecdhe` / `bench_verify`).
//!   ecdhe_x25519 | ecdhe_p256 | ecdhe_p384: a key pair and the shared secret
//!       with a peer's share (what a TLS client does per handshake);
//!   ecdsa_p256_verify | ecdsa_p384_verify PUBKEY MSG SIG: verify a DER
//!       signature (SHA-256 / SHA-384) with an uncompressed public point.
use std::hint::black_box;

use modssl_rs::crypto::{kx, verify};
use rustls::crypto::SupportedKxGroup;
use rustls::pki_types::SignatureVerificationAlgorithm;

#[no_mangle]
#[inline(never)]
pub fn bench_ecdhe(group: &dyn SupportedKxGroup, peer: &[u8]) -> bool {
    match group.start() {
        Ok(kx) => kx.complete(peer).is_ok(),
        Err(_) => false,
    }
}

#[no_mangle]
#[inline(never)]
pub fn bench_verify(alg: &dyn SignatureVerificationAlgorithm, pk: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    alg.verify_signature(pk, msg, sig).is_ok()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let op = args.get(1).map(String::as_str).unwrap_or("ecdhe_p256");
    let ok = match op {
        "ecdhe_x25519" | "ecdhe_p256" | "ecdhe_p384" => {
            let group: &dyn SupportedKxGroup = match op {
                "ecdhe_x25519" => &kx::X25519,
                "ecdhe_p256" => &kx::SECP256R1,
                _ => &kx::SECP384R1,
            };
            let peer = group.start().expect("peer key").pub_key().to_vec();
            bench_ecdhe(black_box(group), black_box(&peer))
        }
        "ecdsa_p256_verify" | "ecdsa_p384_verify" => {
            let read = |i: usize| std::fs::read(&args[i]).expect("PUBKEY MSG SIG files");
            let (pk, msg, sig) = (read(2), read(3), read(4));
            let alg = if op == "ecdsa_p256_verify" { verify::ECDSA_P256_SHA256 } else { verify::ECDSA_P384_SHA384 };
            bench_verify(black_box(alg), black_box(&pk), black_box(&msg), black_box(&sig))
        }
        _ => {
            eprintln!("unknown operation {op}");
            std::process::exit(2)
        }
    };
    println!("{op}: {}", if ok { "ok" } else { "FAILED" });
    std::process::exit(if ok { 0 } else { 1 })
}
