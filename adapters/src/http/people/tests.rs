//! The login page's links and the settings the people pages read.

use super::*;
use actix_web::test::TestRequest;

fn request_with(settings: Option<PeopleSettings>) -> HttpRequest {
    let mut req = TestRequest::get().uri("/authorize?client_id=a");
    if let Some(s) = settings {
        req = req.app_data(web::Data::new(s));
    }
    req.to_http_request()
}

#[test]
fn login_links_return_to_the_authorization_request() {
    let req = request_with(Some(PeopleSettings {
        self_service: true,
        require_verified_email: false,
    }));
    let links = login_links(&req, "/authorize?client_id=a&state=s");
    assert_eq!(
        links.forgot_password,
        "/forgot-password?return_to=%2Fauthorize%3Fclient_id%3Da%26state%3Ds"
    );
    assert_eq!(
        links.signup.as_deref(),
        Some("/signup?return_to=%2Fauthorize%3Fclient_id%3Da%26state%3Ds")
    );
}

#[test]
fn without_self_service_there_is_no_signup_link() {
    for settings in [None, Some(PeopleSettings::default())] {
        let links = login_links(&request_with(settings), "/authorize?x=1");
        assert_eq!(links.signup, None);
        assert!(links
            .forgot_password
            .starts_with("/forgot-password?return_to="));
    }
}

#[test]
fn a_return_to_that_is_not_ours_is_dropped_from_the_links() {
    let req = request_with(Some(PeopleSettings {
        self_service: true,
        require_verified_email: false,
    }));
    let links = login_links(&req, "https://evil.example/authorize?x=1");
    assert_eq!(links.forgot_password, "/forgot-password");
    assert_eq!(links.signup.as_deref(), Some("/signup"));
}

#[test]
fn return_to_is_read_from_the_query_and_checked() {
    let req = TestRequest::get()
        .uri("/signup?return_to=%2Fauthorize%3Fclient_id%3Da")
        .to_http_request();
    assert_eq!(
        return_to::from_query(&req).as_deref(),
        Some("/authorize?client_id=a")
    );
    let evil = TestRequest::get()
        .uri("/signup?return_to=%2F%2Fevil.example%2Fauthorize%3Fx")
        .to_http_request();
    assert_eq!(return_to::from_query(&evil), None);
}
