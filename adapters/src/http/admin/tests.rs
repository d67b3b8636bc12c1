//! The admin handlers against mocked ports: status codes and headers, no database.

use super::*;
use crate::http::rate_limit::{AdminFailures, Budget, RateLimitSettings, RateLimiter};
use actix_web::test::{call_service, init_service, read_body_json, TestRequest};
use actix_web::App;
use secrecy::SecretString;
use serde_json::Value;
use std::sync::Arc;
use tessera_application::ports::{
    AuditLog, Clock, MockApiKeyRepository, MockAuditLog, MockAuditRepository,
    MockAuthorizationCodeRepository, MockClientRepository, MockClock, MockConsentRepository,
    MockEmailTokenRepository, MockJwsEngine, MockKeyCipher, MockKeyGenerator, MockMailer,
    MockPasswordHasher, MockRandomSource, MockRefreshTokenRepository, MockRevocationRepository,
    MockSessionRepository, MockSigningKeyRepository, MockUserRepository, RandomSource,
};
use tessera_application::services::admin::{
    AdminApiKeys, AdminAudit, AdminAuthenticator, AdminClients, AdminKeys, AdminUsers,
};
use tessera_application::services::{
    ApiKeys, EmailLinks, EmailLinksDeps, KeyService, LinkTargets, SignOutEverywhere,
};
use tessera_application::IssuerSettings;
use tessera_domain::{PasswordPolicy, SigningAlgorithm, UnixTime};

pub(in crate::http) const TOKEN: &str = "test-admin-token";

/// Admin state whose ports expect nothing but what `users` allows; admin token [`TOKEN`];
/// `failures` failed authentications per address before `429`.
pub(in crate::http) fn state(users: MockUserRepository, failures: u32) -> AdminState {
    let mut clock = MockClock::new();
    clock.expect_now().return_const(UnixTime::from_secs(1_000));
    let clock: Arc<dyn Clock> = Arc::new(clock);
    let rng: Arc<dyn RandomSource> = Arc::new(MockRandomSource::new());
    let mut audit = MockAuditLog::new();
    audit.expect_record().return_const(());
    let audit: Arc<dyn AuditLog> = Arc::new(audit);
    let limiter = Arc::new(RateLimiter::new(RateLimitSettings {
        admin_auth_failures: Budget {
            burst: failures,
            per_hour: 1,
        },
        ..RateLimitSettings::default()
    }));
    let sign_out = Arc::new(SignOutEverywhere::new(
        Arc::new(MockSessionRepository::new()),
        Arc::new(MockAuthorizationCodeRepository::new()),
        Arc::new(MockRefreshTokenRepository::new()),
        Arc::new(MockRevocationRepository::new()),
        clock.clone(),
        900,
    ));
    let links = Arc::new(EmailLinks::new(
        EmailLinksDeps {
            users: Arc::new(MockUserRepository::new()),
            tokens: Arc::new(MockEmailTokenRepository::new()),
            mailer: Arc::new(MockMailer::new()),
            hasher: Arc::new(MockPasswordHasher::new()),
            sign_out: sign_out.clone(),
            clock: clock.clone(),
            rng: rng.clone(),
        },
        PasswordPolicy::default(),
        LinkTargets {
            verify_email: "https://issuer.example/v".to_owned(),
            reset_password: "https://issuer.example/r".to_owned(),
            password_reset_request: "https://issuer.example/f".to_owned(),
        },
    ));
    let keys = Arc::new(KeyService::new(
        Arc::new(MockSigningKeyRepository::new()),
        Arc::new(MockKeyGenerator::new()),
        Arc::new(MockKeyCipher::new()),
        Arc::new(MockJwsEngine::new()),
        clock.clone(),
        rng.clone(),
        IssuerSettings::new("https://issuer.example"),
    ));
    let api_keys = Arc::new(ApiKeys::new(
        Arc::new(MockApiKeyRepository::new()),
        clock.clone(),
        rng.clone(),
    ));
    AdminState {
        clients: AdminClients::new(
            Arc::new(MockClientRepository::new()),
            clock.clone(),
            rng,
            audit.clone(),
        ),
        users: AdminUsers::new(
            Arc::new(users),
            Arc::new(MockConsentRepository::new()),
            sign_out,
            links,
            clock.clone(),
            audit.clone(),
        ),
        roles: tessera_application::services::admin::AdminRoles::new(
            Arc::new(MockUserRepository::new()),
            Arc::new(tessera_application::ports::MockUserRoleRepository::new()),
            clock.clone(),
            audit.clone(),
        ),
        keys: AdminKeys::new(keys, clock.clone(), audit.clone()),
        api_keys: AdminApiKeys::new(api_keys.clone(), clock.clone(), audit.clone()),
        audit: AdminAudit::new(Arc::new(MockAuditRepository::new())),
        resources: tessera_application::services::ResourceRegistry::new(
            Arc::new(tessera_application::ports::MockResourceRepository::new()),
            clock.clone(),
            audit.clone(),
        ),
        auth: AdminAuthenticator::new(
            Some(&SecretString::from(TOKEN.to_owned())),
            api_keys,
            Arc::new(AdminFailures(limiter.clone())),
            audit,
        ),
        default_alg: SigningAlgorithm::Rs256,
        limiter,
        clock,
    }
}

