//! Pushed authorization requests (RFC 9126): the client sends its authorization request
//! straight to the server, authenticated, and gets a `request_uri` that stands for it at
//! `/authorize` for a short time, once.

use crate::ports::{random_token, Clock, PushedRequest, PushedRequestRepository, RandomSource};
use crate::services::authorize::{ParamsOrigin, REQUEST_URI_PREFIX};
use crate::services::{AuthorizationResult, Authorize, AuthorizeError, AuthorizeParams};
use crate::{OAuthErrorCode, RepositoryError};
use std::sync::Arc;
use tessera_domain::{Client, TokenDigest};

/// How long a `request_uri` works when not configured (`par.request_uri_ttl_secs`).
pub const DEFAULT_REQUEST_URI_TTL_SECS: i64 = 60;

/// The answer to a pushed request (RFC 9126 §2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedAuthorizationResponse {
    /// `urn:ietf:params:oauth:request_uri:` and 256 random bits.
    pub request_uri: String,
    /// Seconds the `request_uri` works.
    pub expires_in: i64,
}

/// Why a pushed request was refused (RFC 9126 §2.3): the error `/authorize` would have sent.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The request is not acceptable.
    #[error("{code}: {description}")]
    Invalid {
        /// The protocol error.
        code: OAuthErrorCode,
        /// What is wrong.
        description: String,
    },
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl PushError {
    fn invalid(code: OAuthErrorCode, description: &str) -> Self {
        Self::Invalid {
            code,
            description: description.to_owned(),
        }
    }
}

/// The `/par` use case.
pub struct PushedAuthorization {
    authorize: Arc<Authorize>,
    requests: Arc<dyn PushedRequestRepository>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    ttl_secs: i64,
}

impl PushedAuthorization {
    /// Validates with `authorize` (the very checks `/authorize` makes), stores in `requests`;
    /// `request_uri`s work `ttl_secs` seconds.
    pub fn new(
        authorize: Arc<Authorize>,
        requests: Arc<dyn PushedRequestRepository>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn RandomSource>,
        ttl_secs: i64,
    ) -> Self {
        Self {
            authorize,
            requests,
            clock,
            rng,
            ttl_secs: ttl_secs.max(1),
        }
    }

    /// Pushes `params` for the authenticated `client`: its request object's parameters when
    /// it sent one (and then only those), validated as `/authorize` validates them, stored
    /// under the digest of a new `request_uri`.
    pub async fn push(
        &self,
        client: &Client,
        mut params: AuthorizeParams,
    ) -> Result<PushedAuthorizationResponse, PushError> {
        if params.request_uri.is_some() {
            return Err(PushError::invalid(
                OAuthErrorCode::InvalidRequest,
                "request_uri is not allowed in a pushed authorization request",
            ));
        }
        if params
            .client_id
            .as_deref()
            .is_some_and(|id| id != client.id.as_str())
        {
            return Err(PushError::invalid(
                OAuthErrorCode::InvalidRequest,
                "client_id differs from the authenticated client",
            ));
        }
        if let Some(jwt) = params.request.as_deref() {
            params = self
                .authorize
                .request_object(client, jwt)
                .await
                .map_err(|e| match e {
                    crate::services::RequestObjectError::Repository(r) => PushError::Repository(r),
                    e => {
                        log::info!("request object of {} refused: {e}", client.id.as_str());
                        PushError::invalid(OAuthErrorCode::InvalidRequestObject, &e.to_string())
                    }
                })?;
        }
        params.client_id = Some(client.id.as_str().to_owned());
        params.origin = ParamsOrigin::Pushed;
        self.authorize
            .validate(&params)
            .await
            .map_err(|e| match e {
                AuthorizeError::NotRedirectable(m) => {
                    PushError::invalid(OAuthErrorCode::InvalidRequest, &m)
                }
                AuthorizeError::Redirect(r) => match r.result {
                    AuthorizationResult::Error { code, description } => {
                        PushError::Invalid { code, description }
                    }
                    AuthorizationResult::Code(_) => PushError::invalid(
                        OAuthErrorCode::ServerError,
                        "unexpected validation result",
                    ),
                },
                AuthorizeError::Repository(r) => PushError::Repository(r),
            })?;
        let random = random_token(self.rng.as_ref(), 32);
        self.requests
            .insert(&PushedRequest {
                digest: TokenDigest::of(&random),
                client_id: client.id.clone(),
                params: params.pairs(),
                expires_at: self.clock.now().plus(self.ttl_secs),
            })
            .await?;
        Ok(PushedAuthorizationResponse {
            request_uri: format!("{REQUEST_URI_PREFIX}{random}"),
            expires_in: self.ttl_secs,
        })
    }
}

#[cfg(test)]
mod tests;
