//! In-memory implementations of the repository ports, for tests that check behaviour rather
//! than call order, and as the third backend of the repository contract suite (which is what
//! shows they keep the SQL backends' semantics: atomic single-use redemption, rotation,
//! conflicts on unique keys, ordering, cascades, purges).
//!
//! One [`InMemoryStore`] holds every table behind one mutex, so an operation that is one
//! transaction in SQL (rotate a refresh token, revoke a consent with its grants, delete a user
//! and what hangs off it) is one critical section here. `InMemoryStore` implements each
//! repository trait itself; hand out `Arc<InMemoryStore>` clones as the `Arc<dyn …>` ports.

mod api_keys;
mod audit;
mod challenges;
mod clients;
mod codes;
mod consents;
mod console_statistics;
mod device_authorizations;
mod email_tokens;
mod housekeeping;
mod logout_deliveries;
mod passkeys;
mod pushed_requests;
mod refresh_tokens;
mod replay;
mod resources;
mod revocations;
mod second_factors;
mod session_clients;
mod sessions;
mod signing_keys;
mod tables;
mod user_roles;
mod users;

#[cfg(test)]
mod service_tests;
#[cfg(test)]
mod tests;

use std::sync::{Mutex, MutexGuard};

use crate::RepositoryError;

pub use housekeeping::InMemoryHousekeeping;
use tables::Tables;

/// Every table of the store; cheap to share as `Arc<InMemoryStore>`.
#[derive(Default)]
pub struct InMemoryStore {
    tables: Mutex<Tables>,
}

impl std::fmt::Debug for InMemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InMemoryStore").finish_non_exhaustive()
    }
}

impl InMemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The tables, held for one operation. A poisoned lock (a panic while holding it) is
    /// reported as `Other`, never unwrapped: the tables may be half-written.
    fn lock(&self) -> Result<MutexGuard<'_, Tables>, RepositoryError> {
        self.tables.lock().map_err(|_| {
            RepositoryError::other("the in-memory store is poisoned: an operation panicked")
        })
    }
}
