//! A connection's private heap: a list of chunks taken from MicroPython's
//! tracked heap, each managed by a first-fit free list.
//!
//! The first chunk is reserved when the connection is created, so the first
//! steps of a handshake (and writes with the heap locked, as MicroPython's
//! `tls_num_errors` test does) need no new memory.  When a request does not fit,
//! a new chunk is taken (sized to the request for record buffers), up to the
//! arena's limit; empty chunks other than the first are given back at once.
//! Freeing the arena frees every chunk, whatever the core left in them.
//!
//! With the `valgrind` feature (build/micropython-valgrind only) nothing is
//! carved: each request is a block of its own from the port, on a list that
//! freeing the arena walks, so that memcheck sees every allocation's bounds
//! and its free (docs/design.md, "Under valgrind").

use core::ffi::c_void;
use core::mem::{align_of, size_of};
use core::ptr;

use core::alloc::Layout;
use linked_list_allocator::Heap;

use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering, Ordering::Relaxed};

use crate::port;

/// Totals over every live arena, for `ssl.mem_info()`.  Plain counters, no
/// pointers: nothing here outlives a soft reset wrongly (the finalisers that
/// run at soft reset destroy the arenas and bring them back to zero).
static LIVE_ARENAS: AtomicUsize = AtomicUsize::new(0);
static RESERVED: AtomicUsize = AtomicUsize::new(0);
static USED: AtomicUsize = AtomicUsize::new(0);

/// (live connections' arenas, heap they hold, bytes in use in them).
pub fn totals() -> (usize, usize, usize) {
    (LIVE_ARENAS.load(Relaxed), RESERVED.load(Relaxed), USED.load(Relaxed))
}

/// One more (`+1`) or one fewer (`-1`) live arena.
fn count_live(delta: isize) {
    if delta > 0 {
        LIVE_ARENAS.fetch_add(1, Relaxed);
    } else {
        LIVE_ARENAS.fetch_sub(1, Relaxed);
    }
    #[cfg(test)]
    live_here::add(delta);
}

/// The same count for the calling thread only: `cargo test` runs tests on
/// parallel threads, so a test that reads the process-wide total would see
/// other tests' arenas come and go.
#[cfg(test)]
mod live_here {
    extern crate std;
    use core::cell::Cell;

    std::thread_local! {
        static N: Cell<isize> = const { Cell::new(0) };
    }

    pub fn add(delta: isize) {
        N.with(|c| c.set(c.get() + delta));
    }

    pub fn get() -> isize {
        N.with(|c| c.get())
    }
}

/// One chunk: its header, then the free-list heap's memory.
#[repr(C)]
struct Chunk {
    next: *mut Chunk,
    size: usize,
    heap: Heap,
}

const CHUNK_HEADER: usize = (size_of::<Chunk>() + 15) & !15;

/// `valgrind` feature: the header in front of each request's own block.
#[cfg(feature = "valgrind")]
#[repr(C)]
struct Block {
    prev: *mut Block,
    next: *mut Block,
    /// What the port returned, and its size.
    base: *mut u8,
    total: usize,
}

#[cfg(feature = "valgrind")]
const BLOCK_HEADER: usize = size_of::<Block>();

/// Usage figures of one arena, in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct ArenaStats {
    /// Bytes of MicroPython heap held by the chunks.
    pub reserved: usize,
    /// Bytes handed out to the core right now.
    pub used: usize,
    /// The largest `used` seen.
    pub peak: usize,
    /// Number of chunks.
    pub chunks: usize,
}

/// A connection's heap.  Lives at the start of its own first chunk.
pub struct Arena {
    chunks: *mut Chunk,
    limit: usize,
    #[cfg_attr(feature = "valgrind", allow(dead_code))]
    min_chunk: usize,
    stats: ArenaStats,
    /// Set when a request could not be met: the panic that follows is an
    /// out-of-memory condition, reported as `MemoryError`.
    pub out_of_memory: bool,
    /// Something allocated here was handed to state that outlives the
    /// connection (a session kept for resumption): see [`Arena::release`].
    exported: bool,
    /// The connection is gone; the arena lives on for exported blocks and is
    /// destroyed when the last of them is freed.
    orphaned: bool,
    /// Exported blocks may be freed from another thread's connection while
    /// this one allocates: alloc and dealloc take this spin lock.
    lock: AtomicBool,
    /// `valgrind` feature: the requests' own blocks.
    #[cfg(feature = "valgrind")]
    blocks: *mut Block,
}

