//! Handler tests of `/token`, `/introspect` and `/revoke` with fakes for the use cases: status
//! codes, headers and bodies on the wire.

use super::*;
use crate::crypto::SystemClock;
use crate::http::{introspect, revoke, token, RateLimitSettings};
use actix_web::http::{header, StatusCode};
use actix_web::{test, web, App};
use base64::Engine;
use secrecy::SecretString;
use std::sync::Mutex;
use tessera_domain::{ClientId, ScopeSet, TokenDigest, TokenEndpointAuthMethod, UnixTime};

/// Authenticates every caller as the client it holds, or no one.
struct Authenticating(Option<Client>);

#[async_trait]
impl ClientAuthentication for Authenticating {
    async fn authenticate(
        &self,
        _: PresentedCredentials,
    ) -> Result<Client, AuthenticateClientError> {
        self.0.clone().ok_or(AuthenticateClientError::InvalidClient)
    }
}

/// Issues the same tokens for every grant and remembers which grant was asked for.
#[derive(Default)]
struct Granting(Mutex<Vec<GrantType>>);

#[async_trait]
impl TokenGrants for Granting {
    async fn grant(
        &self,
        _: &RequestContext,
        _: &Client,
        request: GrantRequest<'_>,
        proof: Option<&str>,
    ) -> Result<TokenSet, TokenError> {
        if proof == Some("refused") {
            return Err(TokenError::Dpop(
                tessera_application::services::DpopError::UseNonce,
            ));
        }
        if let Ok(mut asked) = self.0.lock() {
            asked.push(request.grant_type());
        }
        Ok(TokenSet {
            access_token: SecretString::from("at".to_owned()),
            expires_in: 300,
            scope: ScopeSet::parse("read").map_err(TokenError::InvalidScope)?,
            refresh_token: None,
            id_token: None,
            dpop_bound: proof.is_some(),
        })
    }

    fn dpop_nonce(&self) -> Option<String> {
        Some("n-1".into())
    }
}

/// Knows no token.
struct Inactive;

#[async_trait]
impl TokenIntrospector for Inactive {
    async fn introspect(
        &self,
        _: &Client,
        _: &str,
    ) -> Result<IntrospectionResponse, RepositoryError> {
        Ok(IntrospectionResponse::inactive())
    }
}

/// Revokes anything and remembers which token, for which client, from which address.
#[derive(Default)]
struct Revoking(Mutex<Vec<(String, String, Option<std::net::IpAddr>)>>);

#[async_trait]
impl TokenRevoker for Revoking {
    async fn revoke(
        &self,
        ctx: &RequestContext,
        caller: &Client,
        token: &str,
    ) -> Result<(), RevocationError> {
        if let Ok(mut revoked) = self.0.lock() {
            revoked.push((caller.id.as_str().to_owned(), token.to_owned(), ctx.ip));
        }
        Ok(())
    }
}

fn client(method: TokenEndpointAuthMethod) -> Client {
    Client {
        security: Default::default(),
        origin: Default::default(),
        registration_access_digest: None,
        application_type: Default::default(),
        exchange_audiences: Vec::new(),
        metadata: Default::default(),
        require_mfa: false,
        id: ClientId::parse("svc").unwrap(),
        name: "Service".into(),
        secret_digest: Some(TokenDigest::of("s3cret")),
        auth_method: method,
        grant_types: vec![GrantType::ClientCredentials],
        redirect_uris: vec![],
        post_logout_redirect_uris: vec![],
        scope: ScopeSet::parse("read").unwrap(),
        skip_consent: false,
        created_at: UnixTime::from_secs(0),
    }
}

struct Fixture {
    state: web::Data<TokenEndpoints>,
    grants: Arc<Granting>,
    revoked: Arc<Revoking>,
}

fn fixture(caller: Option<Client>) -> Fixture {
    let grants = Arc::new(Granting::default());
    let revoked = Arc::new(Revoking::default());
    let state = web::Data::new(TokenEndpoints {
        authenticator: Arc::new(Authenticating(caller)),
        grants: grants.clone(),
        introspection: Arc::new(Inactive),
        revocation: revoked.clone(),
        limiter: Arc::new(RateLimiter::new(RateLimitSettings::default())),
        clock: Arc::new(SystemClock),
        metrics: Arc::new(Metrics::new(&[])),
    });
    Fixture {
        state,
        grants,
        revoked,
    }
}

fn confidential() -> Option<Client> {
    Some(client(TokenEndpointAuthMethod::ClientSecretBasic))
}

/// Posts `body` with Basic credentials to `path` of an app serving the three endpoints.
async fn post(
    state: web::Data<TokenEndpoints>,
    path: &str,
    body: &'static str,
) -> actix_web::dev::ServiceResponse {
    let app = test::init_service(
        App::new()
            .app_data(state)
            .route("/token", web::post().to(token::token_post))
            .route("/introspect", web::post().to(introspect::introspect_post))
            .route("/revoke", web::post().to(revoke::revoke_post)),
    )
    .await;
    let basic = base64::engine::general_purpose::STANDARD.encode("svc:s3cret");
    let req = test::TestRequest::post()
        .uri(path)
        .insert_header((header::AUTHORIZATION, format!("Basic {basic}")))
        .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload(body)
        .to_request();
    test::call_service(&app, req).await
}

fn header_of(res: &actix_web::dev::ServiceResponse, name: header::HeaderName) -> &str {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

async fn error_code(res: actix_web::dev::ServiceResponse) -> String {
    let body: serde_json::Value = test::read_body_json(res).await;
    body["error"].as_str().unwrap_or("").to_owned()
}

#[actix_web::test]
async fn token_refuses_an_unknown_client_with_a_basic_challenge() {
    let f = fixture(None);
    let res = post(f.state, "/token", "grant_type=client_credentials").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        header_of(&res, header::WWW_AUTHENTICATE),
        "Basic realm=\"tessera\", charset=\"UTF-8\""
    );
    assert_eq!(error_code(res).await, "invalid_client");
    assert!(f.grants.0.lock().unwrap().is_empty());
}

