//! The actix-web HTTP edge: thin handlers that parse a request, call one use case, and map the
//! result. Paths are fixed by the contract and defined once in [`paths`].

mod account_links;
mod account_mfa;
mod account_page;
mod account_profile;
mod account_sessions;
mod admin;
mod audit_trail;
mod auth_transaction;
mod authorize;
mod bearer;
mod browser;
mod client_auth;
pub mod console;
mod device;
mod discovery;
mod dpop;
pub mod errors;
mod form;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod health;
mod introspect;
mod json_body;
mod jwks;
mod logout;
mod metrics;
mod openapi;
pub mod pages;
mod par;
pub mod paths;
pub mod people;
pub mod pushed_mark;
mod rate_limit;
pub mod registration;
mod resource_endpoints;
mod revoke;
pub mod state;
mod token;
mod trusted_device;
mod userinfo;
mod users;
pub mod wire;

pub use auth_transaction::AuthTransactions;
pub use browser::{BrowserSettings, CsrfGuard};
pub use console::ConsoleState;
pub use discovery::Discovery;
pub use errors::ApiError;
pub use health::Readiness;
pub use jwks::JWKS_MAX_AGE_SECS;
pub use metrics::{known_routes, MetricsSources};
pub use openapi::{document as openapi_document, ApiDocs};
pub use pushed_mark::PushedMarks;
pub use rate_limit::{
    AdminFailures, Budget, RateLimitSettings, RateLimiter, RedisSettings, RedisUrlError,
};
pub use resource_endpoints::{ResourceEndpoints, UserClaims};
pub use state::{AccountState, AdminState, BrowserFlowState, OperationsState, TokenEndpoints};
pub use trusted_device::DeviceCookies;

use actix_web::{web, HttpResponse};
use std::sync::Arc;

/// Everything the handlers need, built once at start-up and shared by every worker.
pub struct HttpState {
    /// The account handlers' state (`/users/*`, the emailed links).
    pub accounts: web::Data<state::AccountState>,
    /// Discovery, JWKS, health, metrics and the API description.
    pub operations: web::Data<state::OperationsState>,
    /// The `/authorize` and `/logout` handlers' own state.
    pub browser_flow: web::Data<state::BrowserFlowState>,
    /// The `/token`, `/introspect` and `/revoke` handlers' own state.
    pub token_endpoints: web::Data<state::TokenEndpoints>,
    /// OIDC UserInfo (handed to [`ResourceEndpoints`]).
    pub userinfo: Arc<dyn UserClaims>,
    /// The admin API's state.
    pub admin: Arc<AdminState>,
    /// The operators' console (`/console`; it shares the admin API's state).
    pub console: web::Data<console::ConsoleState>,
    /// The device authorization grant (`/device_authorization`, `/device`).
    pub device: web::Data<tessera_application::services::DeviceFlow>,
    /// Dynamic client registration; `None` when turned off (the routes answer `404`).
    pub registration: Option<web::Data<registration::RegistrationState>>,
    /// Pushed authorization requests (`/par`, RFC 9126).
    pub par: web::Data<tessera_application::services::PushedAuthorization>,
    /// Self-service registration and the verified-address rule of the people pages.
    pub people: web::Data<people::PeopleSettings>,
}

