/* The core's C ABI on the emulated ESP32 core (scripts/xtensa-qemu-test.sh
   handshake): a client and a server context made from tests-data/certs/, an
   in-memory pair of connections driven as micropython/modssl_socket.c drives
   them (process, send_pending/consume, recv_space/commit, read, write), every
   call under the guard of micropython/modssl_guard.h, then:
     1. TLS 1.3, TLS_CHACHA20_POLY1305_SHA256, P-256 server chain verified;
     2. TLS 1.2, ECDHE-RSA-AES128-GCM, RSA-2048 server verified;
     3. a client whose heap gives out in the middle of the handshake: the
        core's allocation failure must come back through the guard
        (modssl_port_panic_escape -> longjmp) as MODSSL_OUT_OF_MEMORY.
   The checks of modssl_rs/src/ffi_tests.rs' handshakes: version, suite,
   suite name, the peer certificates each end saw, data both ways.
   Instruction counts from CCOUNT (qemu -icount shift=0: 1 instruction per ns;
   the core imported at 240 MHz: CCOUNT = 0.24 per instruction).

   *** FOR TESTS ONLY: modssl_port_random() below is a fixed xorshift stream,
   *** not random; modssl_port_time() a fixed date. */
#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modssl_guard.h"
#include "modssl_rs.h"
#include "certs.h" /* generated from modssl_rs/tests-data/certs/ */

int sim_write(int fd, const void *buf, unsigned len);
void sim_exit(int status);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* ---- output ---- */
static size_t slen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
static void out(const char *s) { sim_write(1, s, slen(s)); }
static void out_u(uint64_t v) {
    char b[24]; int i = 23; b[i] = 0;
    do { b[--i] = (char)('0' + v % 10); v /= 10; } while (v);
    out(&b[i]);
}
static void out_i(int64_t v) { if (v < 0) { out("-"); out_u((uint64_t)-v); } else out_u((uint64_t)v); }
static void out_hex(uint32_t v) {
    char b[11] = "0x"; for (int i = 0; i < 8; i++) b[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15];
    b[10] = 0; out(b);
}
static int failures;
#define CHECK(cond, what) do { if (!(cond)) { out("FAIL: "); out(what); out("\n"); failures++; } } while (0)

uint32_t xt_ccount(void); /* crt0.S */
static uint32_t ccount(void) { return xt_ccount(); }
/* instructions from CCOUNT ticks (240 MHz under icount shift=0) */
static uint64_t instr(uint32_t ticks) { return (uint64_t)ticks * 1000u / 240u; }

/* ---- heap: first-fit free list over data RAM, blocks zeroed (calloc) ----
   A freed block is reused whole (not split) by the first request it fits,
   so a 32-byte request may sit in a recycled 8 KiB block: heap_in_use
   counts what was asked for (rounded up, with this header), not the
   capacity of the block that holds it, which would charge the core for
   this allocator's fragmentation (docs/esp32.md). */
extern uint8_t _heap_start[], _stack_top[];
#define STACK_RESERVE (256 * 1024)
typedef struct blk { size_t size, used; struct blk *next; } blk_t; /* size: capacity, used: charged; both include the header */
static uint8_t *heap_brk;
static blk_t *free_list;
static size_t heap_in_use, heap_peak;
static long fail_after = -1; /* allocations left before tracked_alloc fails; -1 never */
#ifdef HEAP_DEBUG
/* host only (tests/xtensa/host.c): each live block with its allocation's
   sequence number, the harness's phase then, and its call stack */
void heap_debug_alloc(void *p, size_t size);
void heap_debug_free(void *p);
void heap_debug_list(const char *when);
extern const char *heap_phase;
#define PHASE(s) (heap_phase = (s))
#else
#define PHASE(s) ((void)0)
#endif

