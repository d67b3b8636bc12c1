//! Every protocol error code Tessera writes on the wire, in one enum. Use cases say which code
//! they mean by naming a variant; the HTTP edge turns the variant into a status and a body.
//! No other place spells a code as a string.

use std::fmt;

/// An OAuth 2.x / OpenID Connect error code. `Display` (and [`OAuthErrorCode::as_str`]) is the
/// exact wire string of the RFC that defines it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OAuthErrorCode {
    // RFC 6749 §4.1.2.1 and §5.2
    /// The request is missing a parameter, repeats one or is otherwise malformed.
    InvalidRequest,
    /// Client authentication failed (RFC 6749 §5.2).
    InvalidClient,
    /// The grant (code, refresh token, credentials) is invalid, expired or revoked.
    InvalidGrant,
    /// The client may not use this grant or response type.
    UnauthorizedClient,
    /// The grant type is not supported by the server.
    UnsupportedGrantType,
    /// The response type is not supported by the server.
    UnsupportedResponseType,
    /// The requested scope is invalid, unknown or exceeds what was granted.
    InvalidScope,
    /// The resource owner or the server denied the request.
    AccessDenied,
    /// An unexpected condition; details go to the log only.
    ServerError,
    /// The server is overloaded or its store is down: retry later.
    TemporarilyUnavailable,
    // RFC 6750 §3.1
    /// The access token is expired, revoked, malformed or invalid.
    InvalidToken,
    /// The token lacks the scope the resource needs.
    InsufficientScope,
    // RFC 7009 §2.2.1
    /// The server cannot revoke tokens of the hinted type.
    UnsupportedTokenType,
    // RFC 7591 §3.2.2
    /// A redirect URI in the registration request is not acceptable.
    InvalidRedirectUri,
    /// A client metadata field is invalid.
    InvalidClientMetadata,
    /// The software statement is invalid.
    InvalidSoftwareStatement,
    /// The software statement is not approved here.
    UnapprovedSoftwareStatement,
    // RFC 8628 §3.5
    /// The user has not finished the device authorization yet.
    AuthorizationPending,
    /// The device is polling too fast.
    SlowDown,
    /// The device code has expired.
    ExpiredToken,
    // RFC 9449 §5, §8, §12.2
    /// The DPoP proof is missing, invalid or replayed.
    InvalidDpopProof,
    /// The client must retry with the server-provided DPoP nonce.
    UseDpopNonce,
    // RFC 8707 §2
    /// The requested resource is invalid, unknown or not allowed.
    InvalidTarget,
    // RFC 9470 §3
    /// The authentication event does not meet the resource's requirements.
    InsufficientUserAuthentication,
    // OpenID Connect Core 1.0 §3.1.2.6
    /// The user must interact with the server, which `prompt=none` forbids.
    InteractionRequired,
    /// The user must sign in, which `prompt=none` forbids.
    LoginRequired,
    /// The user must choose an account, which `prompt=none` forbids.
    AccountSelectionRequired,
    /// The user must consent, which `prompt=none` forbids.
    ConsentRequired,
    /// The `request_uri` is invalid or unknown (also RFC 9126).
    InvalidRequestUri,
    /// The request object is invalid (also RFC 9101).
    InvalidRequestObject,
    /// The `request` parameter is not supported.
    RequestNotSupported,
    /// The `request_uri` parameter is not supported.
    RequestUriNotSupported,
    /// The `registration` parameter is not supported.
    RegistrationNotSupported,
    // Tessera's own codes, in the same shape, for answers no RFC names.
    /// No such endpoint or resource (`404`).
    NotFound,
    /// The caller is over a rate limit (`429`).
    TooManyRequests,
    /// The email and password (or current password) do not match an account.
    InvalidCredentials,
    /// The account is locked after too many failed sign-ins.
    AccountLocked,
    /// A key rotation was asked for too soon after the previous one.
    RotationTooSoon,
    /// The server is up but cannot serve yet or any more (`/readyz` answering `503`).
    NotReady,
    /// The password was right; the account's second factor is due (`/users/login`, with an
    /// `mfa_token` to finish at `/users/login/mfa`).
    MfaRequired,
    /// The change needs something the account does not have or already has (TOTP already on,
    /// no enrolment to confirm…) (`409`).
    Conflict,
}

impl OAuthErrorCode {
    /// Every code, for tests and for the API description.
    pub const ALL: [OAuthErrorCode; 41] = [
        Self::InvalidRequest,
        Self::InvalidClient,
        Self::InvalidGrant,
        Self::UnauthorizedClient,
        Self::UnsupportedGrantType,
        Self::UnsupportedResponseType,
        Self::InvalidScope,
        Self::AccessDenied,
        Self::ServerError,
        Self::TemporarilyUnavailable,
        Self::InvalidToken,
        Self::InsufficientScope,
        Self::UnsupportedTokenType,
        Self::InvalidRedirectUri,
        Self::InvalidClientMetadata,
        Self::InvalidSoftwareStatement,
        Self::UnapprovedSoftwareStatement,
        Self::AuthorizationPending,
        Self::SlowDown,
        Self::ExpiredToken,
        Self::InvalidDpopProof,
        Self::UseDpopNonce,
        Self::InvalidTarget,
        Self::InsufficientUserAuthentication,
        Self::InteractionRequired,
        Self::LoginRequired,
        Self::AccountSelectionRequired,
        Self::ConsentRequired,
        Self::InvalidRequestUri,
        Self::InvalidRequestObject,
        Self::RequestNotSupported,
        Self::RequestUriNotSupported,
        Self::RegistrationNotSupported,
        Self::NotFound,
        Self::TooManyRequests,
        Self::InvalidCredentials,
        Self::AccountLocked,
        Self::RotationTooSoon,
        Self::NotReady,
        Self::MfaRequired,
        Self::Conflict,
    ];

    /// The wire string, exactly as the defining RFC spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
            Self::UnsupportedTokenType => "unsupported_token_type",
            Self::InvalidRedirectUri => "invalid_redirect_uri",
            Self::InvalidClientMetadata => "invalid_client_metadata",
            Self::InvalidSoftwareStatement => "invalid_software_statement",
            Self::UnapprovedSoftwareStatement => "unapproved_software_statement",
            Self::AuthorizationPending => "authorization_pending",
            Self::SlowDown => "slow_down",
            Self::ExpiredToken => "expired_token",
            Self::InvalidDpopProof => "invalid_dpop_proof",
            Self::UseDpopNonce => "use_dpop_nonce",
            Self::InvalidTarget => "invalid_target",
            Self::InsufficientUserAuthentication => "insufficient_user_authentication",
            Self::InteractionRequired => "interaction_required",
            Self::LoginRequired => "login_required",
            Self::AccountSelectionRequired => "account_selection_required",
            Self::ConsentRequired => "consent_required",
            Self::InvalidRequestUri => "invalid_request_uri",
            Self::InvalidRequestObject => "invalid_request_object",
            Self::RequestNotSupported => "request_not_supported",
            Self::RequestUriNotSupported => "request_uri_not_supported",
            Self::RegistrationNotSupported => "registration_not_supported",
            Self::NotFound => "not_found",
            Self::TooManyRequests => "too_many_requests",
            Self::InvalidCredentials => "invalid_credentials",
            Self::AccountLocked => "account_locked",
            Self::RotationTooSoon => "rotation_too_soon",
            Self::NotReady => "not_ready",
            Self::MfaRequired => "mfa_required",
            Self::Conflict => "conflict",
        }
    }
}

impl fmt::Display for OAuthErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for OAuthErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests;