/// Registers every route on an actix `App`.
pub fn configure(state: web::Data<HttpState>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        let admin = web::Data::from(state.admin.clone());
        let console_state = state.console.clone();
        let resources = web::Data::new(ResourceEndpoints {
            userinfo: state.userinfo.clone(),
        });
        if let Some(registration) = state.registration.clone() {
            cfg.configure(registration::routes(registration));
        }
        cfg.app_data(state.browser_flow.clone())
            .app_data(state.token_endpoints.clone())
            .app_data(state.device.clone())
            .app_data(state.par.clone())
            .app_data(state.people.clone())
            .app_data(state.accounts.clone())
            .app_data(state.operations.clone())
            .app_data(admin)
            .app_data(resources)
            .app_data(state)
            .service(
                web::resource(paths::OPENID_CONFIGURATION)
                    .route(web::get().to(discovery::openid_configuration_get))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::OAUTH_AUTHORIZATION_SERVER)
                    .route(web::get().to(discovery::oauth_authorization_server_get))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::JWKS)
                    .route(web::get().to(jwks::jwks_get))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::TOKEN)
                    .route(web::post().to(token::token_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::PAR)
                    .route(web::post().to(par::par_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::DEVICE_AUTHORIZATION)
                    .route(web::post().to(device::device_authorization_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::DEVICE)
                    .route(web::get().to(device::device_get))
                    .route(web::post().to(device::device_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::INTROSPECT)
                    .route(web::post().to(introspect::introspect_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::REVOKE)
                    .route(web::post().to(revoke::revoke_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::AUTHORIZE)
                    .route(web::get().to(authorize::authorize_get))
                    .route(web::post().to(authorize::authorize_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::USERINFO)
                    .route(web::get().to(userinfo::userinfo_get))
                    .route(web::post().to(userinfo::userinfo_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::LOGOUT)
                    .route(web::get().to(logout::logout_get))
                    .route(web::post().to(logout::logout_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::USERS_REGISTER)
                    .route(web::post().to(users::register_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::USERS_LOGIN)
                    .route(web::post().to(users::login_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::USERS_ME)
                    .route(web::get().to(account_profile::me_get))
                    .route(web::patch().to(account_profile::me_patch))
                    .route(web::delete().to(account_profile::me_delete))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::USERS_ME_PASSWORD)
                    .route(web::post().to(account_profile::me_password_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::USERS_LOGIN_MFA)
                    .route(web::post().to(account_mfa::login_mfa_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::USERS_LOGIN_PASSKEY_OPTIONS)
                    .route(web::post().to(account_mfa::login_passkey_options_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::USERS_LOGIN_PASSKEY)
                    .route(web::post().to(account_mfa::login_passkey_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::USERS_ME_MFA)
                    .route(web::get().to(account_mfa::me_mfa_get))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::USERS_ME_MFA_TOTP)
                    .route(web::post().to(account_mfa::me_totp_post))
                    .route(web::delete().to(account_mfa::me_totp_delete))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::USERS_ME_MFA_TOTP_CONFIRM)
                    .route(web::post().to(account_mfa::me_totp_confirm_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::USERS_ME_MFA_RECOVERY_CODES)
                    .route(web::post().to(account_mfa::me_recovery_codes_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::USERS_ME_MFA_PASSKEYS_OPTIONS)
                    .route(web::post().to(account_mfa::me_passkeys_options_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::USERS_ME_MFA_PASSKEYS)
                    .route(web::post().to(account_mfa::me_passkeys_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::USERS_ME_MFA_PASSKEY)
                    .route(web::patch().to(account_mfa::me_passkey_patch))
                    .route(web::delete().to(account_mfa::me_passkey_delete))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::USERS_ME_SESSIONS)
                    .route(web::get().to(account_sessions::sessions_get))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::USERS_ME_SESSION)
                    .route(web::delete().to(account_sessions::session_delete))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::USERS_ME_APPS)
                    .route(web::get().to(account_sessions::apps_get))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::USERS_ME_APP)
                    .route(web::delete().to(account_sessions::app_delete))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::ACCOUNT)
                    .route(web::get().to(account_page::account_get))
                    .route(web::post().to(account_page::account_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::USERS_VERIFY_EMAIL)
                    .route(web::get().to(account_links::verify_email_get))
                    .route(web::post().to(account_links::verify_email_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::USERS_VERIFY_EMAIL_RESEND)
                    .route(web::post().to(account_links::resend_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::USERS_PASSWORD_RESET)
                    .route(web::post().to(account_links::reset_request_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::USERS_PASSWORD_RESET_CONFIRM)
                    .route(web::get().to(account_links::reset_confirm_get))
                    .route(web::post().to(account_links::reset_confirm_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::FORGOT_PASSWORD)
                    .route(web::get().to(people::forgot_password_get))
                    .route(web::post().to(people::forgot_password_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::SIGNUP)
                    .route(web::get().to(people::signup_get))
                    .route(web::post().to(people::signup_post))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::HEALTHZ)
                    .route(web::get().to(health::healthz_get))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::READYZ)
                    .route(web::get().to(health::readyz_get))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::METRICS)
                    .route(web::get().to(metrics::metrics_get))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::OPENAPI_JSON)
                    .route(web::get().to(openapi::openapi_get))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(paths::DOCS)
                    .route(web::get().to(openapi::docs_get))
                    .default_service(web::to(method_not_allowed)),
            )
            .configure(console::routes(console_state))
            .configure(admin::routes)
            .default_service(web::to(not_found));
    }
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found())
}

async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::method_not_allowed())
}
