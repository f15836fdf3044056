//! What a panic becomes.
//!
//! `no_std` has no unwinding: a panic (a bug, or an allocation the arena could
//! not meet: `handle_alloc_error` panics) ends here.  We leave through the
//! shim's guard (`modssl_port_panic_escape`, a longjmp to the setjmp taken just
//! before the shim called into the core), and the shim then frees the
//! connection's arena whole and marks the connection poisoned.  The frames
//! skipped are never resumed and their destructors never run: everything they
//! owned is in that arena, no lock is held across a core call, and the core
//! keeps no global state a half-finished call could leave inconsistent.  The
//! full argument is in `docs/design.md`.

use core::panic::PanicInfo;

use crate::ffi::status;
use crate::heap;

#[panic_handler]
fn on_panic(_info: &PanicInfo) -> ! {
    let code = if heap::take_out_of_memory() { status::OUT_OF_MEMORY } else { status::INTERNAL };
    // A connection still being made (modssl_conn_new): the shim has no
    // handle to discard, so its arena goes now.
    let pending = heap::take_pending_arena();
    if !pending.is_null() {
        unsafe { heap::Arena::discard(pending) };
    }
    heap::reset_owner();
    unsafe { crate::port::modssl_port_panic_escape(code) }
}

/// The precompiled `core`/`alloc` of a hosted target were built to unwind and
/// name this personality routine in their unwind tables.  Nothing here ever
/// unwinds (`panic = "abort"`, and no foreign exception crosses the core), so
/// it is never called; it only has to exist for the link.
#[cfg(not(target_os = "none"))]
#[no_mangle]
pub extern "C" fn rust_eh_personality() {}
