use crate::http::state::test_support::{state, Fakes};
use actix_web::http::StatusCode;
use actix_web::{test, web, App};

async fn body_of(res: actix_web::dev::ServiceResponse) -> String {
    String::from_utf8(test::read_body(res).await.to_vec()).unwrap()
}

macro_rules! app {
    () => {
        test::init_service(
            App::new()
                .app_data(web::Data::new(state(Fakes::default())))
                .route("/account", web::get().to(super::account_get))
                .route("/account", web::post().to(super::account_post)),
        )
        .await
    };
}

#[actix_web::test]
async fn without_a_session_the_page_is_the_sign_in_form_posting_to_itself() {
    let app = app!();
    let res = test::call_service(&app, test::TestRequest::get().uri("/account").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers().get("set-cookie").is_some(),
        "the CSRF binding cookie"
    );
    let html = body_of(res).await;
    assert!(html.contains("action=\"/account\""));
    assert!(html.contains("name=\"password\""));
    assert!(html.contains("name=\"csrf_token\""));
}

#[actix_web::test]
async fn a_post_without_the_csrf_token_is_refused() {
    let app = app!();
    for action in [
        "login",
        "name",
        "end_other_sessions",
        "revoke_app",
        "passkey_options",
    ] {
        let req = test::TestRequest::post()
            .uri("/account")
            .set_form([("action", action), ("email", "a@example.com")])
            .to_request();
        let res = test::call_service(&app, req).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{action}");
    }
}

#[test]
async fn notices_come_only_from_fixed_texts() {
    let (done, error) = super::notices::from_query("done=name_saved&error=%3Cscript%3E");
    assert_eq!(done, Some("account.done_name_saved"));
    let ui = crate::http::pages::Ui::default();
    assert_eq!(done.map(|k| ui.t(k)), Some("Your name was saved."));
    assert_eq!(error, None);
    assert_eq!(super::notices::from_query("done=x"), (None, None));
}

#[test]
async fn times_read_as_utc_dates() {
    use tessera_domain::UnixTime;
    assert_eq!(
        super::render::when(UnixTime::from_secs(0)),
        "1970-01-01 00:00 UTC"
    );
    assert_eq!(
        super::render::when(UnixTime::from_secs(1_796_615_483)),
        "2026-12-07 03:51 UTC"
    );
    assert_eq!(
        super::render::when(UnixTime::from_secs(951_782_400)),
        "2000-02-29 00:00 UTC"
    );
}
