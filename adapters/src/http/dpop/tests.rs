use super::*;
use actix_web::test::TestRequest;

#[test]
fn no_header_is_no_proof() {
    let req = TestRequest::default().to_http_request();
    assert_eq!(dpop_proof(&req).ok(), Some(None));
}

#[test]
fn one_header_is_the_proof() {
    let req = TestRequest::default()
        .insert_header((DPOP_HEADER, "a.b.c"))
        .to_http_request();
    assert_eq!(dpop_proof(&req).ok(), Some(Some("a.b.c")));
}

#[test]
fn two_headers_or_an_empty_one_are_invalid_dpop_proof() {
    let two = TestRequest::default()
        .append_header((DPOP_HEADER, "a.b.c"))
        .append_header((DPOP_HEADER, "d.e.f"))
        .to_http_request();
    let e = dpop_proof(&two).err();
    assert_eq!(e.map(|e| e.code()), Some(OAuthErrorCode::InvalidDpopProof));
    let empty = TestRequest::default()
        .insert_header((DPOP_HEADER, " "))
        .to_http_request();
    assert!(dpop_proof(&empty).is_err());
}
