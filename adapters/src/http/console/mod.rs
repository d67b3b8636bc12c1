//! The operators' console under `/console`: server-rendered pages (no JavaScript, the strict
//! CSP of every page, texts from the `console` catalogue) over the same application services
//! as the JSON admin API, so every action is validated alike and audited with the operator
//! (an admin user's id, or `admin_token`).
//!
//! Sign-in ([`sign_in`]): the configured admin token pasted once (wrong tokens spend the
//! address's admin failure budget, like the admin API), or the browser session of a person
//! holding the `admin` role. Either way the console then runs on its own sealed session
//! cookie ([`session`]). Every state-changing request is a CSRF-checked POST answered `303`
//! (or, where a secret is shown once, `200` with `no-store`).

mod audit;
mod chart;
mod clients;
mod dashboard;
mod keys;
mod render;
mod resources;
pub mod session;
mod sign_in;
#[cfg(test)]
mod tests;
mod users;

use super::form::OAuthForm;
use super::state::AdminState;
use crate::http::pages::Ui;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use session::{ConsoleSeal, ConsoleSession, Operator};
use std::sync::Arc;
use tessera_application::ports::{AuditLog, Clock, RandomSource, RevocationRepository};
use tessera_application::services::admin::{Actor, AdminDashboard};
use tessera_domain::{AuditAction, AuditEvent, AuditOutcome, Role, UnixTime};

/// The console's home (dashboard, or the sign-in page without a console session).
pub const CONSOLE: &str = "/console";
const SIGN_IN: &str = "/console/sign-in";
const SIGN_OUT: &str = "/console/sign-out";
const CLIENTS: &str = "/console/clients";
const CLIENT: &str = "/console/clients/{id}";
const USERS: &str = "/console/users";
const USER: &str = "/console/users/{id}";
const KEYS: &str = "/console/keys";
const API_KEYS: &str = "/console/api-keys";
const RESOURCES: &str = "/console/resources";
const AUDIT: &str = "/console/audit";

/// What the console needs beside the admin API's state (which it shares).
pub struct ConsoleState {
    /// Seals the session cookie and makes the CSRF tokens.
    pub seal: ConsoleSeal,
    /// The dashboard's figures.
    pub dashboard: AdminDashboard,
    /// Signed-out console sessions are denylisted here until their absolute end.
    pub revocations: Arc<dyn RevocationRepository>,
    /// Sign-ins and sign-outs are audited here.
    pub audit: Arc<dyn AuditLog>,
    /// Session ids.
    pub rng: Arc<dyn RandomSource>,
    /// Timeouts.
    pub clock: Arc<dyn Clock>,
}

/// One request of a signed-in operator.
pub(super) struct Operated {
    session: ConsoleSession,
    actor: Actor,
    ui: Ui,
    csrf: String,
}

impl Operated {
    /// The response with the session cookie renewed (the idle timeout slides).
    fn finish(&self, state: &ConsoleState, mut res: HttpResponse) -> HttpResponse {
        let renewed = ConsoleSession {
            seen_at: state.clock.now().as_secs(),
            ..self.session.clone()
        };
        if let Some(cookie) = state.seal.cookie(&renewed) {
            if let Err(e) = res.add_cookie(&cookie) {
                log::error!("could not renew the console cookie: {e}");
            }
        }
        res
    }

    /// `200` with `body` in the console's frame.
    fn page(&self, state: &ConsoleState, title: &str, body: &str) -> HttpResponse {
        let html = render::frame(&self.ui, &self.csrf, title, body);
        self.finish(state, self.ui.respond(StatusCode::OK, html))
    }

    /// `303` to `location`.
    fn see_other(&self, state: &ConsoleState, location: &str) -> HttpResponse {
        self.finish(state, see_other(location))
    }
}

