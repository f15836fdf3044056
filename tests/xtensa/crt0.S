/* Bare-metal start-up for the ESP32's Xtensa core (LX6, windowed registers)
   on QEMU's `sim` machine with semihosting (scripts/xtensa-qemu-test.sh).
   Written for this project; assembled by GNU as configured for the ESP32
   (scripts/xtensa-as.sh).

   - window overflow/underflow handlers at VECBASE (0x40000000, the core's
     reset value and the start of its instruction RAM), as the windowed ABI
     needs them: every call8/entry/retw of the C and Rust code relies on them
     once the 64 physical registers are used up;
   - any other exception: its cause, PC and address printed through
     semihosting, then exit status 99;
   - _start: stack, PS (WOE set, EXCM clear, user vector mode, level 0),
     then main(), whose return value is the exit status;
   - setjmp/longjmp for the windowed ABI (the guard of micropython/modssl_guard.h
     uses them): both first spill every register window to the stack.
   - sim_write/sim_exit: QEMU's Xtensa semihosting (`simcall`, a2 = call
     number: 4 write(fd, buf, len), 1 exit(status)). */

        .section .note.GNU-stack, "", @progbits
#define PS_WOE      (1 << 18)
#define PS_UM       (1 << 5)

        .section .vectors, "ax"
        .align  4
        .global _vectors
_vectors:
/* 0x000: overflow of a call4 frame: its a0-a3 go below its callee's sp */
        .org    0x000
_WindowOverflow4:
        s32e    a0, a5, -16
        s32e    a1, a5, -12
        s32e    a2, a5, -8
        s32e    a3, a5, -4
        rfwo
/* 0x040 */
        .org    0x040
_WindowUnderflow4:
        l32e    a0, a5, -16
        l32e    a1, a5, -12
        l32e    a2, a5, -8
        l32e    a3, a5, -4
        rfwu
/* 0x080: call8 frame: a4-a7 go to the extra save area at the top of its
   own frame, found through its caller's sp (saved at its own sp - 12) */
        .org    0x080
_WindowOverflow8:
        s32e    a0, a9, -16
        l32e    a0, a1, -12
        s32e    a1, a9, -12
        s32e    a2, a9, -8
        s32e    a3, a9, -4
        s32e    a4, a0, -32
        s32e    a5, a0, -28
        s32e    a6, a0, -24
        s32e    a7, a0, -20
        rfwo
        .org    0x0c0
_WindowUnderflow8:
        l32e    a1, a9, -12
        l32e    a0, a9, -16
        l32e    a7, a1, -12
        l32e    a2, a9, -8
        l32e    a4, a7, -32
        l32e    a3, a9, -4
        l32e    a5, a7, -28
        l32e    a6, a7, -24
        l32e    a7, a7, -20
        rfwu
        .org    0x100
_WindowOverflow12:
        s32e    a0, a13, -16
        l32e    a0, a1, -12
        s32e    a1, a13, -12
        s32e    a2, a13, -8
        s32e    a3, a13, -4
        s32e    a4, a0, -48
        s32e    a5, a0, -44
        s32e    a6, a0, -40
        s32e    a7, a0, -36
        s32e    a8, a0, -32
        s32e    a9, a0, -28
        s32e    a10, a0, -24
        s32e    a11, a0, -20
        rfwo
        .org    0x140
_WindowUnderflow12:
        l32e    a1, a13, -12
        l32e    a0, a13, -16
        l32e    a11, a1, -12
        l32e    a2, a13, -8
        l32e    a4, a11, -48
        l32e    a8, a11, -32
        l32e    a3, a13, -4
        l32e    a5, a11, -44
        l32e    a6, a11, -40
        l32e    a7, a11, -36
        l32e    a9, a11, -28
        l32e    a10, a11, -24
        l32e    a11, a11, -20
        rfwu
/* kernel (0x300), user (0x340) and double (0x3c0) exception vectors: report
   and stop (no interrupts are enabled, no other exception is expected) */
        .org    0x300
_KernelExceptionVector:
        movi    a2, 0x300
        j       .Lfatal_vec
        .org    0x340
_UserExceptionVector:
        wsr     a0, excsave1
        rsr     a0, exccause
        bnei    a0, 5, .Lfatal_vec      /* 5: AllocaCause (movsp) */
        rsr     a0, excsave1
        j       _alloca
        .org    0x3c0
