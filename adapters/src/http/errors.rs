//! The one place where use-case errors become HTTP responses (RFC 6749 §5.2 JSON).

use super::bearer::{BearerChallenge, MalformedAuthorization, REALM};
use super::wire::ErrorBody;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use std::borrow::Cow;
use std::fmt;
use tessera_application::errors::CryptoError;
use tessera_application::services::{
    AccountTokenError, AuthenticateClientError, DpopError, RevokeError, TokenError, UserInfoError,
};
use tessera_application::OAuthErrorCode;
use tessera_application::RepositoryError;

/// Seconds a client should wait before retrying when the database is unavailable.
const RETRY_AFTER_SECS: u64 = 5;

/// An error response in the shape every Tessera endpoint uses:
/// `{"error": "...", "error_description": "..."}` with `Cache-Control: no-store`.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: OAuthErrorCode,
    description: String,
    www_authenticate: Option<Box<str>>,
    retry_after: Option<u64>,
    /// A fresh server nonce for the `DPoP-Nonce` header (RFC 9449 §8, §9).
    dpop_nonce: Option<Box<str>>,
    /// `Pragma: no-cache` next to `Cache-Control: no-store`. The RFC 6750 refusals have always
    /// been sent without it, and the wire output stays as it is.
    pragma: bool,
}

impl ApiError {
    pub(crate) fn new(
        status: StatusCode,
        code: OAuthErrorCode,
        description: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            description: tessera_application::errors::oauth_description(&description.into()),
            www_authenticate: None,
            retry_after: None,
            dpop_nonce: None,
            pragma: true,
        }
    }

    /// An RFC 6750 §3 refusal at a bearer-protected resource, with the `WWW-Authenticate`
    /// challenge. Without `code` the request carried no token: the challenge names no error
    /// (§3.1) and the body says `invalid_request`.
    pub fn bearer(status: StatusCode, code: Option<OAuthErrorCode>, description: &str) -> Self {
        let challenge = match code {
            Some(c) => BearerChallenge::new(REALM)
                .error(c)
                .description(description),
            None => BearerChallenge::new(REALM),
        };
        Self {
            www_authenticate: Some(challenge.header_value().into()),
            pragma: false,
            ..Self::new(
                status,
                code.unwrap_or(OAuthErrorCode::InvalidRequest),
                description,
            )
        }
    }

    /// A `401` refusal at a resource for a DPoP-bound token or its proof (RFC 9449 §7.1), with
    /// the `DPoP` challenge naming `code` and the accepted algorithms.
    pub fn dpop_challenge(code: OAuthErrorCode, description: &str, algs: &[&str]) -> Self {
        let challenge = BearerChallenge::dpop(REALM, algs)
            .error(code)
            .description(description);
        Self {
            www_authenticate: Some(challenge.header_value().into()),
            pragma: false,
            ..Self::new(StatusCode::UNAUTHORIZED, code, description)
        }
    }

    /// The same error carrying `DPoP-Nonce: nonce`, when nonces are configured.
    pub fn with_dpop_nonce(self, nonce: Option<String>) -> Self {
        Self {
            dpop_nonce: nonce.map(Into::into),
            ..self
        }
    }

    /// `401` for a bearer-protected resource called without a token.
    pub fn bearer_required() -> Self {
        Self::bearer(
            StatusCode::UNAUTHORIZED,
            None,
            "an access token is required",
        )
    }

    /// `401 insufficient_user_authentication` (RFC 9470 §3): the token's sign-in is older
    /// than `max_age` seconds allow for this request; sign in again.
    pub fn insufficient_user_authentication(max_age: i64) -> Self {
        let description = format!("sign in again: this needs a sign-in within {max_age} s");
        let challenge = BearerChallenge::new(REALM)
            .error(OAuthErrorCode::InsufficientUserAuthentication)
            .description(&description)
            .max_age(max_age);
        Self {
            www_authenticate: Some(challenge.header_value().into()),
            ..Self::new(
                StatusCode::UNAUTHORIZED,
                OAuthErrorCode::InsufficientUserAuthentication,
                description,
            )
        }
    }

    /// `400 invalid_request`.
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            OAuthErrorCode::InvalidRequest,
            description,
        )
    }

    /// `401 invalid_client` with a `WWW-Authenticate` challenge (RFC 6749 §5.2).
    pub fn invalid_client() -> Self {
        Self {
            www_authenticate: Some("Basic realm=\"tessera\", charset=\"UTF-8\"".into()),
            ..Self::new(
                StatusCode::UNAUTHORIZED,
                OAuthErrorCode::InvalidClient,
                "client authentication failed",
            )
        }
    }

    /// `400 unsupported_grant_type`.
    pub fn unsupported_grant_type(grant: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            OAuthErrorCode::UnsupportedGrantType,
            format!("grant_type {grant:?} is not supported"),
        )
    }

    /// `413` for bodies over the limit.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            OAuthErrorCode::InvalidRequest,
            format!("request body exceeds {limit} bytes"),
        )
    }

    /// `404` for unknown paths.
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            OAuthErrorCode::NotFound,
            "no such endpoint",
        )
    }

    /// `405` for a known path with the wrong method.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            OAuthErrorCode::InvalidRequest,
            "method not allowed on this endpoint",
        )
    }

    /// `503 temporarily_unavailable` with `Retry-After`: fail closed.
    pub fn unavailable() -> Self {
        Self {
            retry_after: Some(RETRY_AFTER_SECS),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                OAuthErrorCode::TemporarilyUnavailable,
                "the service is temporarily unavailable, retry later",
            )
        }
    }

    /// The same error with `Retry-After: secs`.
    pub fn with_retry_after(self, secs: u64) -> Self {
        Self {
            retry_after: Some(secs.max(1)),
            ..self
        }
    }

    /// `429` for a client over its rate limit, with the seconds to wait.
    pub fn rate_limited(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                OAuthErrorCode::TooManyRequests,
                "too many requests from this address, retry later",
            )
        }
    }

    /// `500 server_error`. The detail goes to the log, not to the client.
    pub fn server_error(detail: &dyn fmt::Display) -> Self {
        log::error!("internal error: {detail}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            OAuthErrorCode::ServerError,
            "the server could not complete the request",
        )
    }

    /// The OAuth error code.
    pub fn code(&self) -> OAuthErrorCode {
        self.code
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.description)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        if let Some(challenge) = &self.www_authenticate {
            res.insert_header((header::WWW_AUTHENTICATE, &**challenge));
        }
        res.insert_header((header::CACHE_CONTROL, "no-store"));
        if self.pragma {
            res.insert_header((header::PRAGMA, "no-cache"));
        }
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if let Some(nonce) = &self.dpop_nonce {
            res.insert_header((super::dpop::DPOP_NONCE_HEADER, &**nonce));
        }
        res.json(ErrorBody {
            error: self.code,
            error_description: Cow::Borrowed(&self.description),
        })
    }
}

