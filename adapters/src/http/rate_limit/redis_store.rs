//! Budgets kept in Redis (`rate_limit.redis_url`), so every Tessera process behind one load
//! balancer spends from the same ones: an attacker spreading guesses over the processes gets
//! no more than against one.
//!
//! Each operation is one call of one Lua script ([`gcra.lua`](./gcra.lua)), which reads,
//! decides and writes atomically on the server, with the server's clock. Keys are
//! `<namespace>:<purpose>:<key>` (namespace `tessera:rl` by default), an address as written or
//! the SHA-256 of a name (client id, account, cookie: nothing a reader of Redis could use), and
//! expire when their bucket is full again.
//!
//! Redis down or slow never fails a request and never lifts a limit: a call that has no answer
//! within `timeout` (100 ms by default) is answered by the process's own budget (the one it
//! would keep without Redis, always kept up to date beside), the connection is dropped, and
//! for the next second every call goes to the local budget at once while a background task
//! reconnects. A warning is logged at most once a minute while that lasts.

use super::buckets::Key;
use super::settings::{Budget, Purpose};
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, Script};
use secrecy::{ExposeSecret, SecretString};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How long every call gets by default, connecting included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(100);
/// The key prefix by default.
pub const DEFAULT_NAMESPACE: &str = "tessera:rl";
/// How long calls go to the local budget after Redis failed, before trying again.
const RETRY_AFTER: Duration = Duration::from_secs(1);
/// At most one warning per this interval while Redis is unavailable.
const WARN_EVERY: Duration = Duration::from_secs(60);
/// How long a (background) connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Where the shared budgets are: `rate_limit.redis_url`, checked.
#[derive(Clone)]
pub struct RedisSettings {
    /// The URL, which may hold a password: never logged.
    url: SecretString,
    /// The key prefix; tests give each run its own so parallel runs do not share budgets.
    pub namespace: String,
    /// How long one call may take before the local budget answers instead.
    pub timeout: Duration,
}

impl std::fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSettings")
            .field("url", &"[REDACTED]")
            .field("namespace", &self.namespace)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// `rate_limit.redis_url` is not a URL the Redis client accepts.
#[derive(Debug, thiserror::Error)]
#[error("not a Redis URL (redis://[user:password@]host[:port][/db] or unix:///path): {reason}")]
pub struct RedisUrlError {
    /// What the client found wrong (never the URL itself).
    reason: String,
}

impl RedisSettings {
    /// Checks `url` (without connecting) and keeps it with the default namespace and timeout.
    ///
    /// # Errors
    /// [`RedisUrlError`] when the Redis client does not accept it (`rediss://` included: this
    /// build has no TLS).
    pub fn parse(url: SecretString) -> Result<Self, RedisUrlError> {
        Client::open(url.expose_secret()).map_err(|e| RedisUrlError {
            reason: e.to_string(),
        })?;
        Ok(Self {
            url,
            namespace: DEFAULT_NAMESPACE.to_owned(),
            timeout: DEFAULT_TIMEOUT,
        })
    }
}

/// What the script answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Answer {
    /// `Err(seconds to wait)` when nothing is left.
    pub(super) verdict: Result<(), u64>,
    /// Something was spent that has not come back yet.
    pub(super) spent: bool,
}

/// Spend one, or only look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    /// Spends one when one is left.
    Take,
    /// Spends nothing.
    Peek,
}

/// The connection and what is known of Redis's health.
#[derive(Default)]
struct Link {
    conn: Option<MultiplexedConnection>,
    connecting: bool,
    /// No call and no reconnection before this.
    retry_at: Option<Instant>,
    warned_at: Option<Instant>,
    /// Failed since the last connection: the next one is logged.
    degraded: bool,
}

/// The budgets in Redis: one client, one multiplexed connection shared by every worker.
pub(super) struct RedisStore {
    client: Client,
    namespace: String,
    timeout: Duration,
    script: Script,
    link: Arc<Mutex<Link>>,
}

impl RedisStore {
    /// A store on `settings`; connects in the background on first use (see [`Self::connect`]).
    pub(super) fn new(settings: &RedisSettings) -> Result<Self, RedisUrlError> {
        let client = Client::open(settings.url.expose_secret()).map_err(|e| RedisUrlError {
            reason: e.to_string(),
        })?;
        Ok(Self {
            client,
            namespace: settings.namespace.clone(),
            timeout: settings.timeout,
            script: Script::new(include_str!("gcra.lua")),
            link: Arc::new(Mutex::new(Link::default())),
        })
    }

    /// Connects now (at start-up), so the first requests already share their budgets; when
    /// Redis is unreachable this warns and returns, the limits staying per process until a
    /// later reconnection succeeds.
    pub(super) async fn connect(&self) {
        {
            let mut link = lock(&self.link);
            if link.conn.is_some() || link.connecting {
                return;
            }
            link.connecting = true;
        }
        Connector::from(self).run().await;
    }