void *modssl_port_tracked_alloc(size_t size) {
    if (fail_after == 0) return NULL;
    if (fail_after > 0) fail_after--;
    size_t need = (size + sizeof(blk_t) + 15) & ~(size_t)15;
    blk_t **pp = &free_list, *b;
    for (; (b = *pp) != NULL; pp = &b->next) {
        if (b->size >= need) { *pp = b->next; break; }
    }
    if (b == NULL) {
        if (heap_brk == NULL) heap_brk = (uint8_t *)(((uintptr_t)_heap_start + 15) & ~(uintptr_t)15);
        if ((size_t)(_stack_top - STACK_RESERVE - heap_brk) < need) return NULL;
        b = (blk_t *)heap_brk; b->size = need; heap_brk += need;
    }
    b->used = need;
    heap_in_use += need;
    if (heap_in_use > heap_peak) heap_peak = heap_in_use;
    memset(b + 1, 0, b->size - sizeof(blk_t));
#ifdef HEAP_DEBUG
    heap_debug_alloc(b + 1, size);
#endif
    return b + 1;
}
void modssl_port_tracked_free(void *p) {
    if (!p) return;
    blk_t *b = (blk_t *)p - 1;
#ifdef HEAP_DEBUG
    heap_debug_free(p);
#endif
    heap_in_use -= b->used;
    b->next = free_list; free_list = b;
}

/* ---- the other port hooks ---- */
static void *owner;
void **modssl_port_owner_slot(void) { return &owner; }
static uint32_t rng = 0x2545F491u; /* TEST ONLY: a fixed stream */
int32_t modssl_port_random(uint8_t *buf, size_t len) {
    for (size_t i = 0; i < len; i++) { rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5; buf[i] = (uint8_t)rng; }
    return 0;
}
int64_t modssl_port_time(void) { return 1780000000; /* 2026-05-28, inside the test certificates' validity */ }
/* no zlib here: certificate compression (the general profile's) off */
int32_t modssl_port_inflate(const uint8_t *in, size_t in_len, uint8_t *o, size_t out_len) {
    (void)in; (void)in_len; (void)o; (void)out_len; return -2; /* PORT_ZLIB_UNSUPPORTED */
}
intptr_t modssl_port_deflate(const uint8_t *in, size_t in_len, uint8_t *o, size_t out_cap) {
    (void)in; (void)in_len; (void)o; (void)out_cap; return -2;
}
int32_t modssl_port_run_deep(void (*fn)(void *), void *arg) { fn(arg); return 0; } /* one big stack */
void modssl_port_release_deep(void) {}
void abort(void) { out("abort()\n"); sim_exit(97); for (;;) {} }

static mpssl_guard_t *current_guard;
void mpssl_guard_push(mpssl_guard_t *g) { g->code = 0; g->prev = current_guard; current_guard = g; }
void mpssl_guard_pop(mpssl_guard_t *g) { current_guard = g->prev; }
static int escapes;
__attribute__((noreturn)) void modssl_port_panic_escape(int32_t code) {
    mpssl_guard_t *g = current_guard;
    owner = NULL;
    if (g == NULL) { out("panic escape outside a guard\n"); sim_exit(96); for (;;) {} }
    escapes++;
    g->code = code;
    current_guard = g->prev;
    longjmp(g->jb, 1);
}

/* ---- an in-memory socket pair ---- */
#define BOX 24576
typedef struct end {
    const char *name;
    modssl_conn *conn;
    uint8_t inbox[BOX]; size_t in_len;
    struct end *peer;
    int32_t error;
    uint32_t ticks; /* CCOUNT ticks spent in this end's calls */
    size_t stack;   /* deepest stack below advance()'s frame, bytes */
} end_t;

static void deliver(end_t *to, const uint8_t *p, size_t n) {
    if (to->in_len + n > BOX) { out("inbox overflow\n"); sim_exit(95); }
    memcpy(to->inbox + to->in_len, p, n); to->in_len += n;
}
/* flush_out: everything queued goes to the peer */
static int32_t flush_out(end_t *e) {
    for (;;) {
        const uint8_t *p = NULL; size_t n = 0;
        MPSSL_GUARDED(n = modssl_conn_send_pending(e->conn, &p), return escape_code);
        if (n == 0) return 0;
        deliver(e->peer, p, n);
        MPSSL_GUARDED(modssl_conn_send_consume(e->conn, n), return escape_code);
    }
}
/* fill_in: what the peer sent, into the room the core offers; 0 if none */
static int32_t fill_in(end_t *e, size_t *moved) {
    uint8_t *buf = NULL; size_t room = 0;
    *moved = 0;
    if (e->in_len == 0) return 0;
    MPSSL_GUARDED(room = modssl_conn_recv_space(e->conn, &buf), return escape_code);
    size_t n = room < e->in_len ? room : e->in_len;
    memcpy(buf, e->inbox, n);
    memmove(e->inbox, e->inbox + n, e->in_len - n); e->in_len -= n;
    MPSSL_GUARDED(modssl_conn_recv_commit(e->conn, n), return escape_code);
    *moved = n;
    return 0;
}
/* Stack depth: the words below the caller's sp painted before each
   handshake step, the lowest overwritten one found after it. */
