//! What the upstream sign-in handlers need: the use case, the password sign-in it ends in,
//! the cipher of its browser cookies, and the login page's list of upstreams.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tessera_application::ports::KeyCipher;
use tessera_application::services::{Accounts, SignIn, UpstreamSignIn};

/// How long the login page's list of upstreams is reused before it is read again (an
/// upstream registered by another process shows within this long).
pub const UPSTREAM_LIST_TTL: Duration = Duration::from_secs(5);

/// The state of `/upstream/*`.
pub struct UpstreamState {
    /// The upstream sign-in use case.
    pub upstreams: Arc<UpstreamSignIn>,
    /// Opens sessions (`amr` `fed`) and asks for second factors.
    pub sign_in: Arc<SignIn>,
    /// Checks the password of an existing account before linking it.
    pub accounts: Arc<Accounts>,
    /// Seals the pending sign-in and pending link cookies (AES-256-GCM, own key).
    pub cookies: Arc<dyn KeyCipher>,
    /// The login page's links: (id, name) of every upstream, read at most every
    /// [`UPSTREAM_LIST_TTL`].
    pub buttons: UpstreamList,
}

/// The (id, name) of every upstream.
type Buttons = Arc<Vec<(String, String)>>;

/// The cached list of upstreams for the login page.
#[derive(Default)]
pub struct UpstreamList {
    inner: RwLock<Option<(Instant, Buttons)>>,
}

impl UpstreamList {
    /// The list as last read (empty before the first read).
    pub fn current(&self) -> Arc<Vec<(String, String)>> {
        self.inner
            .read()
            .ok()
            .and_then(|g| g.as_ref().map(|(_, v)| v.clone()))
            .unwrap_or_default()
    }

    /// True when the list was never read or is older than the TTL.
    pub fn is_stale(&self, now: Instant) -> bool {
        self.inner.read().ok().is_none_or(|g| {
            g.as_ref()
                .is_none_or(|(at, _)| now.duration_since(*at) >= UPSTREAM_LIST_TTL)
        })
    }

    /// Replaces the list.
    pub fn set(&self, now: Instant, list: Vec<(String, String)>) {
        if let Ok(mut g) = self.inner.write() {
            *g = Some((now, Arc::new(list)));
        }
    }
}
