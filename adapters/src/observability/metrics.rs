//! The Prometheus registry and the counters the edge updates.
//!
//! Hot-path cost: the label handles of every known route are resolved once (lazily per
//! method and common status, so unused series never appear), so a request costs a binary
//! search over the route table, one `OnceLock` load and the atomic adds of a counter and a
//! histogram. Only rare labels (an unknown route pattern, an unusual status) go through the
//! registry's locked map.

use actix_web::http::Method;
pub use labels::LoginOutcome;
use labels::{method_index, status_digits, METHODS, STATUSES};
use prometheus::{
    Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};
pub use snapshot::{KeyAge, PoolStatus, Snapshot};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use tessera_application::services::LoginError;

mod labels;
mod snapshot;

/// Route label of requests that matched no route: the raw path would be unbounded.
pub const UNMATCHED: &str = "unmatched";

/// `Content-Type` of [`Metrics::render`]'s output (text exposition format 0.0.4).
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Latency buckets, 0.1 ms to 5 s: discovery answers in well under a millisecond, a login
/// (argon2) takes a few hundred.
const BUCKETS: [f64; 15] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Cached handles of one (route, method).
#[derive(Default)]
struct MethodSlot {
    duration: OnceLock<Histogram>,
    statuses: [OnceLock<IntCounter>; STATUSES.len()],
}

/// Cached handles of one known route.
struct RouteSlot {
    label: &'static str,
    methods: [MethodSlot; METHODS.len()],
}

/// Every metric Tessera exports, in one registry. Shared by all workers behind an `Arc`.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    durations: HistogramVec,
    /// Sorted by label, for a binary search.
    routes: Vec<RouteSlot>,
    tokens: IntCounterVec,
    logins: [IntCounter; 3],
    lockouts: IntCounter,
    rate_limited: IntCounterVec,
    housekeeping: IntCounterVec,
    audit_dropped: IntCounter,
    /// The latest total reported by the audit writer; the counter catches up at scrape time.
    audit_dropped_seen: AtomicU64,
    pool: [IntGauge; 4],
    key_age: IntGaugeVec,
    /// One scrape at a time: the key-age family is cleared and refilled.
    scrape: Mutex<()>,
}

