//! Fast handler tests: status codes and headers of `/userinfo` with a stand-in use case.

use super::*;
use crate::http::resource_endpoints::UserClaims;
use actix_web::http::header::HeaderMap;
use actix_web::{test, App};
use async_trait::async_trait;
use serde_json::{json, Value};
use std::sync::Arc;
use tessera_application::services::UserInfoError;
use tessera_application::RepositoryError;

/// Answers by token: `good`, `noscope`, `down`; anything else is not a valid token.
struct FixedClaims;

#[async_trait]
impl UserClaims for FixedClaims {
    async fn claims(&self, token: &str) -> Result<Value, UserInfoError> {
        match token {
            "good" => Ok(json!({"sub": "u1"})),
            "noscope" => Err(UserInfoError::InsufficientScope),
            "down" => Err(UserInfoError::Repository(RepositoryError::Unavailable)),
            _ => Err(UserInfoError::InvalidToken),
        }
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
