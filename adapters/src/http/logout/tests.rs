//! Status codes and headers of `/logout`, with fake use cases.

use crate::http::state::test_support::{state, Failing, Fakes, Planning};
use actix_web::http::{header, StatusCode};
use actix_web::{test, web, App};
use std::sync::Arc;
use tessera_application::services::{LogoutError, LogoutPlan};
use tessera_application::RepositoryError;

async fn call(fakes: Fakes, req: test::TestRequest) -> actix_web::dev::ServiceResponse {
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(state(fakes)))
            .route("/logout", web::get().to(super::logout_get))
            .route("/logout", web::post().to(super::logout_post)),
    )
    .await;
    test::call_service(&app, req.to_request()).await
}

fn header(res: &actix_web::dev::ServiceResponse, name: header::HeaderName) -> Option<&str> {
    res.headers().get(name).and_then(|v| v.to_str().ok())
}

#[actix_web::test]
async fn bad_parameters_are_a_400_page() {
    let fakes = Fakes {
        logout: Arc::new(Failing(|| {
            LogoutError::InvalidRequest("unknown client".to_owned())
        })),
        ..Fakes::default()
    };
    let res = call(fakes, test::TestRequest::get().uri("/logout?client_id=x")).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn session_store_outage_is_503_with_retry_after() {
    let fakes = Fakes {
        sessions: Arc::new(Failing(|| RepositoryError::Unavailable)),
        ..Fakes::default()
    };
    let cookie = state(Fakes::default()).browser.session_cookie("v");
    let req = test::TestRequest::get().uri("/logout").cookie(cookie);
    let res = call(fakes, req).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(header(&res, header::RETRY_AFTER), Some("5"));
}

#[actix_web::test]
async fn vouched_logout_redirects_with_303_and_expires_the_session_cookie() {
    let fakes = Fakes {
        logout: Arc::new(Planning(LogoutPlan {
            needs_confirmation: false,
            redirect: Some("https://app.example/bye?state=s".to_owned()),
        })),
        ..Fakes::default()
    };
    let res = call(fakes, test::TestRequest::get().uri("/logout")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        header(&res, header::LOCATION),
        Some("https://app.example/bye?state=s")
    );
    assert_eq!(header(&res, header::CACHE_CONTROL), Some("no-store"));
    let expired = res
        .response()
        .cookies()
        .find(|c| c.name() == state(Fakes::default()).browser.session_cookie_name());
    assert!(expired.is_some_and(|c| c.value().is_empty()));
}

#[actix_web::test]
async fn confirmation_without_its_csrf_token_is_403() {
    let req = test::TestRequest::post()
        .uri("/logout")
        .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload("confirm=yes");
    let res = call(Fakes::default(), req).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
