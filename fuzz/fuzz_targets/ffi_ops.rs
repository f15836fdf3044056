//! The C ABI called in random order on valid handles (two contexts, up to
//! four connections, a real handshake available as one of the operations),
//! with random lengths and contents, plus the NULL / bad-length cases the
//! ABI promises to reject with BAD_ARGUMENT.
#![no_main]
use core::ptr;

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use modssl_rs_fuzz::*;

struct World {
    ctx: [*mut Context; 2],
    conns: Vec<*mut Connection>,
}

fn bytes<'a>(u: &mut Unstructured<'a>, max: usize) -> Result<&'a [u8]> {
    let n = u.int_in_range(0..=max)?;
    u.bytes(n)
}

fn pick(u: &mut Unstructured, w: &World) -> Result<*mut Connection> {
    if w.conns.is_empty() {
        return Ok(ptr::null_mut());
    }
    Ok(w.conns[u.choose_index(w.conns.len())?])
}

fn op<'a>(u: &mut Unstructured<'a>, w: &mut World) -> Result<()> {
    let which: u8 = u.int_in_range(0..=24)?;
    let ctx = w.ctx[u.choose_index(2)?];
    match which {
        0 => {
            let b = bytes(u, 2048)?;
            let _ = ffi::modssl_context_load_verify(ctx, b.as_ptr(), b.len());
        }
        1 => {
            let good = u.arbitrary::<bool>()?;
            if good {
                let _ = ffi::modssl_context_load_cert_chain(ctx, LEAF_CHAIN.as_ptr(), LEAF_CHAIN.len(), LEAF_KEY.as_ptr(), LEAF_KEY.len());
            } else {
                let c = bytes(u, 1024)?;
                let k = bytes(u, 512)?;
                let _ = ffi::modssl_context_load_cert_chain(ctx, c.as_ptr(), c.len(), k.as_ptr(), k.len());
            }
        }
        2 => {
            let n: usize = u.int_in_range(0..=8)?;
            let ids: Vec<u16> = (0..n).map(|_| u.arbitrary::<u16>()).collect::<Result<_>>()?;
            let _ = ffi::modssl_context_set_ciphers(ctx, ids.as_ptr(), ids.len());
        }
        3 => {
            let _ = ffi::modssl_context_set_verify_mode(ctx, u.int_in_range(0..=3)?, u.arbitrary()?);
            let _ = ffi::modssl_context_verify_mode(ctx);
        }
        4 => {
            let mut name = ptr::null();
            let _ = ffi::modssl_context_cipher(ctx, u.int_in_range(0..=40)?, &mut name);
            let _ = ffi::modssl_context_cipher(ctx, 0, ptr::null_mut());
        }
        5 => {
            let b = bytes(u, 64)?;
            let _ = ffi::modssl_cipher_id(b.as_ptr(), b.len());
            let _ = ffi::modssl_status_text(u.arbitrary()?);
            let _ = ffi::modssl_status_raised(u.arbitrary()?);
        }
        6 | 7 if w.conns.len() < 4 => {
            let name: &[u8] = match u.int_in_range(0..=3)? {
                0 => b"localhost",
                1 => b"",
                2 => b"127.0.0.1",
                _ => bytes(u, 300)?,
            };
            if let Ok(c) = conn(ctx, name) {
                w.conns.push(c);
            }
        }
        8 if !w.conns.is_empty() => {
            let i = u.choose_index(w.conns.len())?;
            // (modssl_conn_discard is only for after a panic escape: with
            // std's allocator here it would leak what the connection holds.)
            ffi::modssl_conn_free(w.conns.swap_remove(i));
        }
        9 => {
            let _ = ffi::modssl_conn_process(pick(u, w)?);
        }
        10 => {
            // recv_space, then commit a random length (up to twice the room).
            let c = pick(u, w)?;
            let mut buf = ptr::null_mut();
            let room = ffi::modssl_conn_recv_space(c, &mut buf);
            if room > 0 {
                let b = bytes(u, room.min(20000))?;
                unsafe { ptr::copy_nonoverlapping(b.as_ptr(), buf, b.len()) };
                let extra: usize = if u.arbitrary::<bool>()? { u.int_in_range(0..=room)? } else { 0 };
                ffi::modssl_conn_recv_commit(c, b.len() + extra);
            }
        }
        11 => {
            let c = pick(u, w)?;
            let mut p = ptr::null();
            let n = ffi::modssl_conn_send_pending(c, &mut p);
            let k: usize = u.int_in_range(0..=n.saturating_mul(2).max(1))?;
            ffi::modssl_conn_send_consume(c, k);
        }
        12 => {
            let c = pick(u, w)?;
            let mut buf = vec![0u8; u.int_in_range(0..=20000)?];
            let _ = ffi::modssl_conn_read(c, buf.as_mut_ptr(), buf.len());
        }
        13 => {
            let c = pick(u, w)?;
            let b = bytes(u, 20000)?;
            let _ = ffi::modssl_conn_write(c, b.as_ptr(), b.len());
        }
        14 => {
            let _ = ffi::modssl_conn_close_notify(pick(u, w)?);
        }
        15 => {
            let c = pick(u, w)?;
            if !c.is_null() {
                poke(c);
            }
        }
        16 => {
            // A real handshake between two of our connections.
            if w.conns.len() >= 2 {
                let a = u.choose_index(w.conns.len())?;
                let b = u.choose_index(w.conns.len())?;
                if a != b {
                    let _ = exchange(w.conns[a], w.conns[b], u.int_in_range(0..=8)?);
                }
            }
        }
        17 => {
            let c = pick(u, w)?;
            ffi::modssl_conn_recv_commit(c, 0);
            let _ = ffi::modssl_conn_flags(c);
        }
        _ => null_cases(u, w)?,
    }
    Ok(())
}