impl Metrics {
    /// A registry with every family; `routes` are the route patterns whose handles are cached
    /// ([`UNMATCHED`] is always added). Other patterns still work, through the slower path.
    #[allow(
        clippy::expect_used,
        reason = "start-up only: fixed metric names and labels, valid and unique (tested)"
    )]
    pub fn new(routes: &[&'static str]) -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("tessera_http_requests_total", "HTTP requests answered."),
            &["route", "method", "status"],
        )
        .expect("valid metric");
        let durations = HistogramVec::new(
            HistogramOpts::new(
                "tessera_http_request_duration_seconds",
                "Time from request to response headers.",
            )
            .buckets(BUCKETS.to_vec()),
            &["route", "method"],
        )
        .expect("valid metric");
        let tokens = IntCounterVec::new(
            Opts::new("tessera_tokens_issued_total", "Token responses at /token."),
            &["grant_type"],
        )
        .expect("valid metric");
        let logins_vec = IntCounterVec::new(
            Opts::new("tessera_logins_total", "Password sign-ins by outcome."),
            &["outcome"],
        )
        .expect("valid metric");
        let lockouts = IntCounter::new(
            "tessera_lockouts_total",
            "Accounts locked after too many failed sign-ins.",
        )
        .expect("valid metric");
        let rate_limited = IntCounterVec::new(
            Opts::new(
                "tessera_rate_limited_total",
                "Requests refused by the per-address rate limit.",
            ),
            &["route"],
        )
        .expect("valid metric");
        let housekeeping = IntCounterVec::new(
            Opts::new(
                "tessera_housekeeping_deleted_total",
                "Expired rows deleted by housekeeping.",
            ),
            &["kind"],
        )
        .expect("valid metric");
        let audit_dropped = IntCounter::new(
            "tessera_audit_events_dropped_total",
            "Audit events dropped because the writer could not keep up.",
        )
        .expect("valid metric");
        let pool_vec = IntGaugeVec::new(
            Opts::new(
                "tessera_db_pool_connections",
                "Database pool connections by state.",
            ),
            &["state"],
        )
        .expect("valid metric");
        let key_age = IntGaugeVec::new(
            Opts::new(
                "tessera_signing_key_age_seconds",
                "Age of each stored signing key.",
            ),
            &["kid", "alg", "state"],
        )
        .expect("valid metric");
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(durations.clone()),
            Box::new(tokens.clone()),
            Box::new(logins_vec.clone()),
            Box::new(lockouts.clone()),
            Box::new(rate_limited.clone()),
            Box::new(housekeeping.clone()),
            Box::new(audit_dropped.clone()),
            Box::new(pool_vec.clone()),
            Box::new(key_age.clone()),
        ] {
            registry.register(c).expect("metric names are unique");
        }
        // Known label values exist from the start, at 0: dashboards and alerts need no
        // special case for "never happened yet".
        for g in ["authorization_code", "client_credentials", "refresh_token"] {
            tokens.with_label_values(&[g]);
        }
        let logins = ["success", "failure", "locked"].map(|o| logins_vec.with_label_values(&[o]));
        let pool =
            ["max", "size", "available", "waiting"].map(|s| pool_vec.with_label_values(&[s]));
        let mut labels: Vec<&'static str> = routes.to_vec();
        labels.push(UNMATCHED);
        labels.sort_unstable();
        labels.dedup();
        let routes = labels
            .into_iter()
            .map(|label| RouteSlot {
                label,
                methods: Default::default(),
            })
            .collect();
        Self {
            registry,
            requests,
            durations,
            routes,
            tokens,
            logins,
            lockouts,
            rate_limited,
            housekeeping,
            audit_dropped,
            audit_dropped_seen: AtomicU64::new(0),
            pool,
            key_age,
            scrape: Mutex::new(()),
        }
    }

    /// True when `route` is one of the patterns given to [`Self::new`]: the middleware then
    /// uses the request path as the label without asking actix to re-match it.
    pub fn is_known_route(&self, route: &str) -> bool {
        self.route_slot(route).is_some()
    }

    fn route_slot(&self, route: &str) -> Option<&RouteSlot> {
        self.routes
            .binary_search_by(|r| r.label.cmp(route))
            .ok()
            .and_then(|i| self.routes.get(i))
    }

    /// Counts one answered request and its latency. `route` must be a route pattern or
    /// [`UNMATCHED`], never a raw path.
    pub fn observe_request(&self, route: &str, method: &Method, status: u16, elapsed: Duration) {
        let m = method_index(method);
        let method_label = METHODS.get(m).copied().unwrap_or("OTHER");
        let secs = elapsed.as_secs_f64();
        let digits = status_digits(status);
        let status_label = std::str::from_utf8(&digits).unwrap_or("other");
        let cached = self
            .route_slot(route)
            .and_then(|slot| Some((slot, slot.methods.get(m)?)));
        let Some((slot, ms)) = cached else {
            self.requests
                .with_label_values(&[route, method_label, status_label])
                .inc();
            self.durations
                .with_label_values(&[route, method_label])
                .observe(secs);
            return;
        };
        let status_cell = STATUSES
            .iter()
            .position(|&s| s == status)
            .and_then(|i| ms.statuses.get(i));
        match status_cell {
            Some(cell) => cell
                .get_or_init(|| {
                    self.requests
                        .with_label_values(&[slot.label, method_label, status_label])
                })
                .inc(),
            None => self
                .requests
                .with_label_values(&[slot.label, method_label, status_label])
                .inc(),
        }
        ms.duration
            .get_or_init(|| {
                self.durations
                    .with_label_values(&[slot.label, method_label])
            })
            .observe(secs);
    }

    /// Counts one successful token response of `grant_type`.
    pub fn token_issued(&self, grant_type: &str) {
        self.tokens.with_label_values(&[grant_type]).inc();
    }

    /// Counts one password sign-in attempt (login page or account API).
    pub fn login(&self, outcome: LoginOutcome) {
        if let Some(counter) = self.logins.get(outcome.index()) {
            counter.inc();
        }
    }

    /// Counts the outcome of a password check: `None` is a success; wrong credentials and
    /// locked accounts count as such; busy or broken backends are not sign-in outcomes.
    pub fn login_result(&self, error: Option<&LoginError>) {
        let outcome = match error {
            None => LoginOutcome::Success,
            Some(LoginError::InvalidCredentials) => LoginOutcome::Failure,
            Some(LoginError::Locked { .. }) => LoginOutcome::Locked,
            Some(_) => return,
        };
        self.login(outcome);
    }

    /// Counts an account becoming locked (not every refusal of a locked account).
    pub fn lockout(&self) {
        self.lockouts.inc();
    }

    /// Counts one request refused by the rate limit on `route` (a pattern).
    pub fn rate_limited(&self, route: &str) {
        self.rate_limited.with_label_values(&[route]).inc();
    }

    /// Counts `n` expired rows of `kind` deleted by housekeeping.
    pub fn housekeeping_deleted(&self, kind: &str, n: u64) {
        if n > 0 {
            self.housekeeping.with_label_values(&[kind]).inc_by(n);
        }
    }

    /// Reports the audit writer's running total of dropped events; the exported counter
    /// follows it at the next scrape (it never goes down).
    pub fn audit_dropped(&self, total: u64) {
        self.audit_dropped_seen.fetch_max(total, Ordering::Relaxed);
    }

    /// The text exposition of every family, with the scrape-time gauges set from `snapshot`.
    pub fn render(&self, snapshot: &Snapshot) -> String {
        let _one_scrape = self
            .scrape
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let pool = &snapshot.pool;
        for (g, v) in self
            .pool
            .iter()
            .zip([pool.max_size, pool.size, pool.available, pool.waiting])
        {
            g.set(i64::try_from(v).unwrap_or(i64::MAX));
        }
        // Keys come and go (rotation, retirement): start from an empty family each time.
        self.key_age.reset();
        for k in &snapshot.signing_keys {
            self.key_age
                .with_label_values(&[k.kid.as_str(), k.alg, k.state])
                .set(k.age_secs.max(0));
        }
        let seen = self.audit_dropped_seen.load(Ordering::Relaxed);
        let exported = self.audit_dropped.get();
        if seen > exported {
            self.audit_dropped.inc_by(seen - exported);
        }
        let mut out = String::with_capacity(8 * 1024);
        if let Err(e) = TextEncoder::new().encode_utf8(&self.registry.gather(), &mut out) {
            log::warn!("could not encode the metrics: {e}");
        }
        out
    }
}

/// The text encoder's format type, kept in sync with [`CONTENT_TYPE`] by a test.
#[cfg(test)]
fn encoder_format() -> String {
    use prometheus::Encoder;
    TextEncoder::new().format_type().to_owned()
}

#[cfg(test)]
mod tests;