#define PAINT 0x5a17c0deu
#define PAINT_BYTES (128 * 1024)
static __attribute__((noinline)) uint32_t *paint_stack(void) {
    uint32_t *sp = (uint32_t *)__builtin_frame_address(0);
    uint32_t *lo = sp - PAINT_BYTES / 4;
    for (uint32_t *p = lo; p < sp - 64; p++) *p = PAINT;
    return lo;
}
static size_t stack_used(uint32_t *lo, uint8_t *top) {
    uint32_t *p = lo;
    while (*p == PAINT) p++;
    return (size_t)(top - (uint8_t *)p);
}

/* advance_handshake: 1 done, 0 waiting, <0 failed */
static int32_t advance(end_t *e) {
    uint32_t *lo = paint_stack();
    uint8_t *top = (uint8_t *)__builtin_frame_address(0);
    uint32_t t0 = ccount();
    int32_t r;
    for (;;) {
        int32_t flags = 0;
        MPSSL_GUARDED(flags = modssl_conn_process(e->conn), flags = escape_code);
        if (flags < 0) { r = flags; break; }
        if ((r = flush_out(e)) < 0) break;
        if (!(flags & MODSSL_FLAG_HANDSHAKING)) { r = 1; break; }
        size_t moved;
        if ((r = fill_in(e, &moved)) < 0) break;
        if (moved == 0) { r = 0; break; }
    }
    e->ticks += ccount() - t0;
    size_t used = stack_used(lo, top);
    if (used > e->stack) e->stack = used;
    if (r < 0) {
        e->error = r;
        modssl_conn_discard(e->conn); /* as the shim does after an escape */
        e->conn = NULL;
    }
    return r;
}
static int handshake(end_t *c, end_t *s) {
    int done_c = 0, done_s = 0;
    for (int round = 0; round < 20; round++) {
        if (!done_c && !c->error) done_c = advance(c) == 1;
        if (!done_s && !s->error) done_s = advance(s) == 1;
        if ((done_c || c->error) && (done_s || s->error)) break;
    }
    return done_c && done_s;
}
/* data from one end to the other, back as read */
static int send_recv(end_t *from, end_t *to, const uint8_t *data, size_t n) {
    ptrdiff_t w = 0;
    MPSSL_GUARDED(w = modssl_conn_write(from->conn, data, n), w = escape_code);
    if (w != (ptrdiff_t)n) { out("write gave "); out_i(w); out("\n"); return 0; }
    if (flush_out(from) < 0) return 0;
    uint8_t got[256]; size_t have = 0;
    for (int i = 0; i < 10 && have < n; i++) {
        size_t moved;
        if (fill_in(to, &moved) < 0) return 0;
        int32_t f = 0;
        MPSSL_GUARDED(f = modssl_conn_process(to->conn), f = escape_code);
        if (f < 0) return 0;
        ptrdiff_t r = 0;
        MPSSL_GUARDED(r = modssl_conn_read(to->conn, got + have, sizeof got - have), r = escape_code);
        if (r < 0) return 0;
        have += (size_t)r;
    }
    return have == n && memcmp(got, data, n) == 0;
}

static modssl_context *context(bool server, uint8_t verify, const char *cert, const char *key, const char *ca) {
    modssl_context *ctx = NULL;
    int32_t r = 0;
    CTX_CALL(r, modssl_context_new(server, &ctx));
    CHECK(r == MODSSL_OK, "modssl_context_new");
    CTX_CALL(r, modssl_context_set_verify_mode(ctx, verify, true));
    CHECK(r == MODSSL_OK, "set_verify_mode");
    if (cert) {
        CTX_CALL(r, modssl_context_load_cert_chain(ctx, (const uint8_t *)cert, slen(cert), (const uint8_t *)key, slen(key)));
        CHECK(r == MODSSL_OK, "load_cert_chain");
    }
    if (ca) {
        CTX_CALL(r, modssl_context_load_verify(ctx, (const uint8_t *)ca, slen(ca)));
        CHECK(r > 0, "load_verify");
    }
    return ctx;
}

