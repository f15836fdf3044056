//! Where the core's memory comes from.
//!
//! Every allocation lives on MicroPython's heap, in blocks the GC keeps alive
//! (`m_tracked_calloc`): the GC never scans Rust memory, so nothing Rust holds
//! may live in an ordinary GC block.  Two kinds of owner:
//!
//! * **an [`Arena`]**: while the shim calls into a connection, that connection's
//!   arena is the calling thread's *current owner* and every allocation is
//!   carved from it.  Closing or poisoning the connection frees the arena
//!   whole, so memory owned by frames abandoned after a panic is reclaimed
//!   without running their destructors (see `panic.rs`).
//! * **the shared tracked heap** (no current owner): contexts, certificate
//!   stores and configurations, which outlive any one connection.
//!
//! Each block carries a small header naming its owner, so `dealloc` never needs
//! to know which owner is current (a connection's last `Arc` to a context
//! config may be dropped inside the connection's call, for example).

mod arena;

pub use arena::{totals as arena_totals, Arena, ArenaStats};

use core::alloc::{GlobalAlloc, Layout};
use core::ffi::c_void;
use core::ptr;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::port;

/// The header before every block: where the underlying allocation starts and
/// which arena (or NULL for the tracked heap) it came from.
#[repr(C)]
struct Header {
    raw: *mut u8,
    owner: *mut Arena,
}

const HEADER: usize = core::mem::size_of::<Header>();

/// Bit 0 of the owner slot: the current arena belongs to a connection that
/// `modssl_conn_new` is still making.  No handle to it exists yet, so after
/// a panic escape nobody else could free it: the panic handler does
/// ([`take_pending_arena`]).
const PENDING: usize = 1;

/// The calling thread's current owner.
fn current_owner() -> *mut Arena {
    unsafe { (*port::modssl_port_owner_slot() as usize & !PENDING) as *mut Arena }
}

/// The arena of a connection being made when a panic escapes (see
/// [`OwnerGuard::enter_new`]), or NULL.
pub fn take_pending_arena() -> *mut Arena {
    let v = unsafe { *port::modssl_port_owner_slot() } as usize;
    if v & PENDING != 0 {
        (v & !PENDING) as *mut Arena
    } else {
        ptr::null_mut()
    }
}

/// Makes `arena` the calling thread's current owner until the guard drops,
/// restoring the previous owner (calls nest: a connection call may run inside
/// another's verify callback on the same thread).
pub struct OwnerGuard {
    previous: *mut c_void,
}

impl OwnerGuard {
    /// # Safety
    /// `arena` must stay valid while the guard lives.
    pub unsafe fn enter(arena: *mut Arena) -> OwnerGuard {
        let slot = port::modssl_port_owner_slot();
        let previous = *slot;
        *slot = arena as *mut c_void;
        OwnerGuard { previous }
    }

    /// As [`OwnerGuard::enter`], for the arena of a connection that is still
    /// being made: a panic escape meanwhile frees the arena (an out-of-memory
    /// inside `wrap_socket` must not leak it).
    ///
    /// # Safety
    /// As for [`OwnerGuard::enter`]; `arena` (16-byte aligned) must be owned
    /// by nothing else.
    pub unsafe fn enter_new(arena: *mut Arena) -> OwnerGuard {
        let g = OwnerGuard::enter(arena);
        *port::modssl_port_owner_slot() = (arena as usize | PENDING) as *mut c_void;
        g
    }

    /// Allocations made inside `f` go to the shared tracked heap, whoever
    /// is current (for state that must outlive the current connection).
    pub fn shared<R>(f: impl FnOnce() -> R) -> R {
        let _g = unsafe { OwnerGuard::enter(ptr::null_mut()) };
        f()
    }
}

impl Drop for OwnerGuard {
    fn drop(&mut self) {
        unsafe { *port::modssl_port_owner_slot() = self.previous };
    }
}

/// Resets the calling thread's owner after a panic escape, from C.
pub fn reset_owner() {
    unsafe { *port::modssl_port_owner_slot() = ptr::null_mut() };
}

/// Size and alignment of the underlying request for a user layout.
fn padded(layout: Layout) -> Option<(usize, usize)> {
    let align = layout.align().max(core::mem::align_of::<Header>());
    // Room for the header in front of an `align`-aligned user pointer.
    let front = HEADER.max(align);
    let size = layout.size().checked_add(front)?;
    Some((size, align))
}

/// Places the header and returns the user pointer inside `raw`.
unsafe fn finish(raw: *mut u8, align: usize, owner: *mut Arena) -> *mut u8 {
    let user_addr = (raw as usize + HEADER + align - 1) & !(align - 1);
    let user = raw.add(user_addr - raw as usize);
    let header = user.sub(HEADER) as *mut Header;
    header.write(Header { raw, owner });
    user
}

/// The global allocator of the core (not used under `cargo test`).
pub struct ModsslAllocator;

