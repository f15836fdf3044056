/* setjmp/longjmp of tests/xtensa/crt0.S (no C library for Xtensa here). */
#ifndef XTENSA_TEST_SETJMP_H
#define XTENSA_TEST_SETJMP_H
typedef int jmp_buf[8];
int setjmp(jmp_buf env) __attribute__((returns_twice));
void longjmp(jmp_buf env, int val) __attribute__((noreturn));
#endif
