//! Fast handler tests: status codes and headers of `/userinfo` with a stand-in use case.

use super::*;
use crate::http::resource_endpoints::UserClaims;
use actix_web::http::header::HeaderMap;
use actix_web::{test, App};
use async_trait::async_trait;
use serde_json::{json, Value};
use std::sync::Arc;
use tessera_application::services::{DpopError, PresentedToken, UserInfoError};
use tessera_application::RepositoryError;

/// Answers by token: `good`, `noscope`, `down`; anything else is not a valid token.
struct FixedClaims;

#[async_trait]
impl UserClaims for FixedClaims {
    async fn claims(&self, presented: PresentedToken<'_>) -> Result<Value, UserInfoError> {
        let token = match presented {
            PresentedToken::Bearer(t) => t,
            PresentedToken::Dpop { token, proof, .. } => match (token, proof) {
                ("bound", Some("good-proof")) => return Ok(json!({"sub": "u1"})),
                ("bound", Some(_)) => {
                    return Err(UserInfoError::Dpop(DpopError::Claims(
                        tessera_domain::DpopRuleError::Ath,
                    )))
                }
                ("bound", None) => return Err(UserInfoError::Dpop(DpopError::Missing)),
                _ => return Err(UserInfoError::InvalidToken),
            },
        };
        match token {
            "bound" => Err(UserInfoError::BoundTokenAsBearer),
            "nonce" => Err(UserInfoError::Dpop(DpopError::UseNonce)),
            "good" => Ok(json!({"sub": "u1"})),
            "noscope" => Err(UserInfoError::InsufficientScope),
            "down" => Err(UserInfoError::Repository(RepositoryError::Unavailable)),
            _ => Err(UserInfoError::InvalidToken),
        }
    }

    fn dpop_nonce(&self) -> Option<String> {
        Some("nonce-1".into())
    }
}

async fn call(req: test::TestRequest) -> (StatusCode, HeaderMap, Value) {
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(ResourceEndpoints {
                userinfo: Arc::new(FixedClaims),
            }))
            .route("/userinfo", web::get().to(userinfo_get))
            .route("/userinfo", web::post().to(userinfo_post)),
    )
    .await;
    let res = test::call_service(&app, req.uri("/userinfo").to_request()).await;
    let status = res.status();
    let headers = res.headers().clone();
    let body = test::read_body(res).await;
    (
        status,
        headers,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
    )
}

fn header(h: &HeaderMap, name: header::HeaderName) -> &str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

fn bearer(token: &str) -> (header::HeaderName, String) {
    (header::AUTHORIZATION, format!("Bearer {token}"))
}

#[actix_web::test]
async fn no_token_is_401_with_a_bare_challenge() {
    let (status, h, body) = call(test::TestRequest::get()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        header(&h, header::WWW_AUTHENTICATE),
        "Bearer realm=\"tessera\""
    );
    assert_eq!(header(&h, header::CACHE_CONTROL), "no-store");
    assert!(h.get(header::PRAGMA).is_none());
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(body["error_description"], "an access token is required");
}

#[actix_web::test]
async fn malformed_authorization_is_400_invalid_request() {
    let req = test::TestRequest::get().insert_header((header::AUTHORIZATION, "Basic abc"));
    let (status, h, body) = call(req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        header(&h, header::WWW_AUTHENTICATE),
        "Bearer realm=\"tessera\", error=\"invalid_request\", error_description=\"malformed Authorization header\""
    );
    assert_eq!(body["error"], "invalid_request");
}

#[actix_web::test]
async fn invalid_token_is_401_and_missing_scope_403() {
    let (status, h, body) = call(test::TestRequest::get().insert_header(bearer("bad"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(header(&h, header::WWW_AUTHENTICATE).contains("error=\"invalid_token\""));
    assert_eq!(body["error"], "invalid_token");

    let (status, h, body) = call(test::TestRequest::get().insert_header(bearer("noscope"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(header(&h, header::WWW_AUTHENTICATE).contains("error=\"insufficient_scope\""));
    assert_eq!(body["error"], "insufficient_scope");
}

#[actix_web::test]
async fn claims_are_200_no_store() {
    let (status, h, body) = call(test::TestRequest::get().insert_header(bearer("good"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&h, header::CACHE_CONTROL), "no-store");
    assert_eq!(header(&h, header::PRAGMA), "no-cache");
    assert_eq!(body, json!({"sub": "u1"}));
}

#[actix_web::test]
async fn store_down_is_503_with_retry_after() {
    let (status, h, body) = call(test::TestRequest::get().insert_header(bearer("down"))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(header(&h, header::RETRY_AFTER), "5");
    assert_eq!(body["error"], "temporarily_unavailable");
}

#[actix_web::test]
async fn post_takes_the_form_token_but_not_two_tokens() {
    let form = (header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    let (status, _, body) = call(
        test::TestRequest::post()
            .insert_header(form.clone())
            .set_payload("access_token=good"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["sub"], "u1");

    let (status, h, body) = call(
        test::TestRequest::post()
            .insert_header(form)
            .insert_header(bearer("good"))
            .set_payload("access_token=good"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error_description"], "send the token one way only");
    assert!(header(&h, header::WWW_AUTHENTICATE).contains("error=\"invalid_request\""));
}

fn dpop(token: &str) -> (header::HeaderName, String) {
    (header::AUTHORIZATION, format!("DPoP {token}"))
}

#[actix_web::test]
async fn a_bound_token_as_bearer_gets_a_dpop_challenge() {
    let (status, h, body) = call(test::TestRequest::get().insert_header(bearer("bound"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_token");
    let challenge = header(&h, header::WWW_AUTHENTICATE);
    assert!(challenge.starts_with("DPoP realm=\"tessera\", error=\"invalid_token\""));
    assert!(challenge.contains("algs=\"ES256 PS256 RS256 EdDSA\""));
}

#[actix_web::test]
async fn a_dpop_token_with_its_proof_gets_the_claims() {
    let req = test::TestRequest::get()
        .insert_header(dpop("bound"))
        .insert_header(("DPoP", "good-proof"));
    let (status, _, body) = call(req).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["sub"], "u1");
    let post = test::TestRequest::post()
        .insert_header(dpop("bound"))
        .insert_header(("DPoP", "good-proof"));
    assert_eq!(call(post).await.0, StatusCode::OK);
}

#[actix_web::test]
async fn a_bad_or_missing_proof_is_invalid_dpop_proof() {
    let req = test::TestRequest::get()
        .insert_header(dpop("bound"))
        .insert_header(("DPoP", "other-proof"));
    let (status, h, body) = call(req).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_dpop_proof");
    assert!(header(&h, header::WWW_AUTHENTICATE).contains("error=\"invalid_dpop_proof\""));
    let (status, _, body) = call(test::TestRequest::get().insert_header(dpop("bound"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_dpop_proof");
}

#[actix_web::test]
async fn two_dpop_headers_are_refused() {
    let req = test::TestRequest::get()
        .insert_header(dpop("bound"))
        .append_header(("DPoP", "good-proof"))
        .append_header(("DPoP", "good-proof"));
    let (status, _, body) = call(req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_dpop_proof");
}

#[actix_web::test]
async fn a_nonce_refusal_carries_the_nonce() {
    let (status, h, body) = call(test::TestRequest::get().insert_header(bearer("nonce"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "use_dpop_nonce");
    assert!(header(&h, header::WWW_AUTHENTICATE).contains("error=\"use_dpop_nonce\""));
    assert_eq!(
        h.get("DPoP-Nonce").and_then(|v| v.to_str().ok()),
        Some("nonce-1")
    );
}
