//! Status codes and headers of `/authorize`, with fake use cases.

use crate::http::state::test_support::{state, Failing, Fakes, ISSUER};
use actix_web::http::{header, StatusCode};
use actix_web::{test, web, App};
use std::sync::Arc;
use tessera_application::services::{AuthorizationResponse, AuthorizationResult, AuthorizeError};
use tessera_application::{OAuthErrorCode, RepositoryError};
use tessera_domain::{ResponseMode, State};

async fn get(fakes: Fakes, uri: &str) -> actix_web::dev::ServiceResponse {
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(state(fakes)))
            .route("/authorize", web::get().to(super::authorize_get))
            .route("/authorize", web::post().to(super::authorize_post)),
    )
    .await;
    test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await
}

fn header(res: &actix_web::dev::ServiceResponse, name: header::HeaderName) -> Option<&str> {
    res.headers().get(name).and_then(|v| v.to_str().ok())
}

fn answering(e: fn() -> AuthorizeError) -> Fakes {
    Fakes {
        authorize: Arc::new(Failing(e)),
        ..Fakes::default()
    }
}

#[actix_web::test]
async fn repeated_parameter_is_an_error_page_before_any_validation() {
    let res = get(Fakes::default(), "/authorize?client_id=a&client_id=b").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(header(&res, header::CONTENT_TYPE).is_some_and(|c| c.starts_with("text/html")));
}

#[actix_web::test]
async fn untrusted_client_or_redirect_uri_is_an_error_page_never_a_redirect() {
    let fakes = answering(|| AuthorizeError::NotRedirectable("not registered".to_owned()));
    let res = get(fakes, "/authorize?client_id=a").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(header(&res, header::LOCATION), None);
}

#[actix_web::test]
async fn storage_outage_is_503_with_retry_after() {
    let fakes = answering(|| RepositoryError::Unavailable.into());
    let res = get(fakes, "/authorize?client_id=a").await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(header(&res, header::RETRY_AFTER), Some("5"));
}

#[actix_web::test]
async fn redirectable_error_is_a_303_with_code_state_and_iss_never_cached() {
    let fakes = answering(|| {
        AuthorizeError::Redirect(AuthorizationResponse {
            redirect_uri: "https://app.example/cb?x=1".to_owned(),
            mode: ResponseMode::Query,
            result: AuthorizationResult::Error {
                code: OAuthErrorCode::InvalidScope,
                description: "no such scope".to_owned(),
            },
            state: State::parse("st").ok(),
            iss: ISSUER.to_owned(),
        })
    });
    let res = get(fakes, "/authorize?client_id=a").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        header(&res, header::LOCATION),
        Some(
            "https://app.example/cb?x=1&error=invalid_scope&error_description=no+such+scope\
             &state=st&iss=https%3A%2F%2Fid.example"
        )
    );
    assert_eq!(header(&res, header::CACHE_CONTROL), Some("no-store"));
    assert_eq!(header(&res, header::REFERRER_POLICY), Some("no-referrer"));
}

#[actix_web::test]
async fn page_post_without_its_csrf_token_is_403() {
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(state(Fakes::default())))
            .route("/authorize", web::post().to(super::authorize_post)),
    )
    .await;
    let req = test::TestRequest::post()
        .uri("/authorize")
        .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload("action=consent&decision=allow&client_id=a")
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