_DoubleExceptionVector:
        movi    a2, 0x3c0
.Lfatal_vec:
        j       _fatal                  /* .text follows the vectors */

        .text
        .align  4
        .literal_position
/* the fatal-exception report, no stack or window assumed: hex digits
   written one at a time into a static buffer */
        .type   _fatal, @function
_fatal:
        rsr     a4, exccause
        rsr     a5, epc1
        rsr     a6, excvaddr
        movi    a7, _fatal_msg
        movi    a8, 8                   /* hex digits per word */
        movi    a9, 3                   /* words: exccause, epc1, excvaddr */
        movi    a10, _hexdigits
        mov     a11, a4
        movi    a14, _fatal_buf
        movi    a15, 0                  /* buffer index */
.Lword:
        movi    a8, 8
.Ldigit:
        extui   a12, a11, 28, 4
        add     a12, a10, a12
        l8ui    a12, a12, 0
        add     a13, a14, a15
        s8i     a12, a13, 0
        addi    a15, a15, 1
        slli    a11, a11, 4
        addi    a8, a8, -1
        bnez    a8, .Ldigit
        movi    a12, 32
        add     a13, a14, a15
        s8i     a12, a13, 0
        addi    a15, a15, 1
        addi    a9, a9, -1
        beqi    a9, 2, .Lsecond
        beqi    a9, 1, .Lthird
        j       .Lprint
.Lsecond:
        mov     a11, a5
        j       .Lword
.Lthird:
        mov     a11, a6
        j       .Lword
.Lprint:
        movi    a12, 10
        add     a13, a14, a15
        s8i     a12, a13, 0
        addi    a15, a15, 1
        movi    a2, 4                   /* write(2, msg, len) */
        movi    a3, 2
        mov     a4, a7
        movi    a5, 52                  /* strlen(_fatal_msg) */
        simcall
        movi    a2, 4
        movi    a3, 2
        mov     a4, a14
        mov     a5, a15
        simcall
        movi    a2, 1                   /* exit(99) */
        movi    a3, 99
        simcall
1:      j       1b

/* MOVSP (LLVM emits it for dynamic stack allocation) raises AllocaCause
   when the caller's window is not live, i.e. was spilled: its base save area
   would have to move with sp.  Instead the caller's window is reloaded from
   the stack, by jumping into the underflow handler for its size with the
   window rotated back to it and PS.OWB set to the current window, so that
   the handler's rfwu marks it live, comes back to this window and retries
   the movsp.  Entered with EXCM set (no window exceptions) and every
   register of the faulting frame intact; the rotated-to quads belong to the
   spilled caller, so they are free until the handler reloads them. */
        .align  4
        .type   _alloca, @function
_alloca:
        rotw    -1                      /* a4-a7 are now the frame's a0-a3 */
        rsr     a0, windowbase
        addi    a0, a0, 1
        extui   a0, a0, 0, 4            /* the faulting frame's WINDOWBASE */
        slli    a0, a0, 8
        rsr     a2, ps
        movi    a3, ~0xf00
        and     a2, a2, a3
        or      a2, a2, a0              /* PS.OWB */
        wsr     a2, ps
        rsync
        extui   a0, a4, 30, 2           /* the caller's call size, from a0 */
        bnei    a0, 1, 1f
        j       _WindowUnderflow4
1:      rotw    -1                      /* the previous window's a0 is a4 */
        bnei    a4, 2, 2f
        j       _WindowUnderflow8
2:      rotw    -1
        j       _WindowUnderflow12

        .align  4
        .global _start
        .type   _start, @function
_start:
        movi    a0, 0
        movi    a1, _stack_top
        movi    a2, _vectors
        wsr     a2, vecbase
        movi    a2, 0
        wsr     a2, windowbase
        rsync
        movi    a2, 1
        wsr     a2, windowstart
        /* S32C1I (the Rust core's atomics) without a data cache goes by
           ATOMCTL's bypass field, which QEMU resets to "exception" (0x28):
           LoadStoreError on every compare-and-swap.  0x15: each field a
           read-compare-write bus transaction, as the ESP32's SRAM does it. */
        movi    a2, 0x15
        wsr     a2, atomctl
        movi    a2, PS_WOE | PS_UM
        wsr     a2, ps
        rsync
        /* zero .bss */
        movi    a2, _bss_start
        movi    a3, _bss_end
        movi    a4, 0
