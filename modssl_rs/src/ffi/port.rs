//! The port hooks: what the core calls and each MicroPython port writes in
//! C (`micropython/modssl_port.c`, `modssl_stack.c`, `ports/<port>.c`).
//! Declared here so that the header carries them; the core reaches them
//! through the safe wrappers of `crate::port`, and `cargo test` through
//! `port::test_port`.

use cty::c_void;

extern "C" {
    /// A zeroed block of `size` bytes from MicroPython's heap that the GC keeps
    /// alive until `modssl_port_tracked_free` (`m_tracked_calloc`); NULL when
    /// the heap is exhausted or locked.  8-byte aligned.
    pub fn modssl_port_tracked_alloc(size: usize) -> *mut c_void;
    /// Return a block from `modssl_port_tracked_alloc`.
    pub fn modssl_port_tracked_free(ptr: *mut c_void);
    /// The calling thread's "current allocation owner" slot: the arena that
    /// allocations made now are charged to (NULL: the shared tracked heap).
    /// Per thread on unix, per core on rp2 (a Python thread on each core, no
    /// GIL), one slot on ports that run one Python thread at a time.
    pub fn modssl_port_owner_slot() -> *mut *mut c_void;
    /// Fill `buf` with `len` bytes from a cryptographically secure source.
    /// Returns 0 on success.
    pub fn modssl_port_random(buf: *mut u8, len: usize) -> i32;
    /// Seconds since the Unix epoch, or -1 while the port's clock is not set.
    pub fn modssl_port_time() -> i64;
    /// Leave the core after a panic: long-jumps to the guard the shim set
    /// around the current core call.  Never returns.  See `docs/design.md`
    /// ("Panics and out-of-memory") for why this is sound for our frames.
    pub fn modssl_port_panic_escape(code: i32) -> !;
    /// Runs `f(arg)` on the core stack, a stack of the calling thread's own
    /// taken from MicroPython's heap (`micropython/modssl_stack.c`), or
    /// where it is called on ports without one.  0, or -1 when no stack
    /// could be had (the heap is exhausted): `f` did not run.
    pub fn modssl_port_run_deep(f: extern "C" fn(*mut c_void), arg: *mut c_void) -> i32;
    /// Gives the calling thread's core stack back to the heap (nothing while
    /// a deep call runs on it).
    pub fn modssl_port_release_deep();
    /// Inflates the zlib stream (RFC 1950) `input[..input_len]` into exactly
    /// `output[..output_len]`: 0 when the stream ends, its checksum matches,
    /// every input byte was used and it produced exactly `output_len` bytes;
    /// `MODSSL_PORT_ZLIB_BAD` (-1) otherwise (corrupt, short or overlong);
    /// `MODSSL_PORT_ZLIB_UNSUPPORTED` (-2) when the firmware has no inflater
    /// (MicroPython built without `MICROPY_PY_DEFLATE`).  Called with a NULL
    /// `input` it only says whether it is supported (0 or -2).  Must never
    /// write outside `output` nor read outside `input`, whatever the bytes.
    /// For certificate compression (RFC 8879, the `cert-compress` feature).
    pub fn modssl_port_inflate(input: *const u8, input_len: usize, output: *mut u8, output_len: usize) -> i32;
    /// Deflates `input[..input_len]` as a zlib stream into `output`, which
    /// has room for `output_cap` bytes: the stream's length, -1 when it does
    /// not fit, -2 when the firmware has no compressor
    /// (`MICROPY_PY_DEFLATE_COMPRESS` off).  Called with a NULL `input`, only
    /// whether it is supported (0 or -2).
    pub fn modssl_port_deflate(input: *const u8, input_len: usize, output: *mut u8, output_cap: usize) -> isize;
}

/// `modssl_port_inflate`/`modssl_port_deflate`: the stream is bad or does
/// not fit.
pub const PORT_ZLIB_BAD: i32 = -1;
/// `modssl_port_inflate`/`modssl_port_deflate`: the firmware has no zlib.
pub const PORT_ZLIB_UNSUPPORTED: i32 = -2;