/* clang-22's Xtensa C ABI passes a 12-byte struct by value on the stack
   (byval) even where it fits the argument registers left; GCC (and rustc
   1.96, which built modssl_conn_new) pass it in a5-a7 and the next argument
   on the stack (docs/esp32.md).  So under clang the harness calls
   modssl_conn_new with the arena's three words as scalars: the same
   registers and stack slot as GCC's call of the declared prototype.  GCC
   (XTENSA_CC=gcc) and the host call the declared prototype. */
#if defined(__XTENSA__) && defined(__clang__)
typedef int32_t (*conn_new_gcc_abi_t)(modssl_context *, const uint8_t *, size_t, size_t, size_t, size_t,
                                      modssl_conn **);
#define CONN_NEW(ctx, name, len, a, out) \
    ((conn_new_gcc_abi_t)(void *)modssl_conn_new)(ctx, name, len, (a).first_chunk, (a).grow_chunk, (a).limit, out)
#else /* GCC for the ESP32, the host (tests/xtensa/host.c): the declared prototype */
#define CONN_NEW(ctx, name, len, a, out) modssl_conn_new(ctx, name, len, a, out)
#endif

static end_t C, S;

static void pair2(modssl_context *cctx, modssl_context *sctx, modssl_arena_config carena, modssl_arena_config sarena) {
    memset(&C, 0, sizeof C); memset(&S, 0, sizeof S);
    C.name = "client"; S.name = "server"; C.peer = &S; S.peer = &C;
    int32_t r = 0;
    CTX_CALL(r, CONN_NEW(cctx, (const uint8_t *)"localhost", 9, carena, &C.conn));
    CHECK(r == MODSSL_OK, "client modssl_conn_new");
    CTX_CALL(r, CONN_NEW(sctx, (const uint8_t *)"", 0, sarena, &S.conn));
    CHECK(r == MODSSL_OK, "server modssl_conn_new");
}
static void pair(modssl_context *cctx, modssl_context *sctx, modssl_arena_config carena) {
    pair2(cctx, sctx, carena, MODSSL_ARENA);
}

static void report(const char *what) {
    out("   "); out(what); out(": client "); out_u(instr(C.ticks)); out(" instructions, server ");
    out_u(instr(S.ticks)); out(" (CCOUNT/0.24); stack client "); out_u(C.stack); out(" B, server ");
    out_u(S.stack); out(" B\n");
}

static int streq(const char *a, const char *b) { return a && b && slen(a) == slen(b) && memcmp(a, b, slen(a)) == 0; }

static void check_info(end_t *e, uint16_t version, uint16_t suite, const char *name, size_t peer_certs) {
    modssl_conninfo info;
    memset(&info, 0, sizeof info);
    int32_t r = 0;
    CTX_CALL(r, modssl_conn_info(e->conn, &info));
    CHECK(r == MODSSL_OK, "modssl_conn_info");
    out("   "); out(e->name); out(": version "); out_hex(info.protocol_version); out(", suite ");
    out(info.cipher_suite_name ? info.cipher_suite_name : "(null)"); out(", group ");
    out(info.key_exchange_group_name ? info.key_exchange_group_name : "(none)"); out(", peer certificates ");
    out_u(info.peer_certificates); out("\n");
    CHECK(info.protocol_version == version, "protocol version");
    CHECK(info.cipher_suite == suite, "cipher suite");
    CHECK(streq(info.cipher_suite_name, name), "cipher suite name");
    CHECK(info.peer_certificates == peer_certs, "peer certificate count");
}

static void check_peer_cert(end_t *e, size_t i, const uint8_t *der, size_t len) {
    const uint8_t *p = NULL; size_t n = 0; int32_t r = 0;
    CTX_CALL(r, modssl_conn_peer_cert(e->conn, i, &p, &n));
    CHECK(r == MODSSL_OK && n == len && memcmp(p, der, len) == 0, "peer certificate DER");
}

static void finish(modssl_context *cctx, modssl_context *sctx) {
    if (C.conn) modssl_conn_free(C.conn);
    if (S.conn) modssl_conn_free(S.conn);
    modssl_context_free(cctx);
    modssl_context_free(sctx);
}

typedef struct {
    const char *name;
    uint16_t version, suite;
    const char *suite_name;
    const char *cert, *key;          /* the server's */
    const uint8_t *der[2]; size_t der_len[2]; size_t ders;
} hs_case_t;

