use super::*;
use crate::errors::VerifyError;
use crate::ports::{MockRevocationRepository, VerifiedJws};
use crate::services::access_tokens::tests::{claims_json, clock_at, engine_returning, ISS};
use crate::services::client_authentication::tests::confidential;
use crate::IssuerSettings;
use tessera_domain::{ClientId, TokenEndpointAuthMethod};

fn revocation(
    r: Result<VerifiedJws, VerifyError>,
    rev: MockRevocationRepository,
) -> TokenRevocation {
    let rev = Arc::new(rev);
    let verifier = AccessTokenVerifier::new(
        Arc::new(engine_returning(r)),
        rev.clone(),
        clock_at(150),
        IssuerSettings::new(ISS),
    );
    TokenRevocation::new(Arc::new(verifier), rev)
}

fn ok() -> Result<VerifiedJws, VerifyError> {
    Ok(VerifiedJws {
        claims: claims_json(200, 100, ISS),
        kid: "k".into(),
    })
}

#[tokio::test]
async fn owner_revokes_until_expiry() {
    let mut rev = MockRevocationRepository::new();
    rev.expect_revoke()
        .withf(|jti, exp| jti == "jti-1" && *exp == UnixTime::from_secs(200))
        .times(1)
        .returning(|_, _| Ok(()));
    let caller = confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s");
    revocation(ok(), rev).revoke(&caller, "t").await.unwrap();
}

#[tokio::test]
async fn other_client_cannot_revoke() {
    let mut caller = confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s");
    caller.id = ClientId::parse("other").unwrap();
    let r = revocation(ok(), MockRevocationRepository::new())
        .revoke(&caller, "t")
        .await;
    assert!(matches!(r, Err(RevokeError::NotOwner)));
}

#[tokio::test]
async fn unknown_token_is_a_no_op_success() {
    let caller = confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s");
    let r = revocation(Err(VerifyError::Malformed), MockRevocationRepository::new());
    r.revoke(&caller, "garbage").await.unwrap();
}

#[tokio::test]
async fn storage_failure_is_not_reported_as_success() {
    let mut rev = MockRevocationRepository::new();
    rev.expect_revoke()
        .returning(|_, _| Err(RepositoryError::Unavailable));
    let caller = confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s");
    let r = revocation(ok(), rev).revoke(&caller, "t").await;
    assert!(matches!(
        r,
        Err(RevokeError::Repository(RepositoryError::Unavailable))
    ));
}
