// Public-key operations alone, mbedTLS side (make bench): compiled with
// MicroPython's mbedTLS configuration and linked against the anchor's own
// mbedTLS objects (build/anchor/unix-mbedtls/lib/mbedtls/library).  Each
// bench_* function is one operation; bench.py counts its instructions with
// `valgrind --tool=callgrind --toggle-collect=bench_NAME`.
//   pkops_mbedtls ecdhe_p256 | ecdsa_p256_verify | ecdhe_p384 | ecdsa_p384_verify
#include <stdio.h>
#include <string.h>
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/ecdh.h"
#include "mbedtls/ecdsa.h"
#include "mbedtls/entropy.h"
#include "mbedtls/sha256.h"

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;

// One ECDHE as a TLS client does it: a fresh key pair, then the shared secret
// with the peer's public point.
__attribute__((noinline)) int bench_ecdhe(mbedtls_ecp_group_id gid, const mbedtls_ecp_point *peer) {
    mbedtls_ecp_group grp;
    mbedtls_mpi d, z;
    mbedtls_ecp_point q;
    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&d);
    mbedtls_mpi_init(&z);
    mbedtls_ecp_point_init(&q);
    int r = mbedtls_ecp_group_load(&grp, gid);
    r |= mbedtls_ecdh_gen_public(&grp, &d, &q, mbedtls_ctr_drbg_random, &drbg);
    r |= mbedtls_ecdh_compute_shared(&grp, &z, peer, &d, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_ecp_group_free(&grp);
    mbedtls_mpi_free(&d);
    mbedtls_mpi_free(&z);
    mbedtls_ecp_point_free(&q);
    return r;
}

// One ECDSA verification of a DER signature over a SHA-256/384 hash.
__attribute__((noinline)) int bench_ecdsa_verify(mbedtls_ecdsa_context *key, const unsigned char *hash, size_t hlen,
    const unsigned char *sig, size_t slen) {
    return mbedtls_ecdsa_read_signature(key, hash, hlen, sig, slen);
}

int main(int argc, char **argv) {
    const char *op = argc > 1 ? argv[1] : "ecdhe_p256";
    mbedtls_ecp_group_id gid = strstr(op, "p384") ? MBEDTLS_ECP_DP_SECP384R1 : MBEDTLS_ECP_DP_SECP256R1;
    size_t hlen = gid == MBEDTLS_ECP_DP_SECP384R1 ? 48 : 32;
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0)) {
        return 2;
    }
    mbedtls_ecdsa_context key;
    mbedtls_ecdsa_init(&key);
    if (mbedtls_ecdsa_genkey(&key, gid, mbedtls_ctr_drbg_random, &drbg)) {
        return 3;
    }
    unsigned char hash[48], sig[MBEDTLS_ECDSA_MAX_LEN];
    size_t slen = 0;
    memset(hash, 0x5a, sizeof(hash));
    if (mbedtls_ecdsa_write_signature(&key, MBEDTLS_MD_SHA256, hash, hlen, sig, sizeof(sig), &slen,
        mbedtls_ctr_drbg_random, &drbg)) {
        return 4;
    }
    int r;
    if (strstr(op, "ecdhe")) {
        r = bench_ecdhe(gid, &key.MBEDTLS_PRIVATE(Q));
    } else {
        r = bench_ecdsa_verify(&key, hash, hlen, sig, slen);
    }
    printf("%s: %s\n", op, r ? "FAILED" : "ok");
    return r ? 1 : 0;
}
