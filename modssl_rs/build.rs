//! One cfg for the tests that need every algorithm: the unit tests assume
//! the default (full) feature set; builds of smaller profiles run
//! `profile_tests` instead (`make test` does both).
fn main() {
    println!("cargo:rustc-check-cfg=cfg(all_algorithms)");
    let on = |f: &str| std::env::var_os(format!("CARGO_FEATURE_{}", f.to_uppercase().replace('-', "_"))).is_some();
    if ["tls12", "server", "p384", "rsa", "ed25519", "sign-ecdsa", "sign-rsa", "sign-ed25519"].iter().all(|f| on(f)) {
        println!("cargo:rustc-cfg=all_algorithms");
    }
}
