/* The smallest check of the emulated ESP32 core: C built by clang-22 or GCC for the
   windowed ABI prints through semihosting, recurses deep enough to overflow
   and underflow the register windows, longjmps out of a deep call chain,
   and exits with a status (scripts/xtensa-qemu-test.sh hello). */
#include <setjmp.h>
#include <stddef.h>

int sim_write(int fd, const void *buf, unsigned len);
void sim_exit(int status);

static size_t slen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
static void puts_(const char *s) { sim_write(1, s, slen(s)); }

/* deep enough to go round the 16 quads of registers several times */
static __attribute__((noinline)) unsigned rec(unsigned n, unsigned acc) {
    volatile unsigned local = acc * 31u + n;
    if (n == 0) return local;
    return rec(n - 1, local) + (local & 0xff);
}

static jmp_buf jb;
static __attribute__((noinline)) void deep_jump(int n, volatile int *marker) {
    *marker += 1;
    if (n == 0) longjmp(jb, 42);
    deep_jump(n - 1, marker);
    *marker += 1000; /* never reached */
}

int main(void) {
    puts_("hello from the ESP32 core (windowed ABI) under QEMU\n");
    /* the same sum computed without recursion */
    unsigned want = 0, acc = 0;
    {
        unsigned locals[41];
        acc = 7;
        for (int n = 40; n >= 0; n--) { acc = acc * 31u + (unsigned)n; locals[n] = acc; }
        want = locals[0];
        for (int n = 1; n <= 40; n++) want += locals[n] & 0xff;
    }
    unsigned got = rec(40, 7);
    if (got != want) { puts_("window spill/reload: WRONG sum\n"); return 3; }
    puts_("window overflow/underflow through 40 calls: ok\n");

    volatile int marker = 0;
    volatile int kept = 1234;
    /* locals not changed after setjmp, likely kept in the caller's window
       registers (a2-a7): C says they keep their values after the longjmp */
    unsigned r1 = rec(3, got), r2 = rec(4, got ^ 0x5a5a), r3 = r1 * 7u + r2, r4 = r2 - r1;
    int r = setjmp(jb);
    if (r == 0) {
        deep_jump(30, &marker);
        puts_("longjmp did not jump\n");
        return 4;
    }
    if (r != 42 || marker != 31 || kept != 1234) { puts_("setjmp/longjmp: WRONG state\n"); return 5; }
    if (r1 != rec(3, got) || r2 != rec(4, got ^ 0x5a5a) || r3 != r1 * 7u + r2 || r4 != r2 - r1) {
        puts_("setjmp/longjmp: a register local changed\n"); return 6;
    }
    puts_("setjmp/longjmp out of 31 frames: ok\n");
    return 7; /* a status the caller checks */
}
