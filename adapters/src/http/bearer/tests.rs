use super::*;
use actix_web::test::TestRequest;

fn with_auth(value: &str) -> HttpRequest {
    TestRequest::default()
        .insert_header((header::AUTHORIZATION, value))
        .to_http_request()
}

#[test]
fn bearer_token_reads_the_header() {
    assert_eq!(
        bearer_token(&TestRequest::default().to_http_request()),
        Ok(None)
    );
    assert_eq!(bearer_token(&with_auth("Bearer abc")), Ok(Some("abc")));
    assert_eq!(bearer_token(&with_auth("bEaReR  abc ")), Ok(Some("abc")));
    for bad in ["Basic abc", "Bearer", "Bearer   ", "abc"] {
        assert_eq!(
            bearer_token(&with_auth(bad)),
            Err(MalformedAuthorization),
            "{bad}"
        );
    }
}

#[test]
fn challenge_lists_only_what_is_set() {
    assert_eq!(
        BearerChallenge::new(REALM).header_value(),
        "Bearer realm=\"tessera\""
    );
    assert_eq!(
        BearerChallenge::new(REALM)
            .error(OAuthErrorCode::InvalidToken)
            .description("the access token is not valid")
            .header_value(),
        "Bearer realm=\"tessera\", error=\"invalid_token\", error_description=\"the access token is not valid\""
    );
    assert_eq!(
        BearerChallenge::new("tessera-admin")
            .error(OAuthErrorCode::InsufficientScope)
            .scope("admin")
            .header_value(),
        "Bearer realm=\"tessera-admin\", error=\"insufficient_scope\", scope=\"admin\""
    );
    assert_eq!(
        BearerChallenge::new(REALM)
            .description("a \"b\"")
            .header_value(),
        "Bearer realm=\"tessera\", error_description=\"a 'b'\""
    );
}