unsafe impl GlobalAlloc for ModsslAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some((size, align)) = padded(layout) else {
            return ptr::null_mut();
        };
        let owner = current_owner();
        #[cfg(feature = "oom-inject")]
        if oom_inject::fail_now() {
            if owner.is_null() {
                SHARED_HEAP_FAILED.store(true, Ordering::Relaxed);
            } else {
                (*owner).out_of_memory = true;
            }
            return ptr::null_mut();
        }
        let raw = if owner.is_null() {
            // m_tracked_calloc gives 8-byte alignment (MicroPython's GC block
            // alignment); larger alignments are met by over-allocating.
            // (malloc, under `valgrind`: 16, and no slack after the block.)
            let extra = if align > PORT_ALIGN { align } else { 0 };
            let p = port::modssl_port_tracked_alloc(size + extra) as *mut u8;
            if p.is_null() {
                SHARED_HEAP_FAILED.store(true, Ordering::Relaxed);
            }
            p
        } else {
            Arena::alloc(owner, size, align)
        };
        if raw.is_null() {
            return ptr::null_mut();
        }
        finish(raw, align, owner)
    }

    unsafe fn dealloc(&self, user: *mut u8, layout: Layout) {
        let header = (user.sub(HEADER) as *const Header).read();
        if header.owner.is_null() {
            port::modssl_port_tracked_free(header.raw as *mut c_void);
        } else if let Some((size, align)) = padded(layout) {
            Arena::dealloc(header.owner, header.raw, size, align);
        }
    }
}

/// The alignment of the port's blocks.
#[cfg(not(feature = "valgrind"))]
const PORT_ALIGN: usize = 8;
#[cfg(feature = "valgrind")]
const PORT_ALIGN: usize = 16;

/// Set when the shared tracked heap could not meet a request; read by the
/// panic handler to tell out-of-memory from other panics.
static SHARED_HEAP_FAILED: AtomicBool = AtomicBool::new(false);

/// Whether the allocation that led to the current panic failed for lack of
/// memory (in the current arena, or on the shared heap), clearing the flag.
pub fn take_out_of_memory() -> bool {
    let owner = current_owner();
    let arena_oom = !owner.is_null() && unsafe { (*owner).out_of_memory };
    SHARED_HEAP_FAILED.swap(false, Ordering::Relaxed) || arena_oom
}

/// Fault injection for the OOM sweep (`oom-inject` feature, test builds
/// only: `build/micropython-oom`).  Counts the core's allocations and fails
/// exactly the `N`th one after `modssl_oom_inject(N)` (`ffi/mem.rs`).
#[cfg(feature = "oom-inject")]
pub mod oom_inject {
    use core::sync::atomic::{AtomicUsize, Ordering};

    static COUNT: AtomicUsize = AtomicUsize::new(0);
    static FAIL_AT: AtomicUsize = AtomicUsize::new(0);

    pub(super) fn fail_now() -> bool {
        let n = COUNT.fetch_add(1, Ordering::Relaxed) + 1;
        n == FAIL_AT.load(Ordering::Relaxed)
    }

    /// Fails the `fail_at`th allocation from now (0: none) and returns how
    /// many allocations the core made since the previous call
    /// (`ffi::modssl_oom_inject`).
    pub fn set(fail_at: usize) -> usize {
        let n = COUNT.swap(0, Ordering::Relaxed);
        FAIL_AT.store(fail_at, Ordering::Relaxed);
        n
    }
}

/// Test builds only (build/micropython-valgrind, `valgrind` feature):
/// deliberate memory errors, which memcheck must report there
/// (tests/test_valgrind.py); in a normal build they would be silent, inside
/// MicroPython's heap.
#[cfg(feature = "valgrind")]
pub mod valgrind_selftest {
    use alloc::boxed::Box;
    use alloc::vec::Vec;
    use core::hint::black_box;
    use core::ptr;

    use super::{Arena, OwnerGuard};

    /// `what`: 1 writes one byte past a 100-byte allocation of a
    /// connection's arena, 2 past one on the shared heap; 3 reads an arena
    /// allocation after freeing it, 4 a shared-heap one.  Returns the byte
    /// read (3, 4), 0 (1, 2), or -1 for an unknown `what` or no memory.
    /// (`ffi::modssl_valgrind_selftest`)
    pub fn run(what: i32) -> i32 {
        let arena = if what == 1 || what == 3 {
            let a = Arena::create(1024, 1024, 16 * 1024);
            if a.is_null() {
                return -1;
            }
            a
        } else {
            ptr::null_mut()
        };
        let r = {
            let _owner = unsafe { OwnerGuard::enter(arena) };
            match what {
                1 | 2 => {
                    let mut v: Vec<u8> = Vec::with_capacity(100);
                    let p = black_box(v.as_mut_ptr());
                    // SAFETY: none: the out-of-bounds write is the point.
                    unsafe { ptr::write_volatile(p.add(100), 0x5a) };
                    drop(v);
                    0
                }
                3 | 4 => {
                    let b = Box::new([0x33u8; 100]);
                    let p = black_box(&*b as *const [u8; 100] as *const u8);
                    drop(b);
                    // SAFETY: none: the read after free is the point.
                    i32::from(unsafe { ptr::read_volatile(p.add(50)) })
                }
                _ => -1,
            }
        };
        if !arena.is_null() {
            unsafe { Arena::release(arena) };
        }
        r
    }
}

/// Marks the current connection's arena as holding blocks that outlive it
/// (see `Arena::release`); nothing when no arena is current.
pub fn mark_current_exported() {
    let owner = current_owner();
    if !owner.is_null() {
        unsafe { (*owner).mark_exported() };
    }
}
