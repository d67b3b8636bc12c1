//! The token endpoint audits what it did, with the request's context, and only what it did.
//! Real grants over the in-memory repositories; the audit log is a mock because the call
//! itself is the point.

use super::*;
use crate::in_memory::InMemoryStore;
use crate::ports::{
    JwsEngine, MockAuditLog, MockDpopNonces, MockDpopProofVerifier, VerifiedDpopProof,
};
use crate::services::access_tokens::tests::{clock_at, ISS};
use crate::services::client_authentication::tests::confidential;
use crate::services::test_support as ts;
use crate::services::{AccessTokenVerifier, UserTokenIssuer};
use crate::{IssuerSettings, OAuthErrorCode};
use std::net::{IpAddr, Ipv4Addr};
use tessera_domain::{
    AuditEvent, DpopProofClaims, SigningAlgorithm, TokenEndpointAuthMethod, UnixTime,
};

const TOKEN_URL: &str = "https://id.example/token";

fn endpoint(audit: MockAuditLog) -> TokenEndpoint {
    endpoint_with(audit, MockDpopProofVerifier::new()).0
}

/// A verifier that accepts any proof as one of key `jkt` with `claims`.
fn proof_of(jkt: &'static str, claims: DpopProofClaims) -> MockDpopProofVerifier {
    let mut v = MockDpopProofVerifier::new();
    v.expect_verify().returning(move |_, _| {
        Ok(VerifiedDpopProof {
            jkt: jkt.into(),
            claims: claims.clone(),
        })
    });
    v
}

fn token_proof_claims() -> DpopProofClaims {
    DpopProofClaims {
        jti: "j1".into(),
        htm: "POST".into(),
        htu: TOKEN_URL.into(),
        iat: 1_000,
        ath: None,
        nonce: None,
    }
}

fn endpoint_with(
    audit: MockAuditLog,
    proofs: MockDpopProofVerifier,
) -> (TokenEndpoint, ts::Signed) {
    let store = Arc::new(InMemoryStore::new());
    let (jws, signed) = ts::recording_jws(SigningAlgorithm::Rs256);
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
    let token_exchange = TokenExchangeGrant::new(crate::services::TokenExchangeDeps {
        verifier: AccessTokenVerifier::new(
            jws.clone(),
            store.clone(),
            clock.clone(),
            settings.clone(),
        ),
        indicators: crate::services::ResourceIndicators::new(store.clone()),
        jws: jws.clone(),
        clock: clock.clone(),
        rng: ts::counting_rng(),
        audit: Arc::new(MockAuditLog::new()),
        settings: settings.clone(),
    });
    let dpop = Arc::new(DpopProofs::new(
        Arc::new(proofs),
        Arc::new(MockDpopNonces::new()),
        store.clone(),
        clock.clone(),
        crate::services::DpopSettings::default(),
    ));
    let endpoint = TokenEndpoint {
        dpop,
        token_url: TOKEN_URL.to_owned(),
        token_exchange,
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
            issuer.clone(),
            clock.clone(),
            None,
        ),
        device_grant: Arc::new(crate::services::DeviceFlow::new(
            crate::services::DeviceFlowDeps {
                devices: store.clone(),
                clients: store.clone(),
                users: store.clone(),
                factors: store.clone(),
                passkeys: store.clone(),
                resources: store.clone(),
                issuer: issuer.clone(),
                clock: clock.clone(),
                rng: ts::counting_rng(),
                audit: Arc::new(MockAuditLog::new()),
                settings: crate::services::DeviceFlowSettings::new(format!("{ISS}/device")),
            },
        )),
        revocation: TokenRevocation::new(verifier, store),
        audit: Arc::new(audit),
    };
    (endpoint, signed)
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
            None,
        )
        .await
        .unwrap();
    assert!(tokens.refresh_token.is_none());
    assert!(!tokens.dpop_bound);
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
            None,
        )
        .await;
    ts::assert_token_error(refused, OAuthErrorCode::InvalidScope);
}

#[tokio::test]
async fn a_device_code_poll_runs_the_device_grant() {
    let mut audit = MockAuditLog::new();
    audit.expect_record().never();
    let mut client = confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s");
    client.grant_types = vec![tessera_domain::GrantType::DeviceCode];
    let request = GrantRequest::DeviceCode {
        device_code: "unknown",
    };
    assert_eq!(request.grant_type(), tessera_domain::GrantType::DeviceCode);
    let refused = endpoint(audit).grant(&ctx(), &client, request, None).await;
    ts::assert_token_error(refused, OAuthErrorCode::InvalidGrant);
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

fn client_credentials() -> GrantRequest<'static> {
    GrantRequest::ClientCredentials {
        resources: &[],
        scope: None,
    }
}

#[tokio::test]
async fn a_proof_binds_the_token_to_its_key() {
    let mut audit = MockAuditLog::new();
    audit.expect_record().times(1).return_const(());
    let (endpoint, signed) = endpoint_with(audit, proof_of("thumb", token_proof_claims()));
    let client = confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s");
    let tokens = endpoint
        .grant(&ctx(), &client, client_credentials(), Some("proof"))
        .await
        .unwrap();
    assert!(tokens.dpop_bound);
    let claims = ts::signed_with(&signed, crate::services::ACCESS_TOKEN_TYP);
    assert_eq!(
        claims.get("cnf"),
        Some(&serde_json::json!({"jkt": "thumb"}))
    );
}

#[tokio::test]
async fn an_unbound_token_has_no_cnf() {
    let mut audit = MockAuditLog::new();
    audit.expect_record().times(1).return_const(());
    let (endpoint, signed) = endpoint_with(audit, MockDpopProofVerifier::new());
    let client = confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s");
    endpoint
        .grant(&ctx(), &client, client_credentials(), None)
        .await
        .unwrap();
    let claims = ts::signed_with(&signed, crate::services::ACCESS_TOKEN_TYP);
    assert_eq!(claims.get("cnf"), None);
}

#[tokio::test]
async fn a_proof_for_another_uri_is_refused_and_nothing_is_signed() {
    let mut audit = MockAuditLog::new();
    audit.expect_record().never();
    let elsewhere = DpopProofClaims {
        htu: "https://id.example/userinfo".into(),
        ..token_proof_claims()
    };
    let (endpoint, signed) = endpoint_with(audit, proof_of("thumb", elsewhere));
    let client = confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s");
    let refused = endpoint
        .grant(&ctx(), &client, client_credentials(), Some("proof"))
        .await;
    ts::assert_token_error(refused, OAuthErrorCode::InvalidDpopProof);
    assert!(signed.all().is_empty());
}

#[tokio::test]
async fn a_client_that_requires_dpop_is_refused_without_a_proof() {
    let mut audit = MockAuditLog::new();
    audit.expect_record().never();
    let mut client = confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s");
    client.security.require_dpop = true;
    let refused = endpoint(audit)
        .grant(&ctx(), &client, client_credentials(), None)
        .await;
    ts::assert_token_error(refused, OAuthErrorCode::InvalidDpopProof);
}
