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

    extern "C" {
        #[link_name = "calloc"]
        fn libc_calloc(n: usize, size: usize) -> *mut c_void;
        #[link_name = "free"]
        fn libc_free(p: *mut c_void);
    }
}