#[actix_web::test]
async fn token_refuses_an_unknown_grant_type() {
    let f = fixture(confidential());
    let res = post(f.state, "/token", "grant_type=password").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(res).await, "unsupported_grant_type");
    assert!(f.grants.0.lock().unwrap().is_empty());
}

#[actix_web::test]
async fn token_refuses_a_repeated_parameter() {
    let f = fixture(confidential());
    let body = "grant_type=client_credentials&scope=read&scope=read";
    let res = post(f.state, "/token", body).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(res).await, "invalid_request");
    assert!(f.grants.0.lock().unwrap().is_empty());
}

#[actix_web::test]
async fn token_requires_the_parameters_of_its_grant() {
    let f = fixture(confidential());
    let res = post(f.state, "/token", "grant_type=authorization_code").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(res).await, "invalid_request");
    assert!(f.grants.0.lock().unwrap().is_empty());
}

#[actix_web::test]
async fn token_issues_uncached_tokens() {
    let f = fixture(confidential());
    let res = post(f.state, "/token", "grant_type=client_credentials").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header_of(&res, header::CACHE_CONTROL), "no-store");
    assert_eq!(header_of(&res, header::PRAGMA), "no-cache");
    let body = test::read_body(res).await;
    assert_eq!(
        body,
        r#"{"access_token":"at","token_type":"Bearer","expires_in":300,"scope":"read"}"#
    );
    assert_eq!(
        *f.grants.0.lock().unwrap(),
        vec![GrantType::ClientCredentials]
    );
}

#[actix_web::test]
async fn introspect_refuses_unknown_and_public_clients() {
    let res = post(fixture(None).state, "/introspect", "token=x").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(res).await, "invalid_client");
    let public = Some(client(TokenEndpointAuthMethod::None));
    let res = post(fixture(public).state, "/introspect", "token=x").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        header_of(&res, header::WWW_AUTHENTICATE),
        "Basic realm=\"tessera\", charset=\"UTF-8\""
    );
}

#[actix_web::test]
async fn introspect_answers_uncached() {
    let res = post(fixture(confidential()).state, "/introspect", "token=x").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header_of(&res, header::CACHE_CONTROL), "no-store");
    assert_eq!(test::read_body(res).await, r#"{"active":false}"#);
}

#[actix_web::test]
async fn revoke_refuses_unknown_clients() {
    let f = fixture(None);
    let res = post(f.state, "/revoke", "token=x").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(res).await, "invalid_client");
    assert!(f.revoked.0.lock().unwrap().is_empty());
}

#[actix_web::test]
async fn revoke_answers_200_without_a_body_once_revoked() {
    let f = fixture(confidential());
    let res = post(f.state, "/revoke", "token=x").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header_of(&res, header::CACHE_CONTROL), "no-store");
    assert!(test::read_body(res).await.is_empty());
    let revoked = f.revoked.0.lock().unwrap();
    assert_eq!(revoked.len(), 1);
    assert_eq!((revoked[0].0.as_str(), revoked[0].1.as_str()), ("svc", "x"));
}

/// Posts a client_credentials request with the given `DPoP` headers.
async fn post_with_proofs(
    state: web::Data<TokenEndpoints>,
    proofs: &[&str],
) -> actix_web::dev::ServiceResponse {
    let app = test::init_service(
        App::new()
            .app_data(state)
            .route("/token", web::post().to(token::token_post)),
    )
    .await;
    let basic = base64::engine::general_purpose::STANDARD.encode("svc:s3cret");
    let mut req = test::TestRequest::post()
        .uri("/token")
        .insert_header((header::AUTHORIZATION, format!("Basic {basic}")))
        .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"));
    for p in proofs {
        req = req.append_header(("DPoP", *p));
    }
    test::call_service(
        &app,
        req.set_payload("grant_type=client_credentials")
            .to_request(),
    )
    .await
}

#[actix_web::test]
async fn a_dpop_bound_token_is_answered_as_dpop_with_a_nonce() {
    let f = fixture(confidential());
    let res = post_with_proofs(f.state, &["a.b.c"]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()
            .get("DPoP-Nonce")
            .and_then(|v| v.to_str().ok()),
        Some("n-1")
    );
    let body: serde_json::Value = test::read_body_json(res).await;
    assert_eq!(body["token_type"], "DPoP");
}

#[actix_web::test]
async fn without_a_proof_the_token_is_bearer() {
    let f = fixture(confidential());
    let res = post_with_proofs(f.state, &[]).await;
    let body: serde_json::Value = test::read_body_json(res).await;
    assert_eq!(body["token_type"], "Bearer");
}

#[actix_web::test]
async fn two_dpop_headers_are_refused_before_any_grant() {
    let f = fixture(confidential());
    let res = post_with_proofs(f.state, &["a.b.c", "d.e.f"]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(res).await, "invalid_dpop_proof");
    assert!(f.grants.0.lock().unwrap().is_empty());
}

#[actix_web::test]
async fn a_nonce_refusal_is_400_use_dpop_nonce_with_the_nonce() {
    let f = fixture(confidential());
    let res = post_with_proofs(f.state, &["refused"]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        res.headers()
            .get("DPoP-Nonce")
            .and_then(|v| v.to_str().ok()),
        Some("n-1")
    );
    assert_eq!(error_code(res).await, "use_dpop_nonce");
}
