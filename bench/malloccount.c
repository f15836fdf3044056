// LD_PRELOAD shim for `make bench`: counts the bytes a process holds in libc's
// heap (malloc_usable_size of every live block) and the peak since the last
// reset.  MicroPython reads it through its ffi module:
//   lib = ffi.open("libmalloccount.so")
//   lib.func("l", "mc_current", "")()   bytes held now
//   lib.func("l", "mc_peak", "")()      most bytes held since the last reset
//   lib.func("v", "mc_reset_peak", "")()  peak := current
// Used for the unix mbedTLS anchor, whose mbedTLS allocates with libc calloc
// (not the GC heap).  glibc only: it forwards to __libc_malloc & co.
#define _GNU_SOURCE
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

static long cur, peak;

static void add(void *p) {
    if (p) {
        long n = __atomic_add_fetch(&cur, (long)malloc_usable_size(p), __ATOMIC_RELAXED);
        long pk = __atomic_load_n(&peak, __ATOMIC_RELAXED);
        while (n > pk && !__atomic_compare_exchange_n(&peak, &pk, n, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
        }
    }
}
static void sub(void *p) {
    if (p) {
        __atomic_sub_fetch(&cur, (long)malloc_usable_size(p), __ATOMIC_RELAXED);
    }
}

void *malloc(size_t n) { void *p = __libc_malloc(n); add(p); return p; }
void *calloc(size_t a, size_t b) { void *p = __libc_calloc(a, b); add(p); return p; }
void free(void *p) { sub(p); __libc_free(p); }
void *realloc(void *old, size_t n) {
    size_t was = old ? malloc_usable_size(old) : 0;
    void *p = __libc_realloc(old, n);
    if (p || n == 0) {
        __atomic_sub_fetch(&cur, (long)was, __ATOMIC_RELAXED);
        add(p);
    }
    return p;
}
void *memalign(size_t al, size_t n) { void *p = __libc_memalign(al, n); add(p); return p; }
void *aligned_alloc(size_t al, size_t n) { return memalign(al, n); }
int posix_memalign(void **out, size_t al, size_t n) {
    void *p = __libc_memalign(al, n);
    if (!p) return 12; // ENOMEM
    add(p);
    *out = p;
    return 0;
}

long mc_current(void) { return __atomic_load_n(&cur, __ATOMIC_RELAXED); }
long mc_peak(void) { return __atomic_load_n(&peak, __ATOMIC_RELAXED); }
void mc_reset_peak(void) { __atomic_store_n(&peak, mc_current(), __ATOMIC_RELAXED); }
