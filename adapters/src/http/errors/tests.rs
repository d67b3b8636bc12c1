//! The one mapper: status, body and headers per use-case error.

use super::*;
use actix_web::body::to_bytes;
use serde_json::Value;

struct Answer {
    status: StatusCode,
    challenge: Option<String>,
    pragma: bool,
    retry_after: Option<String>,
    body: Value,
}

async fn answer(e: ApiError) -> Answer {
    let res = e.error_response();
    let h = res.headers().clone();
    let text = |n| h.get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert_eq!(text(header::CACHE_CONTROL).as_deref(), Some("no-store"));
    let status = res.status();
    let bytes = to_bytes(res.into_body()).await.unwrap_or_default();
    Answer {
        status,
        challenge: text(header::WWW_AUTHENTICATE),
        pragma: h.contains_key(header::PRAGMA),
        retry_after: text(header::RETRY_AFTER),
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

#[actix_web::test]
async fn bearer_refusals_carry_the_rfc_6750_challenge() {
    let a = answer(ApiError::bearer_required()).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.challenge.as_deref(), Some("Bearer realm=\"tessera\""));
    assert!(!a.pragma);
    assert_eq!(a.body["error"], "invalid_request");

    let a = answer(UserInfoError::InvalidToken.into()).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        a.challenge.as_deref(),
        Some("Bearer realm=\"tessera\", error=\"invalid_token\", error_description=\"the access token is not valid\"")
    );
    assert_eq!(a.body["error"], "invalid_token");

    let a = answer(AccountTokenError::InsufficientScope.into()).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(a.body["error"], "insufficient_scope");
    assert!(a
        .challenge
        .is_some_and(|c| c.contains("error=\"insufficient_scope\"")));

    let a = answer(MalformedAuthorization.into()).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        a.body["error_description"],
        "malformed Authorization header"
    );
}

#[actix_web::test]
async fn client_and_store_failures() {
    let a = answer(AuthenticateClientError::InvalidClient.into()).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        a.challenge.as_deref(),
        Some("Basic realm=\"tessera\", charset=\"UTF-8\"")
    );
    assert!(a.pragma);
    assert_eq!(a.body["error"], "invalid_client");

    let a = answer(UserInfoError::Repository(RepositoryError::Unavailable).into()).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(a.retry_after.as_deref(), Some("5"));
    assert_eq!(a.body["error"], "temporarily_unavailable");

    let a = answer(TokenError::InvalidGrant("used code".into()).into()).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.body["error"], "invalid_grant");
    assert_eq!(a.challenge, None);
}
