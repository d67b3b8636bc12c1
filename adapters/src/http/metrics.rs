//! `GET /metrics`: Prometheus text exposition.

use super::{paths, OperationsState};
use crate::observability::{KeyAge, Snapshot, CONTENT_TYPE};
use crate::persistence::Database;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use std::sync::Arc;
use tessera_application::ports::Clock;
use tessera_application::services::KeyService;

/// What a scrape reads besides the counters: the pool and the stored signing keys.
pub struct MetricsSources {
    db: Database,
    keys: Arc<KeyService>,
    clock: Arc<dyn Clock>,
}

impl MetricsSources {
    /// Sources backed by `db` and the key service (one key-table read per scrape: the engine
    /// only holds the published keys, without their creation times).
    pub fn new(db: Database, keys: Arc<KeyService>, clock: Arc<dyn Clock>) -> Self {
        Self { db, keys, clock }
    }

    async fn snapshot(&self) -> Snapshot {
        let now = self.clock.now().as_secs();
        let signing_keys = match self.keys.list().await {
            Ok(keys) => keys
                .into_iter()
                .map(|k| KeyAge {
                    age_secs: now - k.created_at.as_secs(),
                    kid: k.kid,
                    alg: k.alg.as_str(),
                    state: k.state.as_str(),
                })
                .collect(),
            Err(e) => {
                log::warn!("metrics: could not list the signing keys: {e}");
                Vec::new()
            }
        };
        Snapshot {
            pool: self.db.pool_stats(),
            signing_keys,
        }
    }
}

/// Every route pattern registered by [`super::configure`], so the metrics can cache their
/// label handles; a route missing here still gets counted, only more slowly.
pub fn known_routes() -> Vec<&'static str> {
    vec![
        paths::OPENID_CONFIGURATION,
        paths::OAUTH_AUTHORIZATION_SERVER,
        paths::JWKS,
        paths::TOKEN,
        paths::PAR,
        paths::INTROSPECT,
        paths::REVOKE,
        paths::AUTHORIZE,
        paths::USERINFO,
        paths::LOGOUT,
        paths::USERS_REGISTER,
        paths::USERS_LOGIN,
        paths::USERS_ME,
        paths::USERS_ME_PASSWORD,
        paths::USERS_VERIFY_EMAIL,
        paths::USERS_VERIFY_EMAIL_RESEND,
        paths::USERS_PASSWORD_RESET,
        paths::USERS_PASSWORD_RESET_CONFIRM,
        paths::HEALTHZ,
        paths::READYZ,
        paths::METRICS,
        paths::BRANDING_LOGO,
        paths::BRANDING_CLIENT_LOGO,
    ]
}

// `GET /metrics`.
/// Prometheus metrics
#[utoipa::path(get, operation_id = "metrics", path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4", body = String, content_type = "text/plain")))]
pub async fn metrics_get(state: web::Data<OperationsState>) -> HttpResponse {
    let snapshot = state.metrics_sources.snapshot().await;
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, CONTENT_TYPE))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(state.metrics.render(&snapshot))
}