static const hs_case_t cases[] = {
    { "TLS 1.3, P-256 chain", 0x0304, 0x1303, "TLS_CHACHA20_POLY1305_SHA256", LEAF_P256_CHAIN_PEM, LEAF_P256_KEY,
      { LEAF_P256_DER, INTER_CA_DER }, { sizeof LEAF_P256_DER, sizeof INTER_CA_DER }, 2 },
    { "TLS 1.2, P-256 chain", 0x0303, 0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", LEAF_P256_CHAIN_PEM, LEAF_P256_KEY,
      { LEAF_P256_DER, INTER_CA_DER }, { sizeof LEAF_P256_DER, sizeof INTER_CA_DER }, 2 },
    { "TLS 1.3, RSA-2048", 0x0304, 0x1301, "TLS_AES_128_GCM_SHA256", LEAF_RSA2048_PEM, LEAF_RSA2048_KEY,
      { LEAF_RSA2048_DER }, { sizeof LEAF_RSA2048_DER }, 1 },
    { "TLS 1.2, RSA-2048", 0x0303, 0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", LEAF_RSA2048_PEM, LEAF_RSA2048_KEY,
      { LEAF_RSA2048_DER }, { sizeof LEAF_RSA2048_DER }, 1 },
};

static const uint8_t ping[] = "ping from the client", pong[] = "pong from the server";

static void run_case(const hs_case_t *k) {
    int before = failures;
    out(k->name); out(":\n");
    uint32_t t0 = ccount();
    modssl_context *cctx = context(false, 2, NULL, NULL, ROOT_CA_PEM);
    int32_t r = 0;
    CTX_CALL(r, modssl_context_set_versions(cctx, k->version, k->version)); CHECK(r == MODSSL_OK, "set_versions");
    CTX_CALL(r, modssl_context_set_ciphers(cctx, &k->suite, 1)); CHECK(r == MODSSL_OK, "set_ciphers");
    modssl_context *sctx = context(true, 0, k->cert, k->key, NULL);
    out("   contexts: "); out_u(instr(ccount() - t0)); out(" instructions\n");
    pair(cctx, sctx, MODSSL_ARENA);
    int ok = handshake(&C, &S);
    CHECK(ok, "handshake");
    if (!ok) {
        out("   client error "); out_i(C.error); out(", server error "); out_i(S.error); out("\n");
    } else {
        report("handshake");
        check_info(&C, k->version, k->suite, k->suite_name, k->ders);
        check_info(&S, k->version, k->suite, k->suite_name, 0);
        for (size_t i = 0; i < k->ders; i++) check_peer_cert(&C, i, k->der[i], k->der_len[i]);
        CHECK(send_recv(&C, &S, ping, sizeof ping), "client -> server data");
        CHECK(send_recv(&S, &C, pong, sizeof pong), "server -> client data");
        out("   certificates and data both ways: "); out(failures != before ? "FAILED\n" : "ok\n");
    }
    finish(cctx, sctx);
    out("   heap in use after: "); out_u(heap_in_use); out(" B\n");
}

/* 3./4. A client and a server context and a pair of connections with 1 KiB
   arena chunks; the victim (0: the client, once the server's flight has
   arrived; 1: the server, once the ClientHello has arrived) sees every
   tracked_alloc fail from then on, `escapes` times with a new pair each
   time on the same contexts (the heap in use after each round, the
   connections freed and the contexts live, into rounds[]); with `escapes`
   0 the victim is discarded at once instead, as after an escape, without
   one.  Everything is freed at the end but what the discarded connections
   keep.  Returns the number of escapes through the guard. */
