//! The one error body.

use serde::Serialize;
use tessera_application::OAuthErrorCode;
use utoipa::ToSchema;

/// The one error shape (RFC 6749 §5.2): every JSON error of every endpoint.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Error, example = json!({"error": OAuthErrorCode::InvalidRequest.as_str(), "error_description": "missing parameter \"token\""}))]
pub struct ErrorBody<'a> {
    /// Machine-readable code: `invalid_request`, `invalid_client`, `invalid_grant`,
    /// `unauthorized_client`, `unsupported_grant_type`, `invalid_scope`, `invalid_token`,
    /// `insufficient_scope`, `not_found`, `conflict`, `too_many_requests`,
    /// `temporarily_unavailable`, `server_error`, ...
    #[schema(value_type = String)]
    pub error: OAuthErrorCode,
    /// A human-readable explanation (ASCII, no secrets).
    #[schema(value_type = String)]
    pub error_description: std::borrow::Cow<'a, str>,
}