impl Arena {
    /// Creates an arena whose first chunk has room for `first` bytes of
    /// allocations, growing by chunks of at least `min_chunk` up to `limit`
    /// bytes of chunk memory.  The arena itself sits in the first chunk.
    /// Returns NULL when the heap cannot give the first chunk.
    pub fn create(first: usize, min_chunk: usize, limit: usize) -> *mut Arena {
        let arena_size = (size_of::<Arena>() + 15) & !15;
        // Under `valgrind` the first chunk holds the arena alone (requests
        // get blocks of their own), so the limit counts what they use.
        let first = if cfg!(feature = "valgrind") { 0 } else { first };
        let chunk = match new_chunk(first + arena_size) {
            Some(c) => c,
            None => return ptr::null_mut(),
        };
        unsafe {
            let layout = Layout::from_size_align_unchecked(arena_size, 16);
            let Ok(place) = (*chunk).heap.allocate_first_fit(layout) else {
                free_chunk(chunk);
                return ptr::null_mut();
            };
            let arena = place.as_ptr() as *mut Arena;
            count_live(1);
            RESERVED.fetch_add((*chunk).size, Relaxed);
            arena.write(Arena {
                chunks: chunk,
                limit,
                min_chunk,
                stats: ArenaStats { reserved: (*chunk).size, used: 0, peak: 0, chunks: 1 },
                out_of_memory: false,
                exported: false,
                orphaned: false,
                lock: AtomicBool::new(false),
                #[cfg(feature = "valgrind")]
                blocks: ptr::null_mut(),
            });
            arena
        }
    }

    fn acquire(this: *mut Arena) {
        // SAFETY: `lock` is only ever accessed through shared references.
        let lock = unsafe { &*ptr::addr_of!((*this).lock) };
        while lock.compare_exchange_weak(false, true, Ordering::Acquire, Relaxed).is_err() {
            core::hint::spin_loop();
        }
    }

    fn release_lock(this: *mut Arena) {
        let lock = unsafe { &*ptr::addr_of!((*this).lock) };
        lock.store(false, Ordering::Release);
    }

    /// Marks the arena as holding blocks that outlive its connection.
    pub fn mark_exported(&mut self) {
        self.exported = true;
    }

    /// The connection is done with its arena (its state has been dropped).
    /// Destroyed now, unless exported blocks are still in use: then it lives
    /// on until the last of them is freed.
    ///
    /// # Safety
    /// `arena` must come from [`Arena::create`]; the connection must not use
    /// it again.
    pub unsafe fn release(arena: *mut Arena) {
        Arena::acquire(arena);
        count_live(-1);
        if (*arena).stats.used == 0 {
            Arena::destroy(arena);
        } else {
            (*arena).orphaned = true;
            Arena::release_lock(arena);
        }
    }

    /// After a panic: the connection's state is garbage and is not dropped.
    /// An arena that exported nothing is freed whole; one that did must stay
    /// (a kept session points into it), so its garbage stays too, until soft
    /// reset: the price of an out-of-memory in a connection that cached a
    /// session.
    ///
    /// # Safety
    /// As for [`Arena::release`].
    pub unsafe fn discard(arena: *mut Arena) {
        Arena::acquire(arena);
        count_live(-1);
        if (*arena).exported {
            (*arena).orphaned = true;
            Arena::release_lock(arena);
        } else {
            Arena::destroy(arena);
        }
    }

    /// Frees every chunk (the arena included).  Whatever the core still held
    /// in them is gone: call only when nothing will touch it again.
    ///
    /// # Safety
    /// `arena` must come from [`Arena::create`] and not be used afterwards.
    unsafe fn destroy(arena: *mut Arena) {
        RESERVED.fetch_sub((*arena).stats.reserved, Relaxed);
        USED.fetch_sub((*arena).stats.used, Relaxed);
        #[cfg(feature = "valgrind")]
        {
            let mut b = (*arena).blocks;
            while !b.is_null() {
                let next = (*b).next;
                port::modssl_port_tracked_free((*b).base as *mut c_void);
                b = next;
            }
        }
        let mut chunk = (*arena).chunks;
        while !chunk.is_null() {
            let next = (*chunk).next;
            free_chunk(chunk);
            chunk = next;
        }
    }

    pub fn stats(&self) -> ArenaStats {
        self.stats
    }

    pub(super) unsafe fn alloc(this: *mut Arena, size: usize, align: usize) -> *mut u8 {
        Arena::acquire(this);
        let p = (*this).alloc_locked(size, align);
        Arena::release_lock(this);
        p
    }

