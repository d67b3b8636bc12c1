//! [`UpstreamProvider`] over the guarded [`OutboundClient`]: discovery documents (cached per
//! issuer in a bounded moka cache), the token endpoint, the upstream's key sets (the same
//! cache as clients' `jwks_uri`, with one refetch on an unknown `kid`), and GitHub's user API.

use super::metadata_documents::{DEFAULT_LIFETIME, MAX_LIFETIME, MIN_LIFETIME};
use super::{OutboundClient, OutboundError};
use crate::crypto::client_jwt::{split, verify_with_set, Alg};
use crate::crypto::jws_header::B64;
use crate::crypto::ClientKeySets;
use async_trait::async_trait;
use base64::Engine;
use moka::future::Cache;
use moka::Expiry;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tessera_application::ports::{
    ClientJwtError, GithubProfile, UpstreamCallError, UpstreamMetadata, UpstreamProvider,
    UpstreamTokens,
};
use tessera_domain::{Upstream, UpstreamKind};

/// The largest discovery document, token answer or API answer accepted.
const MAX_DOCUMENT_BYTES: usize = 64 * 1024;
/// The ID token algorithms accepted: asymmetric only (no `none`, no HMAC with our secret).
const ID_TOKEN_ALGS: [&str; 10] = [
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
];

#[derive(Debug)]
struct CachedMetadata {
    value: UpstreamMetadata,
    lifetime: Duration,
}

struct MetadataLifetime;

impl Expiry<String, Arc<CachedMetadata>> for MetadataLifetime {
    fn expire_after_create(
        &self,
        _key: &String,
        value: &Arc<CachedMetadata>,
        _created_at: Instant,
    ) -> Option<Duration> {
        Some(value.lifetime)
    }
}

/// Talks to upstream identity providers.
#[derive(Clone)]
pub struct OutboundUpstreamProvider {
    client: OutboundClient,
    metadata: Cache<String, Arc<CachedMetadata>>,
    keys: ClientKeySets,
}

impl OutboundUpstreamProvider {
    /// Over `client`, with empty caches.
    pub fn new(client: OutboundClient) -> Self {
        let metadata = Cache::builder()
            .max_capacity(1_000)
            .expire_after(MetadataLifetime)
            .build();
        Self {
            keys: ClientKeySets::new(client.clone()),
            client,
            metadata,
        }
    }

    async fn load_metadata(&self, issuer: &str) -> Result<Arc<CachedMetadata>, OutboundError> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let fetched = self.client.get_json(&url, MAX_DOCUMENT_BYTES).await?;
        let doc = &fetched.value;
        let text = |k: &str| doc.get(k).and_then(Value::as_str).map(str::to_owned);
        let value = UpstreamMetadata {
            issuer: text("issuer").unwrap_or_default(),
            authorization_endpoint: text("authorization_endpoint").unwrap_or_default(),
            token_endpoint: text("token_endpoint").unwrap_or_default(),
            jwks_uri: text("jwks_uri"),
            iss_parameter_supported: doc
                .get("authorization_response_iss_parameter_supported")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        };
        let lifetime = fetched
            .cache
            .lifetime(DEFAULT_LIFETIME, MIN_LIFETIME, MAX_LIFETIME);
        Ok(Arc::new(CachedMetadata { value, lifetime }))
    }
}

/// An outbound failure: the upstream being down (or refusing with 5xx) is `Unreachable`; a
/// 4xx or an unusable body is `Invalid`.
fn outbound(e: OutboundError) -> UpstreamCallError {
    match e {
        OutboundError::Status(s) if s < 500 => UpstreamCallError::Invalid(e.to_string()),
        OutboundError::NotJson(_) | OutboundError::TooLarge(_) => {
            UpstreamCallError::Invalid(e.to_string())
        }
        other => UpstreamCallError::Unreachable(other.to_string()),
    }
}

fn jwt_error(e: ClientJwtError) -> UpstreamCallError {
    match e {
        ClientJwtError::KeysUnavailable(why) => UpstreamCallError::Unreachable(why),
        other => UpstreamCallError::Signature(other.to_string()),
    }
}