/// What the ABI promises for NULL handles, NULL buffers with a length and
/// NULL out-pointers: BAD_ARGUMENT / 0 / nothing, never a crash.
fn null_cases(u: &mut Unstructured, w: &World) -> Result<()> {
    const BAD: i32 = status::BAD_ARGUMENT;
    let len: usize = u.int_in_range(1..=usize::MAX)?;
    let nc: *mut Connection = ptr::null_mut();
    let nx: *mut Context = ptr::null_mut();
    let ctx = w.ctx[0];
    let c = pick(u, w)?;
    assert_eq!(ffi::modssl_context_new(false, ptr::null_mut()), BAD);
    assert_eq!(ffi::modssl_context_set_verify_mode(nx, 0, true), BAD);
    assert_eq!(ffi::modssl_context_verify_mode(nx), BAD);
    assert_eq!(ffi::modssl_context_load_verify(nx, b"x".as_ptr(), 1), BAD);
    assert_eq!(ffi::modssl_context_load_verify(ctx, ptr::null(), len), BAD);
    assert_eq!(ffi::modssl_context_load_cert_chain(ctx, ptr::null(), len, ptr::null(), 0), BAD);
    assert_eq!(ffi::modssl_context_load_cert_chain(ctx, ptr::null(), 0, ptr::null(), len), BAD);
    assert_eq!(ffi::modssl_context_load_cert_chain(nx, ptr::null(), 0, ptr::null(), 0), BAD);
    assert_eq!(ffi::modssl_context_set_ciphers(ctx, ptr::null(), len), BAD);
    assert_eq!(ffi::modssl_context_set_ciphers(nx, ptr::null(), 0), BAD);
    assert_eq!(ffi::modssl_context_cipher(nx, 0, ptr::null_mut()), BAD);
    assert_eq!(ffi::modssl_cipher_id(ptr::null(), len), BAD);
    let mut out = ptr::null_mut();
    assert_eq!(ffi::modssl_conn_new(nx, ptr::null(), 0, arena(), &mut out), BAD);
    assert_eq!(ffi::modssl_conn_new(ctx, ptr::null(), len, arena(), &mut out), BAD);
    assert_eq!(ffi::modssl_conn_new(ctx, ptr::null(), 0, arena(), ptr::null_mut()), BAD);
    ffi::modssl_conn_free(nc);
    ffi::modssl_conn_discard(nc);
    ffi::modssl_context_free(nx);
    assert_eq!(ffi::modssl_conn_process(nc), BAD);
    assert_eq!(ffi::modssl_conn_flags(nc), BAD);
    let mut b = ptr::null_mut();
    assert_eq!(ffi::modssl_conn_recv_space(nc, &mut b), 0);
    assert_eq!(ffi::modssl_conn_recv_space(c, ptr::null_mut()), 0);
    ffi::modssl_conn_recv_commit(nc, len);
    let mut p = ptr::null();
    assert_eq!(ffi::modssl_conn_send_pending(nc, &mut p), 0);
    assert_eq!(ffi::modssl_conn_send_pending(c, ptr::null_mut()), 0);
    ffi::modssl_conn_send_consume(nc, len);
    assert_eq!(ffi::modssl_conn_read(nc, ptr::null_mut(), 0), BAD as isize);
    assert_eq!(ffi::modssl_conn_read(c, ptr::null_mut(), len), BAD as isize);
    assert_eq!(ffi::modssl_conn_write(nc, ptr::null(), 0), BAD as isize);
    assert_eq!(ffi::modssl_conn_write(c, ptr::null(), len), BAD as isize);
    assert_eq!(ffi::modssl_conn_close_notify(nc), BAD);
    assert_eq!(ffi::modssl_conn_info(nc, ptr::null_mut()), BAD);
    assert_eq!(ffi::modssl_conn_info(c, ptr::null_mut()), BAD);
    let mut n = 0usize;
    assert_eq!(ffi::modssl_conn_peer_cert(nc, 0, &mut p, &mut n), BAD);
    assert_eq!(ffi::modssl_conn_peer_cert(c, 0, ptr::null_mut(), &mut n), BAD);
    assert_eq!(ffi::modssl_conn_peer_cert(c, 0, &mut p, ptr::null_mut()), BAD);
    let _ = ffi::modssl_conn_stats(nc);
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    fuzz_provider::reset();
    let mut u = Unstructured::new(data);
    let mut w = World { ctx: [context(false, 0, None, None), context(true, 0, None, None)], conns: Vec::new() };
    for _ in 0..64 {
        if u.is_empty() || op(&mut u, &mut w).is_err() {
            break;
        }
    }
    for c in w.conns.drain(..) {
        ffi::modssl_conn_free(c);
    }
    ffi::modssl_context_free(w.ctx[0]);
    ffi::modssl_context_free(w.ctx[1]);
});
