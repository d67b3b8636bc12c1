//! RFC 8707 through the grants: the authorization request names resources, the code keeps
//! them, the access token's `aud` and scope follow them, and refreshes narrow within them.
//! Real services over the in-memory store; signing is recorded so the claims can be read.

use super::*;
use crate::in_memory::InMemoryStore;
use crate::ports::{ClientRepository, ConsentRepository, JwsEngine, UserRepository};
use crate::services::test_support::{self as ts, Signed, CHALLENGE, ISS, REDIRECT, VERIFIER};
use crate::services::{
    AuthorizationCodeGrant, AuthorizationResult, Authorize, AuthorizeError, AuthorizeOutcome,
    AuthorizeParams, ClientCredentialsGrant, Interaction, RefreshTokenGrant, SignInProof,
    TokenError, UserTokenIssuer, ACCESS_TOKEN_TYP,
};
use crate::{IssuerSettings, OAuthErrorCode};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use tessera_domain::{Consent, GrantType, Resource, ScopeSet, SigningAlgorithm, UnixTime};

const NOW: i64 = 20_000;
const NOTES: &str = "https://notes.example/mcp";
const CAL: &str = "https://cal.example/api";

struct World {
    store: Arc<InMemoryStore>,
    signed: Signed,
    authorize: Authorize,
    code_grant: AuthorizationCodeGrant,
    refresh_grant: RefreshTokenGrant,
    client_credentials: ClientCredentialsGrant,
}

async fn world() -> World {
    let store = Arc::new(InMemoryStore::new());
    for (id, scope) in [(NOTES, "notes:read notes:write"), (CAL, "cal:read")] {
        ResourceRepository::insert(
            store.as_ref(),
            &Resource {
                clients: Vec::new(),
                identifier: ResourceIdentifier::parse(id).unwrap(),
                name: format!("{id} name"),
                scope: ScopeSet::parse(scope).unwrap(),
                created_at: UnixTime::from_secs(1),
            },
        )
        .await
        .unwrap();
    }
    ClientRepository::insert(store.as_ref(), &app_client())
        .await
        .unwrap();
    UserRepository::insert(store.as_ref(), &ts::user())
        .await
        .unwrap();
    let (jws, signed) = ts::recording_jws(SigningAlgorithm::Rs256);
    let jws: Arc<dyn JwsEngine> = Arc::new(jws);
    let clock = ts::clock_at(NOW);
    let settings = IssuerSettings::new(ISS);
    let indicators = Arc::new(ResourceIndicators::new(store.clone()));
    let issuer = Arc::new(UserTokenIssuer::new(
        jws.clone(),
        store.clone(),
        clock.clone(),
        ts::counting_rng(),
        settings.clone(),
    ));
    World {
        authorize: Authorize::new(
            store.clone(),
            store.clone(),
            store.clone(),
            store.clone(),
            clock.clone(),
            ts::counting_rng(),
            settings.clone(),
        )
        .with_resources(indicators.clone()),
        code_grant: AuthorizationCodeGrant::new(
            store.clone(),
            store.clone(),
            store.clone(),
            store.clone(),
            issuer.clone(),
            clock.clone(),
        )
        .with_resources(indicators.clone()),
        refresh_grant: RefreshTokenGrant::new(
            store.clone(),
            store.clone(),
            store.clone(),
            issuer,
            clock.clone(),
            None,
        )
        .with_resources(indicators.clone()),
        client_credentials: ClientCredentialsGrant::new(jws, clock, ts::counting_rng(), settings)
            .with_resources(indicators),
        store,
        signed,
    }
}

/// The web app of these tests: it may also use client credentials, and holds the resources'
/// scopes.
fn app_client() -> tessera_domain::Client {
    let mut client = ts::client(false);
    client.scope = ts::scope("openid offline_access notes:read notes:write cal:read");
    client.grant_types.push(GrantType::ClientCredentials);
    client
}

