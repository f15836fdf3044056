//! The services a MicroPython port gives the core, implemented in C by the
//! shim (`micropython/modssl_port.c`; the hooks are declared in `ffi/port.rs`).
//! Everything the core needs from the outside world comes through here:
//! memory, randomness, time, the panic escape and the core stack the deep
//! calls run on.
//! Under `cargo test` the same hooks are provided by `test_port` on std.

use cty::c_void;

// The hooks themselves, for the allocator and the panic handler.
pub use crate::ffi::port::*;

/// Runs `f` on the core stack: the calls whose frames go deep (a handshake
/// step, making a connection, parsing keys and certificates).  `None` when
/// the heap has no room for the stack; `f` has not run then.  A panic in
/// `f` escapes to the shim's guard as from any core call.
pub fn deep<F: FnOnce() -> R, R>(f: F) -> Option<R> {
    struct Call<F, R> {
        f: Option<F>,
        result: Option<R>,
    }
    extern "C" fn run<F: FnOnce() -> R, R>(arg: *mut c_void) {
        // SAFETY: `arg` is the `Call` below, alive and unaliased for the
        // duration of modssl_port_run_deep, which calls this once.
        let call = unsafe { &mut *(arg as *mut Call<F, R>) };
        if let Some(f) = call.f.take() {
            call.result = Some(f());
        }
    }
    let mut call = Call { f: Some(f), result: None };
    let arg = &mut call as *mut Call<F, R> as *mut c_void;
    if unsafe { modssl_port_run_deep(run::<F, R>, arg) } != 0 {
        return None;
    }
    call.result
}

/// Gives the core stack back: after a call that leaves no handshake of
/// this thread's connection under way (the next one takes it again).
pub fn release_deep() {
    unsafe { modssl_port_release_deep() }
}

/// `deep`, then the core stack given back: for the calls that need it once
/// (loading keys and certificates), not for a handshake to come.
pub fn deep_once<F: FnOnce() -> R, R>(f: F) -> Option<R> {
    let r = deep(f);
    release_deep();
    r
}

/// Fill `buf` from the port's secure random source.
pub fn random(buf: &mut [u8]) -> bool {
    buf.is_empty() || unsafe { modssl_port_random(buf.as_mut_ptr(), buf.len()) == 0 }
}

/// The wall clock, if the port has one that has been set.
pub fn now() -> Option<u64> {
    let t = unsafe { modssl_port_time() };
    if t < 0 {
        None
    } else {
        Some(t as u64)
    }
}

/// Port hooks for `cargo test`: std's allocator, the OS's randomness, the
/// system clock (overridable for tests of validity dates), and a panic escape
/// that is never reached because tests run with std's own panic machinery.
/// The `std-host` feature (fuzz targets, `fuzz/`) uses them too.
/// cbindgen:ignore
#[cfg(any(test, feature = "std-host"))]
// The C-shaped hooks take raw pointers as the shim's do (see ffi/mod.rs).
#[allow(clippy::not_unsafe_ptr_arg_deref)]
pub mod test_port {
    use core::ffi::c_void;
    use std::cell::Cell;
    use std::sync::atomic::{AtomicI64, Ordering};

    extern crate std;

    /// Set to >= 0 to pin `modssl_port_time` (tests of expiry); -2 = system clock.
    pub static FAKE_TIME: AtomicI64 = AtomicI64::new(-2);

    std::thread_local! {
        static OWNER: Cell<*mut c_void> = const { Cell::new(core::ptr::null_mut()) };
    }

