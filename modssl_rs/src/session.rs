//! Session resumption stores, per context.
//!
//! Both live on the shared heap (they belong to the context), but rustls
//! calls them in the middle of a connection, with that connection's arena
//! current, so every container change here runs under
//! [`OwnerGuard::shared`].
//!
//! * **Server**: rustls hands us encoded sessions (`Vec<u8>`): we copy them to
//!   the shared heap, and the connection's arena stays the connection's.
//! * **Client**: rustls' session values cannot be copied or serialised
//!   outside rustls; what we keep are the values themselves, whose insides
//!   were allocated in the arena of the connection that received them.  That
//!   arena is marked *exported* and outlives its connection until the last
//!   such block is freed (`heap::Arena::release`).  The price: after
//!   `close()`, a connection that left a session behind keeps its arena's
//!   first chunk until the session is used, replaced or dropped with its
//!   context.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::fmt;

use rustls::client::{ClientSessionStore, Tls12ClientSessionValue, Tls13ClientSessionValue};
use rustls::pki_types::ServerName;
use rustls::server::StoresServerSessions;
use rustls::NamedGroup;
use spin::Mutex;

use crate::heap::{self, OwnerGuard};

/// TLS 1.3 tickets kept per server (servers usually send two).
const TICKETS_PER_SERVER: usize = 2;

struct ClientEntry {
    name: ServerName<'static>,
    kx_hint: Option<NamedGroup>,
    tls12: Option<Tls12ClientSessionValue>,
    tls13: VecDeque<Tls13ClientSessionValue>,
}

/// A client context's sessions, for up to `capacity` servers (oldest out).
pub struct ClientSessions {
    capacity: usize,
    entries: Mutex<VecDeque<ClientEntry>>,
}

impl ClientSessions {
    pub fn new(capacity: usize) -> Self {
        ClientSessions { capacity, entries: Mutex::new(VecDeque::new()) }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Runs `f` on the entry for `name`, created if `create`.
    fn with_entry<R>(&self, name: &ServerName<'_>, create: bool, f: impl FnOnce(&mut ClientEntry) -> R) -> Option<R> {
        OwnerGuard::shared(|| {
            let mut entries = self.entries.lock();
            let pos = match entries.iter().position(|e| &e.name == name) {
                Some(pos) => pos,
                None if create && self.capacity > 0 => {
                    if entries.len() >= self.capacity {
                        entries.pop_front();
                    }
                    entries.push_back(ClientEntry {
                        name: name.to_owned(),
                        kx_hint: None,
                        tls12: None,
                        tls13: VecDeque::new(),
                    });
                    entries.len() - 1
                }
                None => return None,
            };
            entries.get_mut(pos).map(f)
        })
    }

    /// Drops every kept session (their arenas go with the last of them).
    pub fn clear(&self) {
        OwnerGuard::shared(|| self.entries.lock().clear());
    }
}

impl fmt::Debug for ClientSessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSessions").field("capacity", &self.capacity).finish()
    }
}

impl ClientSessionStore for ClientSessions {
    fn set_kx_hint(&self, name: ServerName<'static>, group: NamedGroup) {
        self.with_entry(&name, true, |e| e.kx_hint = Some(group));
    }

    fn kx_hint(&self, name: &ServerName<'_>) -> Option<NamedGroup> {
        self.with_entry(name, false, |e| e.kx_hint).flatten()
    }

    fn set_tls12_session(&self, name: ServerName<'static>, value: Tls12ClientSessionValue) {
        heap::mark_current_exported();
        self.with_entry(&name, true, |e| e.tls12 = Some(value));
    }

    fn tls12_session(&self, name: &ServerName<'_>) -> Option<Tls12ClientSessionValue> {
        self.with_entry(name, false, |e| e.tls12.clone()).flatten()
    }

    fn remove_tls12_session(&self, name: &ServerName<'static>) {
        self.with_entry(name, false, |e| e.tls12 = None);
    }

    fn insert_tls13_ticket(&self, name: ServerName<'static>, value: Tls13ClientSessionValue) {
        heap::mark_current_exported();
        self.with_entry(&name, true, |e| {
            if e.tls13.len() >= TICKETS_PER_SERVER {
                e.tls13.pop_front();
            }
            e.tls13.push_back(value);
        });
    }

    fn take_tls13_ticket(&self, name: &ServerName<'static>) -> Option<Tls13ClientSessionValue> {
        self.with_entry(name, false, |e| e.tls13.pop_back()).flatten()
    }
}

/// A server context's sessions (TLS 1.2 session IDs, TLS 1.3 stateful
/// tickets), up to `capacity`, oldest out.  No ticket keys to manage.
pub struct ServerSessions {
    capacity: usize,
    entries: Mutex<VecDeque<(Vec<u8>, Vec<u8>)>>,
}

impl ServerSessions {
    pub fn new(capacity: usize) -> Self {
        ServerSessions { capacity, entries: Mutex::new(VecDeque::new()) }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

impl fmt::Debug for ServerSessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerSessions").field("capacity", &self.capacity).finish()
    }
}

impl StoresServerSessions for ServerSessions {
    fn put(&self, key: Vec<u8>, value: Vec<u8>) -> bool {
        if self.capacity == 0 {
            return false;
        }
        // Copies on the shared heap; the originals go back to the arena.
        OwnerGuard::shared(|| {
            let entry = (key.clone(), value.clone());
            let mut entries = self.entries.lock();
            entries.retain(|(k, _)| *k != entry.0);
            if entries.len() >= self.capacity {
                entries.pop_front();
            }
            entries.push_back(entry);
        });
        true
    }

    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        // The copy handed back belongs to the connection: made in its arena.
        let entries = self.entries.lock();
        entries.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }

    fn take(&self, key: &[u8]) -> Option<Vec<u8>> {
        let found = {
            let mut entries = self.entries.lock();
            let pos = entries.iter().position(|(k, _)| k == key)?;
            entries.remove(pos)
        };
        // Dropping the shared copies (dealloc finds their owner itself).
        found.map(|(_, v)| v.clone())
    }

    fn can_cache(&self) -> bool {
        self.capacity > 0
    }
}
