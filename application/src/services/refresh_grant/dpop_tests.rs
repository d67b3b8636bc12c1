//! Refresh tokens and DPoP (RFC 9449 §5): a public client's family is bound to its key, a
//! confidential client's is not, and the new access token is bound to the proof's key.

use super::tests::{refused, rotating, service, stored};
use super::*;
use crate::services::test_support::{self as ts};
use crate::services::ACCESS_TOKEN_TYP;
use crate::OAuthErrorCode;

fn bound_to(jkt: &str) -> crate::ports::StoredRefreshToken {
    let mut s = stored();
    s.token.dpop_jkt = Some(jkt.to_owned());
    s
}

async fn refresh_with(
    grant: RefreshTokenGrant,
    public: bool,
    jkt: Option<&str>,
) -> Result<TokenSet, TokenError> {
    grant
        .refresh_bound(&ts::client(public), "rt-1", None, &[], jkt)
        .await
}

#[tokio::test]
async fn a_bound_refresh_token_with_another_key_is_invalid_grant_and_spends_nothing() {
    let r = refresh_with(service(refused(Some(bound_to("k1")))), true, Some("k2")).await;
    ts::assert_token_error(r, OAuthErrorCode::InvalidGrant);
}

#[tokio::test]
async fn a_bound_refresh_token_without_a_proof_is_invalid_grant() {
    let r = refresh_with(service(refused(Some(bound_to("k1")))), true, None).await;
    ts::assert_token_error(r, OAuthErrorCode::InvalidGrant);
}

#[tokio::test]
async fn a_bound_refresh_token_with_its_key_rotates_to_a_bound_successor() {
    let (p, signed, successors) = rotating(bound_to("k1"), true);
    let t = refresh_with(service(p), true, Some("k1")).await.unwrap();
    assert!(t.refresh_token.is_some());
    assert_eq!(successors.only().dpop_jkt.as_deref(), Some("k1"));
    assert_eq!(
        ts::signed_with(&signed, ACCESS_TOKEN_TYP)["cnf"],
        serde_json::json!({"jkt": "k1"})
    );
}

#[tokio::test]
async fn a_confidential_clients_refresh_token_stays_unbound_but_the_access_token_is_bound() {
    let (p, signed, successors) = rotating(stored(), true);
    refresh_with(service(p), false, Some("k9")).await.unwrap();
    assert_eq!(successors.only().dpop_jkt, None);
    assert_eq!(
        ts::signed_with(&signed, ACCESS_TOKEN_TYP)["cnf"],
        serde_json::json!({"jkt": "k9"})
    );
}

#[tokio::test]
async fn an_unbound_refresh_without_a_proof_issues_an_unbound_token() {
    let (p, signed, successors) = rotating(stored(), true);
    refresh_with(service(p), true, None).await.unwrap();
    assert_eq!(successors.only().dpop_jkt, None);
    assert!(ts::signed_with(&signed, ACCESS_TOKEN_TYP)
        .get("cnf")
        .is_none());
}
