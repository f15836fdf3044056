#!/bin/sh
# Stand-in for the MicroPython binary under `make valgrind`: runs it under
# valgrind memcheck.  MicroPython's conservative GC scans the C stack and
# registers, which memcheck reports as uses of uninitialised values, so those
# are off (--undef-value-errors=no); invalid reads/writes, bad frees and
# memory definitely lost through malloc are errors (exit status 99, so the
# snippet fails), and the only leaks shown.  `make valgrind` runs
# build/micropython-valgrind, whose core takes its blocks from malloc, so
# memcheck sees each of them (in build/micropython they are inside
# MicroPython's GC heap, one block to memcheck).  The core points into its
# blocks past a header, so every block still live at exit is "possibly lost":
# not shown.
logdir=${MODSSL_VALGRIND_LOGS:-/tmp}
exec valgrind --quiet --error-exitcode=99 --undef-value-errors=no --leak-check=full \
    --errors-for-leak-kinds=definite --show-leak-kinds=definite --log-file="$logdir/memcheck.%p.log" \
    "${MODSSL_VALGRIND_MPY:?MODSSL_VALGRIND_MPY: the MicroPython binary}" "$@"