macro_rules! app {
    ($state:expr) => {
        init_service(
            App::new()
                .app_data(web::Data::new($state))
                .configure(routes),
        )
        .await
    };
}

fn bearer(token: &str) -> (header::HeaderName, String) {
    (header::AUTHORIZATION, format!("Bearer {token}"))
}

#[actix_web::test]
async fn no_credential_is_401_with_the_admin_challenge() {
    let app = app!(state(MockUserRepository::new(), 5));
    let res = call_service(&app, TestRequest::get().uri(ADMIN_USERS).to_request()).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.headers().get(header::WWW_AUTHENTICATE).unwrap(),
        "Bearer realm=\"tessera-admin\""
    );
    let body: Value = read_body_json(res).await;
    assert_eq!(body["error"], "invalid_token");
}

#[actix_web::test]
async fn an_address_out_of_failures_gets_429_even_with_the_right_token() {
    let app = app!(state(MockUserRepository::new(), 1));
    let peer = "192.0.2.9:4000".parse().unwrap();
    let wrong = TestRequest::get()
        .uri(ADMIN_USERS)
        .peer_addr(peer)
        .insert_header(bearer("guess"))
        .to_request();
    assert_eq!(
        call_service(&app, wrong).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let right = TestRequest::get()
        .uri("/admin/users/nobody")
        .peer_addr(peer)
        .insert_header(bearer(TOKEN))
        .to_request();
    let res = call_service(&app, right).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key(header::RETRY_AFTER));
}

#[actix_web::test]
async fn an_unknown_user_is_404_not_found() {
    let mut users = MockUserRepository::new();
    users.expect_find().returning(|_| Ok(None));
    let app = app!(state(users, 5));
    for id in ["not-a-user-id", "00000000-0000-4000-8000-000000000000"] {
        let req = TestRequest::get()
            .uri(&format!("/admin/users/{id}"))
            .insert_header(bearer(TOKEN))
            .to_request();
        let res = call_service(&app, req).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{id}");
        assert_eq!(
            res.headers().get(header::CACHE_CONTROL).unwrap(),
            "no-store"
        );
        let body: Value = read_body_json(res).await;
        assert_eq!(body["error"], "not_found");
    }
}

#[actix_web::test]
async fn a_body_that_is_not_json_is_415() {
    let app = app!(state(MockUserRepository::new(), 5));
    let req = TestRequest::post()
        .uri(ADMIN_API_KEYS)
        .insert_header(bearer(TOKEN))
        .insert_header((header::CONTENT_TYPE, "text/plain"))
        .set_payload("name=x")
        .to_request();
    let res = call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let body: Value = read_body_json(res).await;
    assert_eq!(body["error"], "invalid_request");
}

#[actix_web::test]
async fn a_wrong_method_is_405() {
    let app = app!(state(MockUserRepository::new(), 5));
    let req = TestRequest::put()
        .uri(ADMIN_KEYS_ROTATE)
        .insert_header(bearer(TOKEN))
        .to_request();
    assert_eq!(
        call_service(&app, req).await.status(),
        StatusCode::METHOD_NOT_ALLOWED
    );
}
