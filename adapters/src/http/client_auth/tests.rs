use super::*;
use actix_web::test::TestRequest;
use secrecy::ExposeSecret;

fn basic(raw: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

#[test]
fn basic_credentials_are_form_urldecoded() {
    let (id, secret) = parse_basic(Some(&basic("my%20id:a%2Bb+c"))).unwrap();
    assert_eq!(id, "my id");
    assert_eq!(secret.expose_secret(), "a+b c");
    assert!(parse_basic(Some("Bearer abc")).is_none());
    assert!(parse_basic(Some("Basic !!!")).is_none());
    assert!(parse_basic(Some(&basic("nocolon"))).is_none());
    assert!(parse_basic(Some(&basic(":secret"))).is_none());
}

#[test]
fn as_28_two_methods_in_one_request_are_refused() {
    let req = TestRequest::default()
        .insert_header((header::AUTHORIZATION, basic("svc:s")))
        .to_http_request();
    let form = OAuthForm::parse(b"client_secret=s").unwrap();
    let err = presented_credentials(&req, &form).unwrap_err();
    assert_eq!(
        err.code(),
        tessera_application::OAuthErrorCode::InvalidRequest
    );
}

#[test]
fn post_and_none_methods() {
    let req = TestRequest::default().to_http_request();
    let form = OAuthForm::parse(b"client_id=svc&client_secret=s").unwrap();
    assert!(matches!(
        presented_credentials(&req, &form).unwrap(),
        PresentedCredentials::Post { .. }
    ));
    let form = OAuthForm::parse(b"client_id=svc").unwrap();
    assert!(matches!(
        presented_credentials(&req, &form).unwrap(),
        PresentedCredentials::None { .. }
    ));
    let form = OAuthForm::parse(b"").unwrap();
    assert_eq!(
        presented_credentials(&req, &form).unwrap_err().code(),
        tessera_application::OAuthErrorCode::InvalidClient
    );
}