    /// Runs `op` on `key`'s bucket of `purpose` in Redis; `None` when Redis gave no answer in
    /// time (or is known to be down): the caller answers from its local budget.
    pub(super) async fn call(
        &self,
        op: Op,
        purpose: Purpose,
        key: &Key,
        budget: Budget,
    ) -> Option<Answer> {
        let mut conn = self.connection()?;
        let mut invocation = self.script.prepare_invoke();
        invocation
            .key(self.redis_key(purpose, key))
            .arg(match op {
                Op::Take => "take",
                Op::Peek => "peek",
            })
            .arg(budget.burst.max(1))
            .arg(interval_ms(budget));
        let answer = tokio::time::timeout(
            self.timeout,
            invocation.invoke_async::<(i64, i64, i64)>(&mut conn),
        )
        .await;
        match answer {
            Ok(Ok((allowed, wait, spent))) => Some(Answer {
                verdict: if allowed == 1 {
                    Ok(())
                } else {
                    Err(u64::try_from(wait).unwrap_or(1).max(1))
                },
                spent: spent == 1,
            }),
            Ok(Err(e)) => {
                self.lost(&e.to_string());
                None
            }
            Err(_) => {
                self.lost(&format!("no answer within {} ms", self.timeout.as_millis()));
                None
            }
        }
    }

    /// The connection, or `None` at once when there is none: then a reconnection is started
    /// in the background unless one is running or Redis failed less than a second ago.
    fn connection(&self) -> Option<MultiplexedConnection> {
        let mut link = lock(&self.link);
        if let Some(conn) = &link.conn {
            return Some(conn.clone());
        }
        let waiting = link.retry_at.is_some_and(|t| Instant::now() < t);
        if !link.connecting && !waiting {
            link.connecting = true;
            let connector = Connector::from(self);
            tokio::spawn(connector.run());
        }
        None
    }

    /// Drops the connection after a failed call and goes local for a while.
    fn lost(&self, reason: &str) {
        let mut link = lock(&self.link);
        link.conn = None;
        unavailable(&mut link, reason);
    }

    /// `<namespace>:<purpose>:<address or SHA-256 of the name>`.
    fn redis_key(&self, purpose: Purpose, key: &Key) -> String {
        let name = purpose.name();
        match key {
            Key::Ip(ip) => format!("{}:{name}:{ip}", self.namespace),
            Key::Name(n) => {
                let digest = openssl::sha::sha256(n.as_bytes());
                let mut key = format!("{}:{name}:", self.namespace);
                for byte in digest {
                    let _ = write!(key, "{byte:02x}");
                }
                key
            }
        }
    }

    /// Whether a connection is up (for tests).
    #[cfg(test)]
    pub(super) fn connected(&self) -> bool {
        lock(&self.link).conn.is_some()
    }
}

/// One connection attempt, owning what it needs so it can run in a task of its own. Dropped
/// half-way (its runtime stopping), it still clears `connecting`.
struct Connector {
    client: Client,
    script: Script,
    link: Arc<Mutex<Link>>,
    done: bool,
}

impl From<&RedisStore> for Connector {
    fn from(store: &RedisStore) -> Self {
        Self {
            client: store.client.clone(),
            script: store.script.clone(),
            link: store.link.clone(),
            done: false,
        }
    }
}

impl Connector {
    async fn run(mut self) {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(CONNECT_TIMEOUT));
        let attempt = tokio::time::timeout(CONNECT_TIMEOUT, async {
            let mut conn = self
                .client
                .get_multiplexed_async_connection_with_config(&config)
                .await?;
            // Loaded once here, so calls are one EVALSHA round trip each.
            self.script.prepare_invoke().load_async(&mut conn).await?;
            Ok::<_, redis::RedisError>(conn)
        })
        .await;
        let mut link = lock(&self.link);
        link.connecting = false;
        self.done = true;
        match attempt {
            Ok(Ok(conn)) => {
                if std::mem::take(&mut link.degraded) {
                    log::info!("rate limits: Redis answers again; budgets are shared again");
                }
                link.retry_at = None;
                link.conn = Some(conn);
            }
            Ok(Err(e)) => unavailable(&mut link, &e.to_string()),
            Err(_) => unavailable(
                &mut link,
                &format!("no connection within {} s", CONNECT_TIMEOUT.as_secs()),
            ),
        }
    }
}

impl Drop for Connector {
    fn drop(&mut self) {
        if !self.done {
            lock(&self.link).connecting = false;
        }
    }
}

/// Marks Redis unavailable for [`RETRY_AFTER`]; warns unless it did within [`WARN_EVERY`].
/// `reason` comes from the Redis client, which never repeats the URL (nor its password).
fn unavailable(link: &mut Link, reason: &str) {
    let now = Instant::now();
    link.retry_at = Some(now + RETRY_AFTER);
    link.degraded = true;
    if link
        .warned_at
        .is_none_or(|t| now.duration_since(t) >= WARN_EVERY)
    {
        link.warned_at = Some(now);
        log::warn!(
            "rate limits: Redis unavailable ({reason}); each process keeps its own budgets until it answers again"
        );
    }
}

fn lock(link: &Mutex<Link>) -> MutexGuard<'_, Link> {
    link.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Milliseconds to earn one back: 3,600,000 / per_hour, at least 1.
fn interval_ms(budget: Budget) -> u64 {
    (3_600_000 / u64::from(budget.per_hour.max(1))).max(1)
}

#[cfg(test)]
mod tests;