    pub(super) unsafe fn dealloc(this: *mut Arena, raw: *mut u8, size: usize, align: usize) {
        Arena::acquire(this);
        (*this).dealloc_locked(raw, size, align);
        if (*this).orphaned && (*this).stats.used == 0 {
            Arena::destroy(this);
        } else {
            Arena::release_lock(this);
        }
    }

    /// `valgrind` feature: a block of the port's for this request alone,
    /// ending where the request ends (for alignments up to 16), so that
    /// memcheck's red zone starts right after it.
    #[cfg(feature = "valgrind")]
    fn alloc_locked(&mut self, size: usize, align: usize) -> *mut u8 {
        // The port's blocks are 16-byte aligned (malloc on 64-bit hosts).
        let extra = if align > 16 { align } else { 0 };
        let Some(total) = size.checked_add(BLOCK_HEADER + extra) else {
            return ptr::null_mut();
        };
        if self.stats.reserved + total > self.limit {
            self.out_of_memory = true;
            return ptr::null_mut();
        }
        let base = unsafe { port::modssl_port_tracked_alloc(total) } as *mut u8;
        if base.is_null() {
            self.out_of_memory = true;
            return ptr::null_mut();
        }
        unsafe {
            let addr = (base as usize + BLOCK_HEADER + align - 1) & !(align - 1);
            let raw = base.add(addr - base as usize);
            let b = raw.sub(BLOCK_HEADER) as *mut Block;
            b.write(Block { prev: ptr::null_mut(), next: self.blocks, base, total });
            if !self.blocks.is_null() {
                (*self.blocks).prev = b;
            }
            self.blocks = b;
            self.stats.reserved += total;
            RESERVED.fetch_add(total, Relaxed);
            self.stats.chunks += 1;
            self.charge(size);
            raw
        }
    }

    #[cfg(feature = "valgrind")]
    fn dealloc_locked(&mut self, raw: *mut u8, size: usize, _align: usize) {
        unsafe {
            let b = raw.sub(BLOCK_HEADER) as *mut Block;
            let Block { prev, next, base, total } = b.read();
            if prev.is_null() {
                self.blocks = next;
            } else {
                (*prev).next = next;
            }
            if !next.is_null() {
                (*next).prev = prev;
            }
            self.stats.used -= size;
            USED.fetch_sub(size, Relaxed);
            self.stats.reserved -= total;
            RESERVED.fetch_sub(total, Relaxed);
            self.stats.chunks -= 1;
            port::modssl_port_tracked_free(base as *mut c_void);
        }
    }

    #[cfg(not(feature = "valgrind"))]
    fn alloc_locked(&mut self, size: usize, align: usize) -> *mut u8 {
        let Ok(layout) = Layout::from_size_align(size, align) else {
            return ptr::null_mut();
        };
        let mut chunk = self.chunks;
        while !chunk.is_null() {
            unsafe {
                if let Ok(p) = (*chunk).heap.allocate_first_fit(layout) {
                    self.charge(size);
                    return p.as_ptr();
                }
                chunk = (*chunk).next;
            }
        }
        // No room: a new chunk, big enough for this request.
        let want = (size + align + 64).max(self.min_chunk);
        if self.stats.reserved + want + CHUNK_HEADER > self.limit {
            self.out_of_memory = true;
            return ptr::null_mut();
        }
        let Some(chunk) = new_chunk(want) else {
            self.out_of_memory = true;
            return ptr::null_mut();
        };
        unsafe {
            // Behind the first chunk: the first stays first (it holds us).
            (*chunk).next = (*self.chunks).next;
            (*self.chunks).next = chunk;
            self.stats.reserved += (*chunk).size;
            RESERVED.fetch_add((*chunk).size, Relaxed);
            self.stats.chunks += 1;
            match (*chunk).heap.allocate_first_fit(layout) {
                Ok(p) => {
                    self.charge(size);
                    p.as_ptr()
                }
                Err(()) => {
                    self.out_of_memory = true;
                    ptr::null_mut()
                }
            }
        }
    }