2:      bgeu    a2, a3, 3f
        s32i    a4, a2, 0
        addi    a2, a2, 4
        j       2b
3:      movi    a4, main
        callx4  a4                      /* main(): its a2 is our a6 */
        mov     a3, a6
        movi    a2, 1
        simcall
4:      j       4b

        .align  4
        .global sim_write
        .type   sim_write, @function
/* int sim_write(int fd, const void *buf, unsigned len) */
sim_write:
        entry   a1, 16
        mov     a5, a4
        mov     a4, a3
        mov     a3, a2
        movi    a2, 4
        simcall
        retw

        .align  4
        .global sim_exit
        .type   sim_exit, @function
/* void sim_exit(int status) */
sim_exit:
        entry   a1, 16
        mov     a3, a2
        movi    a2, 1
        simcall
1:      j       1b

        .align  4
        .global xt_ccount
        .type   xt_ccount, @function
/* unsigned xt_ccount(void): the cycle counter (LLVM 22 rejects `rsr ccount`
   in inline assembly without the timers feature) */
xt_ccount:
        entry   a1, 16
        rsr     a2, ccount
        retw

/* Spill every live register window but the current one to the stack: each
   `and aN` touches the next quads of the register file, and an access to a
   quad owned by a live frame raises that frame's overflow exception (the
   handlers above); four rotations by 3 quads and one by 4 walk all 16
   quads of the ESP32's 64 registers and come back to the current window. */
        .macro  spill_windows
        and     a12, a12, a12
        rotw    3
        and     a12, a12, a12
        rotw    3
        and     a12, a12, a12
        rotw    3
        and     a12, a12, a12
        rotw    3
        and     a12, a12, a12
        rotw    4
        .endm

/* jmp_buf (int[8]): 0 the return address into setjmp's caller (its top two
   bits the caller's window increment), 1 setjmp's sp, 2-5 the caller's
   a0-a3 as spilled below setjmp's sp, 6 spare, 7 a check word. */
        .align  4
        .global setjmp
        .type   setjmp, @function
setjmp:
        entry   a1, 16
        spill_windows
        s32i    a0, a2, 0
        s32i    a1, a2, 4
        addi    a8, a1, -16             /* the caller's base save area */
        l32i    a4, a8, 0
        l32i    a5, a8, 4
        l32i    a6, a8, 8
        l32i    a7, a8, 12
        s32i    a4, a2, 8
        s32i    a5, a2, 12
        s32i    a6, a2, 16
        s32i    a7, a2, 20
        movi    a4, 0x5e7a6b0f
        s32i    a4, a2, 28
        movi    a2, 0
        retw

/* longjmp(env, val): spill every window (so every frame between setjmp's
   caller and here is in memory and no window above ours is live), put the
   caller's a0-a3 back where the underflow handler reloads them from, then
   return from setjmp's frame: retw finds the caller's window not live and
   takes the underflow exception, which reloads it from the stack. */
        .align  4
        .global longjmp
        .type   longjmp, @function
longjmp:
        entry   a1, 16
        spill_windows
        l32i    a4, a2, 28
        movi    a5, 0x5e7a6b0f
        beq     a4, a5, 1f
        movi    a2, 98                  /* not a jmp_buf that setjmp filled */
        mov     a3, a2
        movi    a2, 1
        simcall
1:      mov     a4, a2
        l32i    a9, a4, 4               /* setjmp's sp */
        l32i    a5, a4, 8
        l32i    a6, a4, 12
        l32i    a7, a4, 16
        l32i    a8, a4, 20
        addi    a10, a9, -16
        s32i    a5, a10, 0
        s32i    a6, a10, 4
        s32i    a7, a10, 8
        s32i    a8, a10, 12
        movi    a2, 1
        movnez  a2, a3, a3              /* val, or 1 when val is 0 */
        l32i    a0, a4, 0
        mov     a1, a9
        retw

        .data
        .align  4
_fatal_msg:
        .ascii  "crt0: unexpected exception; exccause epc1 excvaddr: "
_hexdigits:
        .ascii  "0123456789abcdef"
        .bss
        .align  4
_fatal_buf:
        .space  64
