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

const JWT_BEARER: &str = "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer";

fn jwt(claims: serde_json::Value) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.c2ln",
        b64.encode(r#"{"alg":"ES256"}"#),
        b64.encode(claims.to_string())
    )
}

fn assertion_form(assertion: &str, extra: &str) -> OAuthForm {
    OAuthForm::parse(
        format!("client_assertion_type={JWT_BEARER}&client_assertion={assertion}{extra}")
            .as_bytes(),
    )
    .unwrap()
}

#[test]
fn an_assertion_names_its_client_by_iss_and_sub_and_its_endpoint() {
    let req = TestRequest::default().uri("/token").to_http_request();
    let a = jwt(serde_json::json!({"iss": "svc", "sub": "svc"}));
    for extra in ["", "&client_id=svc"] {
        match presented_credentials(&req, &assertion_form(&a, extra)).unwrap() {
            PresentedCredentials::Assertion {
                client_id,
                assertion,
                endpoint_path,
            } => {
                assert_eq!(client_id, "svc");
                assert_eq!(assertion.expose_secret(), a);
                assert_eq!(endpoint_path, "/token");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_bad_assertion_request_is_refused_before_any_lookup() {
    use tessera_application::OAuthErrorCode::{InvalidClient, InvalidRequest};
    let req = TestRequest::default().uri("/token").to_http_request();
    let good = jwt(serde_json::json!({"iss": "svc", "sub": "svc"}));
    let code =
        |req: &HttpRequest, form: &OAuthForm| presented_credentials(req, form).unwrap_err().code();
    // iss and sub differ, are missing, or the payload is not JSON.
    for claims in [
        serde_json::json!({"iss": "svc", "sub": "other"}),
        serde_json::json!({"sub": "svc"}),
        serde_json::json!({"iss": "", "sub": ""}),
        serde_json::json!({"iss": 1, "sub": 1}),
    ] {
        assert_eq!(
            code(&req, &assertion_form(&jwt(claims.clone()), "")),
            InvalidClient,
            "{claims}"
        );
    }
    assert_eq!(code(&req, &assertion_form("a.b.c", "")), InvalidClient);
    // Wrong or missing type, or a type without an assertion.
    let form = OAuthForm::parse(format!("client_assertion={good}").as_bytes()).unwrap();
    assert_eq!(code(&req, &form), InvalidClient);
    let form = OAuthForm::parse(
        format!("client_assertion_type=urn%3Aexample&client_assertion={good}").as_bytes(),
    )
    .unwrap();
    assert_eq!(code(&req, &form), InvalidClient);
    let form = OAuthForm::parse(format!("client_assertion_type={JWT_BEARER}").as_bytes()).unwrap();
    assert_eq!(code(&req, &form), InvalidClient);
    // Two methods at once, or another client id in the body.
    assert_eq!(
        code(&req, &assertion_form(&good, "&client_secret=s")),
        InvalidRequest
    );
    let with_basic = TestRequest::default()
        .insert_header((header::AUTHORIZATION, basic("svc:s")))
        .to_http_request();
    assert_eq!(
        code(&with_basic, &assertion_form(&good, "")),
        InvalidRequest
    );
    assert_eq!(
        code(&req, &assertion_form(&good, "&client_id=other")),
        InvalidRequest
    );
}
