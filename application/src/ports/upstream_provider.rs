use async_trait::async_trait;
use secrecy::SecretString;
use serde_json::{Map, Value};
use tessera_domain::Upstream;

/// What an OpenID Provider's discovery document says (OIDC Discovery §3), as far as the
/// sign-in needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamMetadata {
    /// `issuer`: must equal the registered issuer exactly (Discovery §4.3).
    pub issuer: String,
    /// `authorization_endpoint`.
    pub authorization_endpoint: String,
    /// `token_endpoint`.
    pub token_endpoint: String,
    /// `jwks_uri` (required for an OpenID Provider; `None` for GitHub).
    pub jwks_uri: Option<String>,
    /// `authorization_response_iss_parameter_supported` (RFC 9207 §3): when true, a response
    /// without `iss` is refused.
    pub iss_parameter_supported: bool,
}

/// The token endpoint's answer.
#[derive(Debug)]
pub struct UpstreamTokens {
    /// The access token (for GitHub's user API).
    pub access_token: SecretString,
    /// The ID token (an OpenID Provider's).
    pub id_token: Option<String>,
}

/// What GitHub's user API says about the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GithubProfile {
    /// The numeric user id, as text: the stable subject (logins can be renamed).
    pub id: String,
    /// The login name.
    pub login: String,
    /// The display name, if set.
    pub name: Option<String>,
    /// The primary email address, only if GitHub verified it (`/user/emails`).
    pub verified_email: Option<String>,
}

/// Why a call to an upstream failed.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamCallError {
    /// The upstream could not be reached, timed out, or answered with an error status: it is
    /// down (or refuses us); nothing about the person is known.
    #[error("the upstream could not be reached: {0}")]
    Unreachable(String),
    /// The upstream answered something unusable (bad document, no token, issuer mismatch).
    #[error("the upstream's answer is not acceptable: {0}")]
    Invalid(String),
    /// The ID token's signature does not verify with the upstream's keys (or its algorithm
    /// or key is not acceptable).
    #[error("the ID token's signature is not valid: {0}")]
    Signature(String),
}

/// The outbound side of signing in through an upstream: discovery, the token endpoint, key
/// sets and GitHub's user API, all through the guarded outbound client.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UpstreamProvider: Send + Sync {
    /// The OpenID Provider's metadata (cached), from `{issuer}/.well-known/openid-configuration`.
    async fn metadata(&self, upstream: &Upstream) -> Result<UpstreamMetadata, UpstreamCallError>;
    /// Redeems an authorization code (RFC 6749 §4.1.3 with PKCE, client_secret_basic).
    async fn redeem_code(
        &self,
        token_endpoint: &str,
        client_id: &str,
        client_secret: &SecretString,
        code: &str,
        redirect_uri: &str,
        code_verifier: &str,
    ) -> Result<UpstreamTokens, UpstreamCallError>;
    /// Verifies the ID token's signature with the keys at `jwks_uri` (cached, fetched again
    /// once on an unknown `kid`), asymmetric algorithms only; returns its claims unchecked.
    async fn verify_id_token(
        &self,
        jwks_uri: &str,
        id_token: &str,
    ) -> Result<Map<String, Value>, UpstreamCallError>;
    /// GitHub's `GET /user` and `GET /user/emails` under `api_base`.
    async fn github_profile(
        &self,
        api_base: &str,
        access_token: &SecretString,
    ) -> Result<GithubProfile, UpstreamCallError>;
}
