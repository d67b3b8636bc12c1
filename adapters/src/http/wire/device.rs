//! RFC 8628 device authorization: the form `/device_authorization` reads and its answer.

use serde::Serialize;
use utoipa::ToSchema;

/// `POST /device_authorization` form body (RFC 8628 §3.1).
#[derive(ToSchema)]
pub struct DeviceAuthorizationRequest {
    /// Public clients name themselves; confidential ones authenticate as at `/token`.
    pub client_id: Option<String>,
    /// Space-separated scopes (a subset of the client's; all of them when absent).
    pub scope: Option<String>,
    /// Registered resources (RFC 8707) the tokens are meant for; may repeat.
    pub resource: Vec<String>,
}

/// RFC 8628 §3.2 device authorization response.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceAuthorizationResponse {
    /// What the device polls `/token` with.
    pub device_code: String,
    /// What the person types, `XXXX-XXXX`.
    pub user_code: String,
    /// The issuer's `/device` page.
    pub verification_uri: String,
    /// The same page with the code filled in.
    pub verification_uri_complete: String,
    /// Seconds both codes live.
    pub expires_in: i64,
    /// Seconds to wait between polls.
    pub interval: i64,
}
