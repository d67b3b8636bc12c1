//! The resource rule of introspection: a token meant for a protected resource is shown only
//! to that resource's registered clients and to the client it was issued to.

use super::*;
use crate::errors::VerifyError;
use crate::ports::{
    MockRefreshTokenRepository, MockResourceRepository, MockRevocationRepository,
    MockUserRepository, VerifiedJws,
};
use crate::services::access_tokens::tests::{claims_json, clock_at, engine_returning, ISS};
use crate::services::client_authentication::tests::confidential;
use crate::IssuerSettings;
use serde_json::json;
use tessera_domain::{ClientId, Resource, ScopeSet, TokenEndpointAuthMethod, UnixTime};

const API: &str = "https://api.example/";

/// Introspection of one live token with audience `aud`, issued to client `svc`, and a
/// registry in which `API` is served by the client `api-server`.
fn introspection(aud: serde_json::Value) -> Introspection {
    let mut claims = claims_json(1_000, 100, ISS);
    claims.insert("aud".into(), aud);
    let r: Result<VerifiedJws, VerifyError> = Ok(VerifiedJws {
        claims,
        kid: "k".into(),
    });
    let mut rev = MockRevocationRepository::new();
    rev.expect_is_revoked().returning(|_| Ok(false));
    let verifier = AccessTokenVerifier::new(
        Arc::new(engine_returning(r)),
        Arc::new(rev),
        clock_at(150),
        IssuerSettings::new(ISS),
    );
    let mut resources = MockResourceRepository::new();
    resources.expect_find().returning(|id| {
        Ok((id.as_str() == API).then(|| Resource {
            identifier: id.clone(),
            name: "API".into(),
            scope: ScopeSet::parse("read").unwrap(),
            created_at: UnixTime::from_secs(1),
            clients: vec![ClientId::parse("api-server").unwrap()],
        }))
    });
    Introspection::new(
        Arc::new(verifier),
        Arc::new(MockRefreshTokenRepository::new()),
        Arc::new(MockUserRepository::new()),
        Arc::new(MockRevocationRepository::new()),
        clock_at(150),
    )
    .with_resources(Arc::new(resources))
}

fn caller(id: &str) -> Client {
    let mut c = confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s");
    c.id = ClientId::parse(id).unwrap();
    c
}

#[tokio::test]
async fn the_resource_server_and_the_tokens_own_client_see_it() {
    for who in ["api-server", "svc"] {
        let r = introspection(json!(API))
            .introspect(&caller(who), "a.b.c")
            .await
            .unwrap();
        assert!(r.active, "{who}");
        assert_eq!(r.aud, Some(Audience::one(API)));
    }
}

#[tokio::test]
async fn another_client_is_told_inactive() {
    let r = introspection(json!(API))
        .introspect(&caller("other-api"), "a.b.c")
        .await
        .unwrap();
    assert_eq!(r, IntrospectionResponse::inactive());
    // An audience that is no longer registered stays restricted too.
    let r = introspection(json!("https://deleted.example/"))
        .introspect(&caller("api-server"), "a.b.c")
        .await
        .unwrap();
    assert!(!r.active);
}

#[tokio::test]
async fn a_token_for_the_issuer_is_visible_to_any_confidential_client() {
    let r = introspection(json!(ISS))
        .introspect(&caller("other-api"), "a.b.c")
        .await
        .unwrap();
    assert!(r.active);
}

#[tokio::test]
async fn one_served_audience_of_several_is_enough() {
    let r = introspection(json!(["https://x.example/", API]))
        .introspect(&caller("api-server"), "a.b.c")
        .await
        .unwrap();
    assert!(r.active);
}