impl From<RepositoryError> for ApiError {
    fn from(e: RepositoryError) -> Self {
        match e {
            RepositoryError::Unavailable => Self::unavailable(),
            other => Self::server_error(&other),
        }
    }
}

impl From<AuthenticateClientError> for ApiError {
    fn from(e: AuthenticateClientError) -> Self {
        match e {
            AuthenticateClientError::InvalidClient => Self::invalid_client(),
            AuthenticateClientError::Repository(r) => r.into(),
        }
    }
}

impl From<CryptoError> for ApiError {
    fn from(e: CryptoError) -> Self {
        Self::server_error(&e)
    }
}

impl From<TokenError> for ApiError {
    fn from(e: TokenError) -> Self {
        match e {
            TokenError::Crypto(c) => c.into(),
            TokenError::Repository(r) => r.into(),
            TokenError::Dpop(DpopError::Repository(r)) => r.into(),
            other => match other.code() {
                OAuthErrorCode::ServerError => Self::server_error(&other),
                code => Self::new(StatusCode::BAD_REQUEST, code, other.to_string()),
            },
        }
    }
}

impl From<RevokeError> for ApiError {
    fn from(e: RevokeError) -> Self {
        match e {
            RevokeError::NotOwner => Self::new(
                StatusCode::BAD_REQUEST,
                OAuthErrorCode::UnauthorizedClient,
                "the token was not issued to this client",
            ),
            RevokeError::Repository(r) => r.into(),
        }
    }
}

impl From<MalformedAuthorization> for ApiError {
    fn from(e: MalformedAuthorization) -> Self {
        Self::bearer(
            StatusCode::BAD_REQUEST,
            Some(OAuthErrorCode::InvalidRequest),
            &e.to_string(),
        )
    }
}

impl From<UserInfoError> for ApiError {
    fn from(e: UserInfoError) -> Self {
        match e {
            UserInfoError::InvalidToken => Self::bearer(
                StatusCode::UNAUTHORIZED,
                Some(OAuthErrorCode::InvalidToken),
                "the access token is not valid",
            ),
            UserInfoError::InsufficientScope => Self::bearer(
                StatusCode::FORBIDDEN,
                Some(OAuthErrorCode::InsufficientScope),
                "the openid scope is required",
            ),
            UserInfoError::BoundTokenAsBearer | UserInfoError::Dpop(_) => {
                let description = e.to_string();
                Self::dpop_challenge(e.code(), &description, &tessera_domain::DPOP_ALGORITHMS)
            }
            UserInfoError::Repository(r) => r.into(),
        }
    }
}

impl From<AccountTokenError> for ApiError {
    fn from(e: AccountTokenError) -> Self {
        match e {
            AccountTokenError::InvalidToken => Self::bearer(
                StatusCode::UNAUTHORIZED,
                Some(OAuthErrorCode::InvalidToken),
                "the access token is not valid",
            ),
            AccountTokenError::InsufficientScope => Self::bearer(
                StatusCode::FORBIDDEN,
                Some(OAuthErrorCode::InsufficientScope),
                "an access token from /users/login with the account scope is required",
            ),
            AccountTokenError::Repository(r) => r.into(),
        }
    }
}

#[cfg(test)]
mod tests;
