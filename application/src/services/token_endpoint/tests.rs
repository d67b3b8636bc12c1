//! The token endpoint audits what it did, with the request's context, and only what it did.
//! Real grants over the in-memory repositories; the audit log is a mock because the call
//! itself is the point.

use super::*;
use crate::in_memory::InMemoryStore;
use crate::ports::{JwsEngine, MockAuditLog};
use crate::services::access_tokens::tests::{clock_at, ISS};
use crate::services::client_authentication::tests::confidential;
use crate::services::test_support as ts;
use crate::services::{AccessTokenVerifier, UserTokenIssuer};
use crate::{IssuerSettings, OAuthErrorCode};
use std::net::{IpAddr, Ipv4Addr};
use tessera_domain::{AuditEvent, SigningAlgorithm, TokenEndpointAuthMethod, UnixTime};

fn endpoint(audit: MockAuditLog) -> TokenEndpoint {
    let store = Arc::new(InMemoryStore::new());
    let (jws, _) = ts::recording_jws(SigningAlgorithm::Rs256);
    let jws: Arc<dyn JwsEngine> = Arc::new(jws);
    let clock = clock_at(1_000);
    let settings = IssuerSettings::new(ISS);
    let issuer = Arc::new(UserTokenIssuer::new(
        jws.clone(),
        store.clone(),
        clock.clone(),
        ts::counting_rng(),
        settings.clone(),
    ));
    let verifier = Arc::new(AccessTokenVerifier::new(
        jws.clone(),
        store.clone(),
        clock.clone(),
        settings.clone(),
    ));
    TokenEndpoint {
        client_credentials: ClientCredentialsGrant::new(
            jws,
            clock.clone(),
            ts::counting_rng(),
            settings,
        ),
        code_grant: AuthorizationCodeGrant::new(
            store.clone(),
            store.clone(),
            store.clone(),
            store.clone(),
            issuer.clone(),
            clock.clone(),
        ),
        refresh_grant: RefreshTokenGrant::new(
            store.clone(),
            store.clone(),
            store.clone(),
            issuer,
            clock,
            None,
        ),
        revocation: TokenRevocation::new(verifier, store),
        audit: Arc::new(audit),
    }
}

fn ctx() -> RequestContext {
    RequestContext {
        ip: Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7))),
        request_id: "req-1".to_owned(),
        now: UnixTime::from_secs(1_000),
    }
}

fn expect_one(audit: &mut MockAuditLog, expected: AuditEvent) {
    audit
        .expect_record()
        .withf(move |e| *e == expected)
        .times(1)
        .return_const(());
}

#[tokio::test]
async fn an_issued_token_is_audited_with_the_client_grant_and_address() {
    let mut audit = MockAuditLog::new();
    expect_one(
        &mut audit,
        ctx()
            .audit(AuditAction::TokenIssued, AuditOutcome::Success)
            .client("svc")
            .detail("grant=client_credentials"),
    );
    let client = confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s");
    let tokens = endpoint(audit)
        .grant(
            &ctx(),
            &client,
            GrantRequest::ClientCredentials {
                resources: &[],
                scope: None,
            },
        )
        .await
        .unwrap();
    assert!(tokens.refresh_token.is_none());
}

#[tokio::test]
async fn a_refused_grant_is_not_audited_as_issued() {
    let mut audit = MockAuditLog::new();
    audit.expect_record().never();
    let client = confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s");
    let refused = endpoint(audit)
        .grant(
            &ctx(),
            &client,
            GrantRequest::ClientCredentials {
                resources: &[],
                scope: Some("admin"),
            },
        )
        .await;
    ts::assert_token_error(refused, OAuthErrorCode::InvalidScope);
}

#[tokio::test]
async fn an_answered_revocation_is_audited_even_for_an_unknown_token() {
    let mut audit = MockAuditLog::new();
    expect_one(
        &mut audit,
        ctx()
            .audit(AuditAction::TokenRevoked, AuditOutcome::Success)
            .client("svc"),
    );
    let client = confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s");
    endpoint(audit)
        .revoke(&ctx(), &client, "an-opaque-token-nobody-issued")
        .await
        .unwrap();
}