    #[no_mangle]
    pub extern "C" fn modssl_port_tracked_alloc(size: usize) -> *mut c_void {
        unsafe { libc_calloc(1, size) }
    }
    #[no_mangle]
    pub extern "C" fn modssl_port_tracked_free(ptr: *mut c_void) {
        unsafe { libc_free(ptr) }
    }
    #[no_mangle]
    pub extern "C" fn modssl_port_owner_slot() -> *mut *mut c_void {
        OWNER.with(|c| c.as_ptr())
    }
    #[no_mangle]
    pub extern "C" fn modssl_port_random(buf: *mut u8, len: usize) -> i32 {
        let slice = unsafe { core::slice::from_raw_parts_mut(buf, len) };
        // Fuzz builds: the fixed stream of crypto/fuzz.rs.
        #[cfg(feature = "fuzz")]
        let ok = {
            crate::crypto::fuzz::fill(slice);
            true
        };
        #[cfg(not(feature = "fuzz"))]
        let ok = getrandom::getrandom(slice).is_ok();
        if ok {
            0
        } else {
            -1
        }
    }
    #[no_mangle]
    pub extern "C" fn modssl_port_time() -> i64 {
        let fake = FAKE_TIME.load(Ordering::Relaxed);
        if fake != -2 {
            return fake;
        }
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(-1)
    }
    #[no_mangle]
    pub extern "C" fn modssl_port_panic_escape(code: i32) -> ! {
        std::panic!("modssl_port_panic_escape({code})")
    }
    /// std threads have stacks of megabytes: deep calls run where they are.
    #[no_mangle]
    pub extern "C" fn modssl_port_run_deep(f: extern "C" fn(*mut c_void), arg: *mut c_void) -> i32 {
        f(arg);
        0
    }
    #[no_mangle]
    pub extern "C" fn modssl_port_release_deep() {}

    std::thread_local! {
        /// Set to make this thread's zlib hooks say "unsupported" (a
        /// firmware without uzlib: certificate compression is then not
        /// offered).  Per thread: the tests run in parallel.
        pub static ZLIB_OFF: Cell<bool> = const { Cell::new(false) };
    }

    /// The zlib hooks on miniz_oxide under `cargo test` (a dev-dependency,
    /// never in firmware); "unsupported" in `std-host` builds (the fuzz
    /// targets: certificate compression is not offered there).
    #[no_mangle]
    pub extern "C" fn modssl_port_inflate(
        input: *const u8,
        input_len: usize,
        output: *mut u8,
        output_len: usize,
    ) -> i32 {
        use crate::ffi::port::{PORT_ZLIB_BAD, PORT_ZLIB_UNSUPPORTED};
        if ZLIB_OFF.with(|c| c.get()) || cfg!(not(test)) {
            return PORT_ZLIB_UNSUPPORTED;
        }
        if input.is_null() {
            return 0;
        }
        #[cfg(test)]
        {
            use miniz_oxide::inflate::core::{decompress, inflate_flags, DecompressorOxide};
            use miniz_oxide::inflate::TINFLStatus;
            let input = unsafe { core::slice::from_raw_parts(input, input_len) };
            let output = unsafe { core::slice::from_raw_parts_mut(output, output_len) };
            let mut d = DecompressorOxide::new();
            let flags = inflate_flags::TINFL_FLAG_PARSE_ZLIB_HEADER
                | inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF
                | inflate_flags::TINFL_FLAG_COMPUTE_ADLER32;
            let (status, read, written) = decompress(&mut d, input, output, 0, flags);
            if status == TINFLStatus::Done && read == input_len && written == output_len {
                return 0;
            }
        }
        let _ = (input_len, output, output_len);
        PORT_ZLIB_BAD
    }

    #[no_mangle]
    pub extern "C" fn modssl_port_deflate(
        input: *const u8,
        input_len: usize,
        output: *mut u8,
        output_cap: usize,
    ) -> isize {
        use crate::ffi::port::{PORT_ZLIB_BAD, PORT_ZLIB_UNSUPPORTED};
        if ZLIB_OFF.with(|c| c.get()) || cfg!(not(test)) {
            return PORT_ZLIB_UNSUPPORTED as isize;
        }
        if input.is_null() {
            return 0;
        }
        #[cfg(test)]
        {
            let input = unsafe { core::slice::from_raw_parts(input, input_len) };
            let z = miniz_oxide::deflate::compress_to_vec_zlib(input, 6);
            if z.len() <= output_cap {
                unsafe { core::ptr::copy_nonoverlapping(z.as_ptr(), output, z.len()) };
                return z.len() as isize;
            }
        }
        let _ = (input_len, output, output_cap);
        PORT_ZLIB_BAD as isize
    }

    extern "C" {
        #[link_name = "calloc"]
        fn libc_calloc(n: usize, size: usize) -> *mut c_void;
        #[link_name = "free"]
        fn libc_free(p: *mut c_void);
    }
}