#[async_trait]
impl UpstreamProvider for OutboundUpstreamProvider {
    async fn metadata(&self, upstream: &Upstream) -> Result<UpstreamMetadata, UpstreamCallError> {
        if upstream.kind != UpstreamKind::Oidc {
            return Err(UpstreamCallError::Invalid(
                "no discovery for this kind".into(),
            ));
        }
        let issuer = upstream.issuer.as_str().to_owned();
        let cached = self
            .metadata
            .try_get_with(issuer.clone(), self.load_metadata(&issuer))
            .await
            .map_err(|e: Arc<OutboundError>| {
                log::warn!("discovery of upstream {issuer} failed: {e}");
                UpstreamCallError::Unreachable(e.to_string())
            })?;
        if cached.lifetime.is_zero() {
            self.metadata.invalidate(&issuer).await;
        }
        let m = cached.value.clone();
        if m.authorization_endpoint.is_empty() || m.token_endpoint.is_empty() {
            return Err(UpstreamCallError::Invalid(
                "the discovery document lacks its endpoints".into(),
            ));
        }
        Ok(m)
    }

    async fn redeem_code(
        &self,
        token_endpoint: &str,
        client_id: &str,
        client_secret: &SecretString,
        code: &str,
        redirect_uri: &str,
        code_verifier: &str,
    ) -> Result<UpstreamTokens, UpstreamCallError> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", code_verifier),
        ];
        let fetched = self
            .client
            .post_form_json(
                token_endpoint,
                &form,
                Some((client_id, client_secret.expose_secret())),
                MAX_DOCUMENT_BYTES,
            )
            .await
            .map_err(outbound)?;
        let doc = &fetched.value;
        if let Some(error) = doc.get("error").and_then(Value::as_str) {
            // GitHub answers 200 with an error body.
            return Err(UpstreamCallError::Invalid(format!(
                "the token endpoint answered {}",
                error.chars().take(64).collect::<String>()
            )));
        }
        let access_token = doc
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| UpstreamCallError::Invalid("no access_token".into()))?;
        Ok(UpstreamTokens {
            access_token: SecretString::from(access_token.to_owned()),
            id_token: doc
                .get("id_token")
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
    }

    async fn verify_id_token(
        &self,
        jwks_uri: &str,
        id_token: &str,
    ) -> Result<Map<String, Value>, UpstreamCallError> {
        let jws = split(id_token).map_err(jwt_error)?;
        let header = &jws.header;
        if !ID_TOKEN_ALGS.contains(&header.alg.as_str()) {
            return Err(UpstreamCallError::Signature(format!(
                "algorithm {:?} is not accepted",
                header.alg.chars().take(16).collect::<String>()
            )));
        }
        let alg = Alg::parse(&header.alg)
            .filter(|a| !a.is_hmac())
            .ok_or_else(|| UpstreamCallError::Signature("unknown algorithm".into()))?;
        let kid = header.kid.as_deref();
        let set = self.keys.get(jwks_uri).await.map_err(jwt_error)?;
        match verify_with_set(&set, alg, kid, &jws) {
            Ok(()) => {}
            // A key we have not seen: the upstream may have rotated; fetch once more.
            Err(ClientJwtError::UnknownKey) => {
                let fresh = self
                    .keys
                    .refresh(jwks_uri)
                    .await
                    .map_err(jwt_error)?
                    .ok_or_else(|| UpstreamCallError::Signature("unknown key".into()))?;
                verify_with_set(&fresh, alg, kid, &jws).map_err(jwt_error)?;
            }
            Err(e) => return Err(jwt_error(e)),
        }
        let payload = B64
            .decode(jws.payload)
            .map_err(|_| UpstreamCallError::Signature("malformed payload".into()))?;
        serde_json::from_slice(&payload)
            .map_err(|_| UpstreamCallError::Signature("the payload is not a JSON object".into()))
    }

    async fn github_profile(
        &self,
        api_base: &str,
        access_token: &SecretString,
    ) -> Result<GithubProfile, UpstreamCallError> {
        let base = api_base.trim_end_matches('/');
        let token = access_token.expose_secret();
        let user = self
            .client
            .get_json_bearer(&format!("{base}/user"), token, MAX_DOCUMENT_BYTES)
            .await
            .map_err(outbound)?
            .value;
        let id = match user.get("id") {
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) => s.clone(),
            _ => return Err(UpstreamCallError::Invalid("no user id".into())),
        };
        let login = user
            .get("login")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let name = user.get("name").and_then(Value::as_str).map(str::to_owned);
        let emails = self
            .client
            .get_json_bearer(&format!("{base}/user/emails"), token, MAX_DOCUMENT_BYTES)
            .await
            .map_err(outbound)?
            .value;
        let verified_email = emails
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| {
                e.get("primary").and_then(Value::as_bool) == Some(true)
                    && e.get("verified").and_then(Value::as_bool) == Some(true)
            })
            .and_then(|e| e.get("email").and_then(Value::as_str))
            .map(str::to_owned);
        Ok(GithubProfile {
            id,
            login,
            name,
            verified_email,
        })
    }
}
