//! Memory: the totals of every connection's arena (`ssl.mem_info()`), one
//! connection's arena (for Rust tests and the fuzz targets, not the header),
//! and the allocator hooks of the test builds (the OOM sweep, memcheck).

use super::conn::Connection;
use crate::heap::ArenaStats;

/// Heap held by TLS connections, over all of them.
#[repr(C)]
pub struct MemInfo {
    /// Connections alive (open, or abandoned and not yet collected).
    pub connections: usize,
    /// MicroPython heap their arenas hold.
    pub reserved: usize,
    /// Bytes in use inside those arenas.
    pub used: usize,
}

#[no_mangle]
pub extern "C" fn modssl_mem_info() -> MemInfo {
    let (connections, reserved, used) = crate::heap::arena_totals();
    MemInfo { connections, reserved, used }
}

/// Certificate compression (RFC 8879, zlib) in this build and firmware:
/// bit 0, compressed chains from the peer are accepted (the `cert-compress`
/// feature and the port's inflater); bit 1, ours is sent compressed to a
/// peer that asks (the port's compressor too).  A lookup that allocates
/// nothing: the shim calls it unguarded.
#[no_mangle]
pub extern "C" fn modssl_cert_compression() -> u32 {
    #[cfg(feature = "cert-compress")]
    {
        crate::compress::can_inflate() as u32 | (crate::compress::can_deflate() as u32) << 1
    }
    #[cfg(not(feature = "cert-compress"))]
    0
}

/// The core stack this build's deep calls need at least (bytes), when the
/// shim's default (`MODSSL_CORE_STACK`, sized for the classical handshake)
/// is not enough; 0 otherwise.  RustCrypto's ML-KEM keeps whole matrices of
/// polynomials on the stack: with `pq`, a server's encapsulation reaches
/// PQ_CORE_STACK bytes deep on thumbv6m.
#[no_mangle]
pub extern "C" fn modssl_core_stack_need() -> usize {
    if cfg!(feature = "pq") {
        PQ_CORE_STACK
    } else {
        0
    }
}

/// The deepest `pq` handshake measured on the emulated Cortex-M0 (qemu
/// MPS2_AN385, a client and a server in one interpreter, ssl.stack_info()):
/// 34,700 B making the client's key share, 39,892 B at most after; with
/// the room the default keeps for interrupt handlers (about 4 KiB).
const PQ_CORE_STACK: usize = 44 * 1024;

/// Heap held by one connection's arena; zeros for NULL.  Rust's only (the
/// shim reports the totals above), so not exported to the header.
pub fn modssl_conn_stats(conn: *const Connection) -> ArenaStats {
    let c = try_ref!(conn, ArenaStats::default());
    unsafe { (*c.arena).stats() }
}

/// Test builds only (build/micropython-oom): fails the core's `fail_at`th
/// allocation from now (0: none) and returns how many allocations it made
/// since the previous call.
#[cfg(feature = "oom-inject")]
#[no_mangle]
pub extern "C" fn modssl_oom_inject(fail_at: usize) -> usize {
    crate::heap::oom_inject::set(fail_at)
}

/// Test builds only (build/micropython-valgrind): one deliberate memory
/// error, which memcheck must report (`heap::valgrind_selftest`).
#[cfg(feature = "valgrind")]
#[no_mangle]
pub extern "C" fn modssl_valgrind_selftest(what: i32) -> i32 {
    crate::heap::valgrind_selftest::run(what)
}
