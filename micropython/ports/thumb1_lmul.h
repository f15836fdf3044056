// A Thumb-1 (ARMv6-M) __aeabi_lmul, (a * b) mod 2^64, for the emulated
// Cortex-M0+ firmware: included by micropython/ports/qemu.c (MPS2 board) and
// by the mbedTLS anchor's glue (bench/anchor-qemu), so both run the same one.
//
// Why: ARMv6-M has no 32x32->64 multiply (UMULL), so every u64 product in
// the Rust core (p256's field arithmetic: about 2 million per client
// handshake) and in mbedTLS's bignum C becomes a call to __aeabi_lmul.  On a
// real RP2040 the Pico SDK replaces it for the whole firmware with a Thumb-1
// routine (pico_int64_ops, by --wrap).  Without this, our core would call
// compiler_builtins' generic __muldi3 (about 40 instructions a call, half of
// the handshake: 163.5 M instructions, 97.2 M with this and p256 at
// opt-level 2) and the anchor libgcc's -- the Cortex-M3 one with UMULL, which
// no RP2040 has.  23 instructions: four 16x16->32 MULS and branch-free
// carries (its time does not depend on the operands).  A strong symbol: it
// overrides compiler_builtins' weak one and keeps libgcc's out of the link.
#ifndef MODSSL_THUMB1_LMUL_H
#define MODSSL_THUMB1_LMUL_H

__asm__ (
    "    .pushsection .text.__aeabi_lmul, \"ax\", %progbits\n"
    "    .syntax unified\n"
    "    .balign 4\n"
    "    .global __aeabi_lmul\n"
    "    .type __aeabi_lmul, %function\n"
    "    .thumb_func\n"
    "__aeabi_lmul:\n"                 // r1:r0 = a, r3:r2 = b; returns (a*b) mod 2^64 in r1:r0
    "    push {r4, r5, r6, lr}\n"
    "    muls r1, r2, r1\n"           // a_hi*b_lo
    "    muls r3, r0, r3\n"           // b_hi*a_lo
    "    adds r5, r1, r3\n"           // cross terms: go into the high word only
    "    lsrs r4, r0, #16\n"          // ah
    "    uxth r0, r0\n"               // al
    "    lsrs r6, r2, #16\n"          // bh
    "    uxth r2, r2\n"               // bl
    "    movs r1, r0\n"
    "    muls r0, r2, r0\n"           // lo = al*bl
    "    muls r1, r6, r1\n"           // al*bh
    "    muls r2, r4, r2\n"           // ah*bl
    "    muls r4, r6, r4\n"           // hi = ah*bh
    "    lsls r3, r1, #16\n"
    "    lsrs r1, r1, #16\n"
    "    adds r0, r0, r3\n"
    "    adcs r4, r4, r1\n"           // hi += (al*bh) >> 16 + carry
    "    lsls r3, r2, #16\n"
    "    lsrs r2, r2, #16\n"
    "    adds r0, r0, r3\n"
    "    adcs r4, r4, r2\n"           // hi += (ah*bl) >> 16 + carry
    "    adds r1, r4, r5\n"
    "    pop {r4, r5, r6, pc}\n"
    "    .size __aeabi_lmul, . - __aeabi_lmul\n"
    "    .popsection\n"
    );

#endif // MODSSL_THUMB1_LMUL_H
