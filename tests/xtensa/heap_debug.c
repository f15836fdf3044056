/* HEAP_DEBUG for the host build of tests/xtensa/handshake.c: every live
   tracked block with its allocation's sequence number, the harness's phase
   and call stack, listed after each out-of-memory case (stderr).  Used to
   find what an escape keeps (docs/esp32.md, "Heap left allocated at the
   end"); the addresses resolve with addr2line against a -no-pie binary and
   a core built with debug info:
     CARGO_PROFILE_RELEASE_DEBUG=true scripts/build-core.sh --profile=general \
         --target-dir=target/heap-debug
     gcc -g -O1 -no-pie -DHEAP_DEBUG -Imicropython -Ibuild/xtensa-qemu-test \
         -o build/handshake-heap-debug tests/xtensa/handshake.c tests/xtensa/host.c \
         tests/xtensa/heap_debug.c target/heap-debug/release/libmodssl_rs.a -lpthread -ldl -lm
   (build/xtensa-qemu-test/certs.h: from scripts/xtensa-qemu-test.sh host). */
#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
const char *heap_phase = "start";
typedef struct { void *p; size_t size; unsigned long seq; const char *phase; int n; void *bt[24]; } rec_t;
#define MAXR 200000
static rec_t recs[MAXR]; static int nrec; static unsigned long seq;
void heap_debug_alloc(void *p, size_t size) {
    if (nrec >= MAXR) return;
    rec_t *r = &recs[nrec++]; r->p = p; r->size = size; r->seq = ++seq; r->phase = heap_phase;
    r->n = backtrace(r->bt, 24);
}
void heap_debug_free(void *p) {
    for (int i = nrec - 1; i >= 0; i--) if (recs[i].p == p) { recs[i] = recs[--nrec]; return; }
    fprintf(stderr, "free of unknown %p\n", p);
}
void heap_debug_list(const char *when) {
    size_t tot = 0;
    fprintf(stderr, "=== live blocks %s: %d\n", when, nrec);
    for (int i = 0; i < nrec; i++) {
        rec_t *r = &recs[i]; tot += r->size;
        fprintf(stderr, "BLK seq %lu size %zu phase %s bt", r->seq, r->size, r->phase);
        for (int k = 1; k < r->n; k++) fprintf(stderr, " %p", r->bt[k]);
        fprintf(stderr, "\n");
    }
    fprintf(stderr, "=== total requested %zu\n", tot);
}