static int oom_case(int which, int escapes_wanted, size_t *rounds) {
    PHASE(which == 0 ? "a:contexts" : "b:contexts");
    modssl_context *cctx = context(false, 2, NULL, NULL, ROOT_CA_PEM);
    uint16_t v = 0x0304; int32_t r = 0;
    CTX_CALL(r, modssl_context_set_versions(cctx, v, v)); CHECK(r == MODSSL_OK, "set_versions");
    modssl_context *sctx = context(true, 0, LEAF_P256_CHAIN_PEM, LEAF_P256_KEY, NULL);
    modssl_arena_config small = { .first_chunk = 1024, .grow_chunk = 1024, .limit = 112 * 1024 };
    int total = 0;
    for (int n = 0; n < (escapes_wanted ? escapes_wanted : 1); n++) {
        PHASE(which == 0 ? "a:pair2" : "b:pair2");
        pair2(cctx, sctx, small, small);
        end_t *victim = which == 0 ? &C : &S;
        if (escapes_wanted == 0) {
            modssl_conn_discard(victim->conn);
            victim->conn = NULL;
        } else {
            PHASE(which == 0 ? "a:advance" : "b:advance");
            int esc0 = escapes;
            advance(&C);                       /* ClientHello, with heap */
            if (which == 0) advance(&S);       /* the server's flight, with heap */
            fail_after = 0;                    /* from here on tracked_alloc fails */
            int32_t vr = advance(victim);
            fail_after = -1;
            PHASE(which == 0 ? "a:after" : "b:after");
            int esc = escapes - esc0;
            if (escapes_wanted == 1) {
                out(which == 0 ? "out of memory, client reading the server's flight: " : "out of memory, server reading the ClientHello: ");
                out_i(vr); out(vr == MODSSL_OUT_OF_MEMORY ? " (MODSSL_OUT_OF_MEMORY)" : vr == 1 ? " (finished: needed no new memory)" : "");
                out(", escapes through the guard "); out_u((uint64_t)esc); out("\n");
            }
            CHECK((vr == MODSSL_OUT_OF_MEMORY && esc == 1) || (vr >= 0 && esc == 0), "an out-of-memory escape returns MODSSL_OUT_OF_MEMORY");
            total += esc;
        }
        if (C.conn) { modssl_conn_free(C.conn); C.conn = NULL; }
        if (S.conn) { modssl_conn_free(S.conn); S.conn = NULL; }
        if (rounds) rounds[n] = heap_in_use;
    }
    modssl_context_free(cctx);
    modssl_context_free(sctx);
    return total;
}

/* 5. With session caches (client 16, server 2: the `ssl` module's sizes),
   `rounds` times on one pair of contexts: a handshake whose client keeps
   the server's tickets (its arena is then exported, docs/design.md), then a
   connection that takes one of them and, with `escape`, runs out of memory
   reading the server's flight.  The heap in use after each round (contexts
   live) into after[]; returns what is left once the contexts are freed. */
static size_t session_rounds(int escape, int rounds, size_t *after) {
    size_t base = heap_in_use;
    modssl_context *cctx = context(false, 2, NULL, NULL, ROOT_CA_PEM);
    int32_t r = 0;
    CTX_CALL(r, modssl_context_set_session_cache(cctx, 16)); CHECK(r == MODSSL_OK, "client session cache");
    modssl_context *sctx = context(true, 0, LEAF_P256_CHAIN_PEM, LEAF_P256_KEY, NULL);
    CTX_CALL(r, modssl_context_set_session_cache(sctx, 2)); CHECK(r == MODSSL_OK, "server session cache");
    modssl_arena_config small = { .first_chunk = 1024, .grow_chunk = 1024, .limit = 112 * 1024 };
    for (int i = 0; i < rounds; i++) {
        pair2(cctx, sctx, MODSSL_ARENA, MODSSL_ARENA);
        int ok = handshake(&C, &S) && send_recv(&S, &C, (const uint8_t *)"tickets", 7) &&
                 send_recv(&C, &S, (const uint8_t *)"ok", 2);
        CHECK(ok, "a handshake with session caches, data both ways");
        modssl_conn_free(C.conn); modssl_conn_free(S.conn); C.conn = S.conn = NULL;
        pair2(cctx, sctx, small, small);
        if (escape) {
            int esc0 = escapes;
            advance(&C); advance(&S);
            fail_after = 0;
            int32_t vr = advance(&C);
            fail_after = -1;
            CHECK(vr == MODSSL_OUT_OF_MEMORY && escapes - esc0 == 1, "a resuming client escapes");
        }
        if (C.conn) { modssl_conn_free(C.conn); C.conn = NULL; }
        if (S.conn) { modssl_conn_free(S.conn); S.conn = NULL; }
        after[i] = heap_in_use - base;
    }
    modssl_context_free(cctx);
    modssl_context_free(sctx);
    return heap_in_use - base;
}

