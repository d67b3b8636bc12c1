//! The JSON of RFC 7591 §2/§3.2.1 and RFC 7592 §3: client metadata in, client information out.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tessera_application::services::{ClientInformation, ClientMetadataRequest};
use tessera_domain::{ClientMetadata, RedirectUri};
use utoipa::ToSchema;

/// Client metadata (RFC 7591 §2; OIDC Registration `application_type`,
/// `post_logout_redirect_uris`). Unknown members are ignored (RFC 7591 §3.1).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ClientMetadataBody {
    /// Where codes may be sent; required for `authorization_code`.
    #[serde(default)]
    redirect_uris: Vec<String>,
    /// `none`, `client_secret_basic` (default) or `client_secret_post`.
    token_endpoint_auth_method: Option<String>,
    /// Default `["authorization_code"]`; `implicit` and `password` are refused.
    grant_types: Option<Vec<String>>,
    /// `["code"]` with `authorization_code`, else empty.
    response_types: Option<Vec<String>>,
    /// `web` or `native`; without it, a client whose redirect URIs are all loopback `http`
    /// or private-use schemes is `native`, any other `web`.
    application_type: Option<String>,
    /// Shown to people on the consent page.
    client_name: Option<String>,
    /// Space-separated; default every scope registrable here.
    scope: Option<String>,
    /// https only.
    client_uri: Option<String>,
    /// https only.
    logo_uri: Option<String>,
    /// https only.
    tos_uri: Option<String>,
    /// https only.
    policy_uri: Option<String>,
    /// Email addresses.
    #[serde(default)]
    contacts: Vec<String>,
    /// Identifies the software across instances.
    software_id: Option<String>,
    /// Its version.
    software_version: Option<String>,
    /// Where RP-initiated logout may return to.
    #[serde(default)]
    post_logout_redirect_uris: Vec<String>,
    /// Update only: the client's id.
    client_id: Option<String>,
    /// Update only: if sent, the client's secret.
    #[schema(value_type = Option<String>)]
    client_secret: Option<SecretString>,
}

impl From<ClientMetadataBody> for ClientMetadataRequest {
    fn from(b: ClientMetadataBody) -> Self {
        Self {
            redirect_uris: b.redirect_uris,
            post_logout_redirect_uris: b.post_logout_redirect_uris,
            token_endpoint_auth_method: b.token_endpoint_auth_method,
            grant_types: b.grant_types,
            response_types: b.response_types,
            application_type: b.application_type,
            client_name: b.client_name,
            scope: b.scope,
            metadata: ClientMetadata {
                client_uri: b.client_uri,
                logo_uri: b.logo_uri,
                tos_uri: b.tos_uri,
                policy_uri: b.policy_uri,
                contacts: b.contacts,
                software_id: b.software_id,
                software_version: b.software_version,
            },
            client_id: b.client_id,
            client_secret: b.client_secret,
        }
    }
}

/// The client information response (RFC 7591 §3.2.1, RFC 7592 §3).
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientInformationBody {
    client_id: String,
    /// At registration of a confidential client only: shown once, stored as a hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
    client_id_issued_at: i64,
    /// `0`: the secret does not expire (present for confidential clients).
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret_expires_at: Option<i64>,
    /// For `/register/{client_id}`; a new one in every answer, the previous one stops working.
    registration_access_token: String,
    registration_client_uri: String,
    client_name: String,
    redirect_uris: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    post_logout_redirect_uris: Vec<String>,
    token_endpoint_auth_method: &'static str,
    grant_types: Vec<&'static str>,
    response_types: Vec<&'static str>,
    application_type: &'static str,
    scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    logo_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tos_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy_uri: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    contacts: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    software_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    software_version: Option<String>,
}

impl ClientInformationBody {
    /// The answer for `info`, managed at `registration_client_uri`.
    pub fn new(info: ClientInformation, registration_client_uri: String) -> Self {
        let c = info.client;
        let uris = |u: &[RedirectUri]| u.iter().map(|u| u.as_str().to_owned()).collect();
        let confidential = !c.is_public();
        Self {
            client_id: c.id.as_str().to_owned(),
            client_secret: info
                .client_secret
                .as_ref()
                .map(|s: &SecretString| s.expose_secret().to_owned()),
            client_id_issued_at: c.created_at.as_secs(),
            client_secret_expires_at: confidential.then_some(0),
            registration_access_token: info.registration_access_token.expose_secret().to_owned(),
            registration_client_uri,
            client_name: c.name,
            redirect_uris: uris(&c.redirect_uris),
            post_logout_redirect_uris: uris(&c.post_logout_redirect_uris),
            token_endpoint_auth_method: c.auth_method.as_str(),
            grant_types: c.grant_types.iter().map(|g| g.as_str()).collect(),
            response_types: info.response_types,
            application_type: c.application_type.as_str(),
            scope: c.scope.to_string(),
            client_uri: c.metadata.client_uri,
            logo_uri: c.metadata.logo_uri,
            tos_uri: c.metadata.tos_uri,
            policy_uri: c.metadata.policy_uri,
            contacts: c.metadata.contacts,
            software_id: c.metadata.software_id,
            software_version: c.metadata.software_version,
        }
    }
}