/// `303 See Other` (AS-07: never 307 after a form).
fn see_other(location: &str) -> HttpResponse {
    HttpResponse::build(StatusCode::SEE_OTHER)
        .insert_header((header::LOCATION, location.to_owned()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// Why a request got no operator.
enum Refusal {
    /// No (live) console session: the sign-in page.
    SignedOut,
    /// A person without the `admin` role (any more): `403`.
    Forbidden,
    /// The stores failed: `503`.
    Unavailable,
}

/// The operator of the request's console session, checked on every request: the seal, the
/// timeouts, the sign-out denylist, and for a person that they still hold `admin` and their
/// account is enabled (so taking the role away ends their console at once).
async fn operator(
    req: &HttpRequest,
    state: &ConsoleState,
    admin: &AdminState,
) -> Result<Operated, Refusal> {
    let session = state.seal.from_request(req).ok_or(Refusal::SignedOut)?;
    let now = state.clock.now();
    if !session.live_at(now) {
        return Err(Refusal::SignedOut);
    }
    match state.revocations.is_revoked(&session.denylist_key()).await {
        Ok(false) => {}
        Ok(true) => return Err(Refusal::SignedOut),
        Err(e) => {
            log::error!("console session check failed: {e}");
            return Err(Refusal::Unavailable);
        }
    }
    if let Operator::User(id) = &session.operator {
        match admin.users.get(id.as_str()).await {
            Ok(user) if !user.disabled => {}
            Ok(_) | Err(tessera_application::services::admin::AdminUserError::NotFound) => {
                return Err(Refusal::Forbidden)
            }
            Err(e) => {
                log::error!("console operator lookup failed: {e}");
                return Err(Refusal::Unavailable);
            }
        }
        match admin.roles.holds(id, Role::Admin).await {
            Ok(true) => {}
            Ok(false) => return Err(Refusal::Forbidden),
            Err(e) => {
                log::error!("console role check failed: {e}");
                return Err(Refusal::Unavailable);
            }
        }
    }
    let mut actor = Actor::new(session.operator.actor_id());
    if let Some(ip) = admin.limiter.client_ip(req) {
        actor = actor.with_ip(ip.to_string());
    }
    Ok(Operated {
        csrf: state.seal.csrf_token(&session.sid),
        actor,
        ui: Ui::from_request(req, None),
        session,
    })
}

/// The answer to a refused request: the sign-in page (`GET /console`) or a `303` to it, the
/// `403` page, or the `503` page; a dead cookie is deleted.
fn refused(req: &HttpRequest, state: &ConsoleState, why: Refusal) -> HttpResponse {
    let ui = Ui::from_request(req, None);
    let mut res = match why {
        Refusal::SignedOut => see_other(CONSOLE),
        Refusal::Forbidden => render::forbidden(&ui),
        Refusal::Unavailable => render::unavailable(&ui),
    };
    if req.cookie(state.seal.cookie_name()).is_some() {
        let _ = res.add_cookie(&state.seal.expired_cookie());
    }
    res
}

/// A GET of a console page: the operator, or the refusal's answer.
async fn for_get(
    req: &HttpRequest,
    state: &ConsoleState,
    admin: &AdminState,
) -> Result<Operated, HttpResponse> {
    operator(req, state, admin)
        .await
        .map_err(|why| refused(req, state, why))
}

/// A POST of a console form: the operator and the form, once the form's CSRF token is the
/// session's (else `403`, and nothing is done).
async fn for_post(
    req: &HttpRequest,
    payload: web::Payload,
    state: &ConsoleState,
    admin: &AdminState,
) -> Result<(Operated, OAuthForm), HttpResponse> {
    let op = for_get(req, state, admin).await?;
    let form = match OAuthForm::read(req, payload).await {
        Ok(f) => f,
        Err(_) => return Err(render::bad_request(&op.ui)),
    };
    if !state.seal.csrf_ok(&op.session.sid, form.get("csrf_token")) {
        return Err(render::csrf_refused(&op.ui));
    }
    Ok((op, form))
}

/// Records a console event (sign-in, sign-out) by `actor`.
fn audit(state: &ConsoleState, actor: &Actor, detail: &str, at: UnixTime) {
    let mut e = AuditEvent::new(at, AuditAction::AdminAction, AuditOutcome::Success)
        .actor(actor.id.clone())
        .detail(detail);
    if let Some(ip) = &actor.ip {
        e = e.ip(ip.clone());
    }
    state.audit.record(e);
}

/// Registers the console's routes (with its state as app data).
pub fn routes(state: web::Data<ConsoleState>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        let na = || web::to(super::method_not_allowed);
        cfg.app_data(state)
            .service(
                web::resource(CONSOLE)
                    .route(web::get().to(dashboard::dashboard_get))
                    .default_service(na()),
            )
            .service(
                web::resource(SIGN_IN)
                    .route(web::post().to(sign_in::sign_in_post))
                    .default_service(na()),
            )
            .service(
                web::resource(SIGN_OUT)
                    .route(web::post().to(sign_in::sign_out_post))
                    .default_service(na()),
            )
            .service(
                web::resource(CLIENTS)
                    .route(web::get().to(clients::clients_get))
                    .route(web::post().to(clients::clients_post))
                    .default_service(na()),
            )
            .service(
                web::resource(CLIENT)
                    .route(web::get().to(clients::client_get))
                    .route(web::post().to(clients::client_post))
                    .default_service(na()),
            )
            .service(
                web::resource(USERS)
                    .route(web::get().to(users::users_get))
                    .default_service(na()),
            )
            .service(
                web::resource(USER)
                    .route(web::post().to(users::user_post))
                    .default_service(na()),
            )
            .service(
                web::resource(KEYS)
                    .route(web::get().to(keys::keys_get))
                    .route(web::post().to(keys::keys_post))
                    .default_service(na()),
            )
            .service(
                web::resource(API_KEYS)
                    .route(web::get().to(keys::api_keys_get))
                    .route(web::post().to(keys::api_keys_post))
                    .default_service(na()),
            )
            .service(
                web::resource(RESOURCES)
                    .route(web::get().to(resources::resources_get))
                    .route(web::post().to(resources::resources_post))
                    .default_service(na()),
            )
            .service(
                web::resource(AUDIT)
                    .route(web::get().to(audit::audit_get))
                    .default_service(na()),
            );
    }
}
