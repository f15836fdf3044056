/* The same harness (handshake.c) on the host, against the core built for the
   host (scripts/xtensa-qemu-test.sh host): what it prints there tells an
   Xtensa-specific result from one of the harness or the core. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

int sim_write(int fd, const void *buf, unsigned len) { return (int)write(fd, buf, len); }
void sim_exit(int status) { exit(status); }
uint32_t xt_ccount(void) { return 0; } /* no instruction counts on the host */

/* handshake.c's heap: _heap_start up to _stack_top less its stack reserve */
#define HOST_HEAP ((8u << 20) + 256u * 1024u)
uint8_t host_heap[HOST_HEAP] __attribute__((aligned(16)));
__asm__(".globl _heap_start\n.set _heap_start, host_heap\n"
        ".globl _stack_top\n.set _stack_top, host_heap + 8650752\n");