    #[cfg(not(feature = "valgrind"))]
    fn dealloc_locked(&mut self, raw: *mut u8, size: usize, align: usize) {
        let Ok(layout) = Layout::from_size_align(size, align) else {
            return;
        };
        let mut prev: *mut Chunk = ptr::null_mut();
        let mut chunk = self.chunks;
        while !chunk.is_null() {
            unsafe {
                let start = (*chunk).heap.bottom() as usize;
                let end = start + (*chunk).heap.size();
                let addr = raw as usize;
                if addr >= start && addr < end {
                    (*chunk).heap.deallocate(ptr::NonNull::new_unchecked(raw), layout);
                    self.stats.used -= size;
                    USED.fetch_sub(size, Relaxed);
                    // Give back an empty chunk other than the first.
                    if !prev.is_null() && (*chunk).heap.used() == 0 {
                        (*prev).next = (*chunk).next;
                        self.stats.reserved -= (*chunk).size;
                        RESERVED.fetch_sub((*chunk).size, Relaxed);
                        self.stats.chunks -= 1;
                        free_chunk(chunk);
                    }
                    return;
                }
                prev = chunk;
                chunk = (*chunk).next;
            }
        }
    }

    fn charge(&mut self, size: usize) {
        self.stats.used += size;
        USED.fetch_add(size, Relaxed);
        if self.stats.used > self.stats.peak {
            self.stats.peak = self.stats.used;
        }
    }
}

/// A chunk with at least `usable` bytes for its free list.
fn new_chunk(usable: usize) -> Option<*mut Chunk> {
    let usable = (usable + 15) & !15;
    let total = CHUNK_HEADER.checked_add(usable)?;
    let raw = unsafe { port::modssl_port_tracked_alloc(total) } as *mut u8;
    if raw.is_null() {
        return None;
    }
    debug_assert_eq!(raw as usize % align_of::<usize>(), 0);
    unsafe {
        let chunk = raw as *mut Chunk;
        chunk.write(Chunk { next: ptr::null_mut(), size: total, heap: Heap::empty() });
        (*chunk).heap.init(raw.add(CHUNK_HEADER), usable);
        Some(chunk)
    }
}

fn free_chunk(chunk: *mut Chunk) {
    unsafe { port::modssl_port_tracked_free(chunk as *mut c_void) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(not(feature = "valgrind"))]
    fn grows_and_gives_back_chunks() {
        let a = Arena::create(1024, 512, 64 * 1024);
        assert!(!a.is_null());
        unsafe {
            let p1 = Arena::alloc(a, 100, 8);
            assert!(!p1.is_null());
            let big = Arena::alloc(a, 8000, 8);
            assert!(!big.is_null());
            assert_eq!((*a).stats().chunks, 2);
            Arena::dealloc(a, big, 8000, 8);
            assert_eq!((*a).stats().chunks, 1, "empty extra chunk returned");
            Arena::dealloc(a, p1, 100, 8);
            assert_eq!((*a).stats().used, 0);
            assert_eq!((*a).stats().peak, 8100);
            Arena::release(a);
        }
    }

    /// `valgrind` feature: one block per request, each returned at once.
    #[test]
    #[cfg(feature = "valgrind")]
    fn a_block_per_request() {
        let a = Arena::create(1024, 512, 64 * 1024);
        unsafe {
            let first = (*a).stats().reserved;
            let p1 = Arena::alloc(a, 100, 8);
            let p2 = Arena::alloc(a, 8000, 32);
            assert!(!p1.is_null() && p2 as usize % 32 == 0);
            assert_eq!((*a).stats().chunks, 3);
            Arena::dealloc(a, p1, 100, 8);
            assert_eq!((*a).stats().chunks, 2);
            let p3 = Arena::alloc(a, 50, 8); // freed with the arena
            assert!(!p3.is_null());
            Arena::dealloc(a, p2, 8000, 32);
            assert_eq!((*a).stats().used, 50);
            assert_eq!((*a).stats().reserved, first + 50 + BLOCK_HEADER);
            Arena::discard(a); // p3's block goes with the arena
        }
    }

    #[test]
    fn limit_is_enforced() {
        let a = Arena::create(1024, 512, 4096);
        unsafe {
            assert!(Arena::alloc(a, 8000, 8).is_null());
            assert!((*a).out_of_memory);
            Arena::release(a);
        }
    }
}

#[cfg(test)]
mod lifetime_tests {
    use super::*;

    #[test]
    fn an_exported_block_keeps_the_arena_until_freed() {
        let a = Arena::create(1024, 512, 64 * 1024);
        unsafe {
            let kept = Arena::alloc(a, 64, 8);
            (*a).mark_exported();
            let live = live_here::get();
            Arena::release(a); // the connection ends; `kept` is still out
            assert_eq!(live_here::get(), live - 1, "no longer a live connection's arena");
            assert!((*a).orphaned);
            assert!((*a).stats.used >= 64, "the exported block is still held");
            kept.write_bytes(0xA5, 64); // and still usable
            Arena::dealloc(a, kept, 64, 8); // the last block: arena destroyed
        }
    }
}
