use async_trait::async_trait;
use tessera_domain::Client;

/// A JWT whose signature checked out against one of the client's keys. Its claims (`iss`,
/// `aud`, `exp`, `jti`…) are still the caller's to check.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedClientJwt {
    /// The payload.
    pub claims: serde_json::Map<String, serde_json::Value>,
    /// The header's `alg`, already on the allow-list.
    pub alg: String,
    /// The header's `kid`, if any.
    pub kid: Option<String>,
}

/// Why a client-signed JWT was refused. Callers answer every variant alike (`invalid_client`,
/// `invalid_request_object`), the variant is for the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientJwtError {
    /// Not a compact JWS, or its header or payload is not JSON.
    #[error("malformed JWT")]
    Malformed,
    /// `alg` is not on the allow-list, is `none`, or is an HMAC for a client with keys (or an
    /// asymmetric one for a client that has only a secret).
    #[error("algorithm {0:?} is not allowed here")]
    Algorithm(String),
    /// The header's `typ` is not the one this use requires.
    #[error("wrong typ")]
    Type,
    /// The client registered no key of this kind, or none matches the header's `kid`/`alg`
    /// (after one refresh of its `jwks_uri`).
    #[error("no registered key of the client matches")]
    UnknownKey,
    /// A matching key was found and the signature does not verify with it.
    #[error("signature does not verify")]
    Signature,
    /// The client's `jwks_uri` could not be fetched or is not a JWK Set.
    #[error("the client's key set could not be fetched: {0}")]
    KeysUnavailable(String),
}

/// Verifies JWTs signed by clients: client assertions (RFC 7523, OIDC Core §9) and request
/// objects (RFC 9101). Keys come from the client's registration: its `jwks`, its `jwks_uri`
/// (fetched through the guarded outbound client, cached, refetched once on an unknown `kid`),
/// or for `client_secret_jwt` its sealed secret.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ClientJwtVerifier: Send + Sync {
    /// Checks the signature of the compact JWS `jwt` with `client`'s keys. `allowed` is the
    /// algorithm allow-list (`none` is never accepted whatever it says); `typ`, when given,
    /// must equal the header's `typ` (compared case-insensitively, `application/` prefix
    /// optional, RFC 7515 §4.1.9).
    async fn verify<'a>(
        &self,
        client: &Client,
        jwt: &str,
        allowed: &[&'a str],
        typ: Option<&'a str>,
    ) -> Result<VerifiedClientJwt, ClientJwtError>;
}