int main(void) {
    out("modssl-rs core on the ESP32 core (QEMU sim, windowed ABI): ");
    out((const char *)modssl_version_string); out("\n");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(&cases[i]);
    /* 3. the heap gives out in the middle of a handshake: arenas of 1 KiB
       chunks, so that an end must grow its arena to go on; every
       tracked_alloc fails from the moment given.  (a) the client, once the
       server's flight has arrived; (b) the server, once the ClientHello has
       arrived.  An end that needs no new memory there finishes instead (the
       full profile's client does: its first chunk is 10 KiB larger for
       ML-KEM); at least one of the two must escape. */
    int oom_escapes = 0;
    size_t kept_escape[2] = {0, 0};
    int escaped[2] = {0, 0};
    for (int which = 0; which < 2; which++) {
        size_t before = heap_in_use;
        int esc = oom_case(which, 1, NULL);
        kept_escape[which] = heap_in_use - before;
        escaped[which] = esc;
        oom_escapes += esc;
#ifdef HEAP_DEBUG
        heap_debug_list(which == 0 ? "after (a)" : "after (b)");
#endif
    }
    /* 4. What an escape keeps (docs/esp32.md, "Heap left allocated at the
       end"): the discarded connection's count on its context's rustls
       configuration never drops, so that configuration (and what it shares
       with the context: trust store, certificate and key) outlives both the
       connection and the context.  Nothing else: the same sequence with the
       victim discarded fresh from modssl_conn_new (no escape, nothing
       allocated in its arena but the connection) keeps exactly as much.  And
       it does not grow with the escapes: the context hands every connection
       the same configuration, so three escapes on one pair of contexts keep
       what one keeps. */
    size_t kept_total = kept_escape[0] + kept_escape[1];
    for (int which = 0; which < 2; which++) {
        if (!escaped[which]) { CHECK(kept_escape[which] == 0, "an end that finished keeps nothing"); continue; }
        size_t before = heap_in_use;
        oom_case(which, 0, NULL);
        size_t kept_discard = heap_in_use - before;
        size_t rounds[3];
        before = heap_in_use;
        oom_escapes += oom_case(which, 3, rounds);
        size_t kept_repeat = heap_in_use - before;
        kept_total += kept_discard + kept_repeat;
        out(which == 0 ? "kept after (a), the client's configuration: " : "kept after (b), the server's configuration: ");
        out_u(kept_escape[which]); out(" B; a discard with no escape "); out_u(kept_discard);
        out(" B; 3 escapes on one pair of contexts "); out_u(kept_repeat); out(" B (with the contexts live, after each: ");
        out_u(rounds[0]); out(", "); out_u(rounds[1]); out(", "); out_u(rounds[2]); out(" B)\n");
        CHECK(kept_escape[which] > 0, "a discarded connection keeps its configuration");
        CHECK(kept_discard == kept_escape[which], "an escape keeps no more than a discard (the configuration)");
        CHECK(kept_repeat == kept_escape[which] && rounds[1] == rounds[0] && rounds[2] == rounds[0],
              "escapes on one context keep one configuration, not one each");
    }
    CHECK(oom_escapes >= 1, "at least one out-of-memory escape through the guard");
    /* 5. A cached session taken by a connection that is then discarded is
       never dropped, so the orphaned arena that holds it (that of the
       connection that received the ticket) is never destroyed: with
       session caches, each escape of a resuming client keeps one more
       arena (docs/esp32.md).  Without escapes the same rounds keep nothing. */
    {
        size_t after[4];
        size_t left = session_rounds(0, 4, after);
        CHECK(left == 0 && after[1] == after[0] && after[3] == after[0], "session caches without escapes keep nothing");
        left = session_rounds(1, 4, after);
        size_t step = after[2] - after[1];
        out("session caches, an escape of a resuming client each round: in use after each round ");
        for (int i = 0; i < 4; i++) { out_u(after[i]); out(i < 3 ? ", " : " B"); }
        out("; "); out_u(step); out(" B more per escape; left with the contexts freed "); out_u(left); out(" B\n");
        CHECK(step > 0 && after[3] - after[2] == step, "each escape of a resuming client keeps the same amount");
        kept_total += left;
    }
    out("heap: peak "); out_u(heap_peak); out(" B, in use at the end "); out_u(heap_in_use);
    out(" B (what the discarded connections keep: "); out_u(kept_total); out(" B)\n");
    CHECK(heap_in_use == kept_total, "nothing in use at the end but what the discarded connections keep");
    out(failures ? "FAILED\n" : "all checks passed\n");
    return failures ? 1 : 0;
}