fn params(scope: &str, resources: &[&str]) -> AuthorizeParams {
    let mut pairs: Vec<(String, String)> = [
        ("client_id", ts::CLIENT_ID),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", scope),
        ("state", "st"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    pairs.extend(
        resources
            .iter()
            .map(|r| ("resource".to_owned(), (*r).to_owned())),
    );
    AuthorizeParams::from_pairs(pairs)
}

/// Runs the authorization through consent ("allow") and returns the code.
async fn code_for(w: &World, scope: &str, resources: &[&str]) -> String {
    let request = w
        .authorize
        .validate(&params(scope, resources))
        .await
        .unwrap();
    let session = ts::session(NOW - 10);
    let outcome = w
        .authorize
        .decide(
            request,
            Some(&session),
            Interaction::Consented {
                allow: true,
                sign_in: SignInProof::Unproven,
            },
        )
        .await
        .unwrap();
    match outcome {
        AuthorizeOutcome::Respond(r) => match r.result {
            AuthorizationResult::Code(c) => c,
            other => panic!("expected a code, got {other:?}"),
        },
        other => panic!("expected a response, got {other:?}"),
    }
}

fn last_access_token(w: &World) -> serde_json::Map<String, Value> {
    w.signed
        .all()
        .into_iter()
        .rev()
        .find(|(t, _)| t == ACCESS_TOKEN_TYP)
        .unwrap()
        .1
}

#[tokio::test]
async fn a_code_for_two_resources_gives_an_audience_of_both_and_their_scopes_only() {
    let w = world().await;
    let code = code_for(
        &w,
        "openid offline_access notes:read cal:read",
        &[NOTES, CAL],
    )
    .await;
    let client = ts::client(false);
    let tokens = w
        .code_grant
        .exchange_for(&client, &code, Some(REDIRECT), Some(VERIFIER), &[])
        .await
        .unwrap();
    let at = last_access_token(&w);
    assert_eq!(at["aud"], json!([NOTES, CAL]));
    assert_eq!(at["scope"], json!("cal:read notes:read"));
    assert_eq!(tokens.scope.to_string(), "cal:read notes:read");
    // The ID token is still issued: the grant's own scope keeps `openid`.
    assert!(tokens.id_token.is_some());

    // A refresh may narrow to one of them…
    let rt = tokens.refresh_token.unwrap();
    let refreshed = w
        .refresh_grant
        .refresh_for(&client, rt.expose_secret(), None, &[CAL])
        .await
        .unwrap();
    let at = last_access_token(&w);
    assert_eq!(at["aud"], json!(CAL));
    assert_eq!(at["scope"], json!("cal:read"));
    // …and the next link still carries the whole grant.
    let rt = refreshed.refresh_token.unwrap();
    w.refresh_grant
        .refresh_for(&client, rt.expose_secret(), None, &[])
        .await
        .unwrap();
    assert_eq!(last_access_token(&w)["aud"], json!([NOTES, CAL]));
}

#[tokio::test]
async fn narrowing_outside_the_grant_is_invalid_target() {
    let w = world().await;
    let client = ts::client(false);
    let code = code_for(&w, "notes:read", &[NOTES]).await;
    let r = w
        .code_grant
        .exchange_for(&client, &code, Some(REDIRECT), Some(VERIFIER), &[CAL])
        .await;
    ts::assert_token_error(r, OAuthErrorCode::InvalidTarget);

    let code = code_for(&w, "notes:read offline_access", &[NOTES]).await;
    let tokens = w
        .code_grant
        .exchange_for(&client, &code, Some(REDIRECT), Some(VERIFIER), &[NOTES])
        .await
        .unwrap();
    assert_eq!(last_access_token(&w)["aud"], json!(NOTES));
    let r = w
        .refresh_grant
        .refresh_for(
            &client,
            tokens.refresh_token.unwrap().expose_secret(),
            None,
            &[CAL],
        )
        .await;
    ts::assert_token_error(r, OAuthErrorCode::InvalidTarget);
}

#[tokio::test]
async fn without_resources_tokens_are_as_before() {
    let w = world().await;
    let code = code_for(&w, "openid notes:read", &[]).await;
    let tokens = w
        .code_grant
        .exchange(&ts::client(false), &code, Some(REDIRECT), Some(VERIFIER))
        .await
        .unwrap();
    let at = last_access_token(&w);
    assert_eq!(at["aud"], json!(ISS));
    assert_eq!(tokens.scope.to_string(), "notes:read openid");
}

#[tokio::test]
async fn an_unknown_or_malformed_resource_at_authorize_is_invalid_target_sent_to_the_client() {
    let w = world().await;
    for bad in [
        "https://unknown.example/",
        "https://notes.example/mcp#x",
        "relative",
    ] {
        match w.authorize.validate(&params("notes:read", &[bad])).await {
            Err(AuthorizeError::Redirect(resp)) => {
                let error = resp
                    .params()
                    .into_iter()
                    .find(|(k, _)| k == "error")
                    .map(|(_, v)| v);
                assert_eq!(error.as_deref(), Some("invalid_target"), "{bad}");
            }
            other => panic!("{bad}: expected a redirected error, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn consent_for_one_resource_does_not_cover_another() {
    let w = world().await;
    ConsentRepository::upsert(
        w.store.as_ref(),
        &Consent {
            user_id: ts::user().id,
            client_id: ts::client(false).id,
            scope: ts::scope("notes:read cal:read"),
            resources: vec![ResourceIdentifier::parse(NOTES).unwrap()],
            granted_at: UnixTime::from_secs(NOW - 100),
        },
    )
    .await
    .unwrap();
    let session = ts::session(NOW - 10);
    let decide = |resources: &'static [&'static str]| {
        let w = &w;
        let session = session.clone();
        async move {
            let request = w
                .authorize
                .validate(&params("notes:read", resources))
                .await
                .unwrap();
            w.authorize
                .decide(request, Some(&session), Interaction::Start)
                .await
                .unwrap()
        }
    };
    assert!(matches!(
        decide(&[NOTES]).await,
        AuthorizeOutcome::Respond(_)
    ));
    match decide(&[CAL]).await {
        AuthorizeOutcome::Consent { request, .. } => {
            assert_eq!(request.resources.resources()[0].identifier.as_str(), CAL);
        }
        other => panic!("expected the consent page, got {other:?}"),
    }
    // Allowing it remembers both.
    code_for(&w, "notes:read", &[CAL]).await;
    let consent = ConsentRepository::find(w.store.as_ref(), &ts::user().id, &ts::client(false).id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(consent.resources.len(), 2);
}

#[tokio::test]
async fn client_credentials_for_a_resource_is_audience_restricted() {
    let w = world().await;
    let client = app_client();
    let issued = w
        .client_credentials
        .issue_for(&client, Some("notes:write cal:read"), &[NOTES])
        .await
        .unwrap();
    assert_eq!(issued.scope.to_string(), "notes:write");
    let at = last_access_token(&w);
    assert_eq!(at["aud"], json!(NOTES));
    let r = w
        .client_credentials
        .issue_for(&client, None, &["https://nope.example/"])
        .await;
    assert!(matches!(r, Err(TokenError::InvalidTarget(_))));
    let bare = ClientCredentialsGrant::new(
        Arc::new(ts::recording_jws(SigningAlgorithm::Rs256).0),
        ts::clock_at(NOW),
        ts::counting_rng(),
        IssuerSettings::new(ISS),
    );
    let r = bare.issue_for(&client, None, &[NOTES]).await;
    assert!(matches!(r, Err(TokenError::InvalidTarget(_))));
}
