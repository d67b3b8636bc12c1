//! The `metadata` column of `clients`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use tessera_application::RepositoryError;
use tessera_domain::{ClientJwks, ClientMetadata, ClientSecurity, SecurityProfile};

/// The `metadata` column: the informational RFC 7591 fields and the hardened-client
/// registration (keys, PAR, DPoP, back-channel logout, profile) as one JSON object, absent
/// members left out. One JSON column rather than new columns: diesel's table size is 16
/// columns and `clients` has them all; none of these fields is ever a query predicate.
#[derive(serde::Serialize, serde::Deserialize, Default)]
pub(super) struct StoredMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    logo_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tos_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    policy_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    contacts: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    software_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    software_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jwks: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jwks_uri: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    require_par: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    require_dpop: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    backchannel_logout_uri: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    backchannel_logout_session_required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    profile: Option<String>,
    /// Base64 of the AEAD-sealed secret of a `client_secret_jwt` client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed_secret: Option<String>,
}

impl StoredMetadata {
    pub(super) fn to_json(
        m: &ClientMetadata,
        sec: &ClientSecurity,
    ) -> Result<String, RepositoryError> {
        let (jwks, jwks_uri) = match &sec.jwks {
            ClientJwks::None => (None, None),
            ClientJwks::Inline(doc) => (Some(doc.clone()), None),
            ClientJwks::Uri(uri) => (None, Some(uri.clone())),
        };
        serde_json::to_string(&Self {
            jwks,
            jwks_uri,
            require_par: sec.require_par,
            require_dpop: sec.require_dpop,
            backchannel_logout_uri: sec.backchannel_logout_uri.clone(),
            backchannel_logout_session_required: sec.backchannel_logout_session_required,
            profile: (sec.profile != SecurityProfile::Standard)
                .then(|| sec.profile.as_str().into()),
            sealed_secret: sec.sealed_secret.as_ref().map(|b| STANDARD.encode(b)),
            client_uri: m.client_uri.clone(),
            logo_uri: m.logo_uri.clone(),
            tos_uri: m.tos_uri.clone(),
            policy_uri: m.policy_uri.clone(),
            contacts: m.contacts.clone(),
            software_id: m.software_id.clone(),
            software_version: m.software_version.clone(),
        })
        .map_err(RepositoryError::other)
    }

    /// The stored fields, or why they are corrupt.
    pub(super) fn into_domain(self) -> Result<(ClientMetadata, ClientSecurity), String> {
        let jwks = match (self.jwks, self.jwks_uri) {
            (None, None) => ClientJwks::None,
            (Some(doc), None) => ClientJwks::Inline(doc),
            (None, Some(uri)) => ClientJwks::Uri(uri),
            (Some(_), Some(_)) => return Err("both jwks and jwks_uri".into()),
        };
        let profile = match self.profile.as_deref() {
            None => SecurityProfile::Standard,
            Some(p) => SecurityProfile::parse(p).ok_or_else(|| format!("unknown profile {p:?}"))?,
        };
        let sealed_secret = match self.sealed_secret {
            None => None,
            Some(b) => Some(
                STANDARD
                    .decode(b)
                    .map_err(|e| format!("sealed_secret: {e}"))?,
            ),
        };
        let security = ClientSecurity {
            jwks,
            require_par: self.require_par,
            require_dpop: self.require_dpop,
            backchannel_logout_uri: self.backchannel_logout_uri,
            backchannel_logout_session_required: self.backchannel_logout_session_required,
            profile,
            sealed_secret,
        };
        let metadata = ClientMetadata {
            client_uri: self.client_uri,
            logo_uri: self.logo_uri,
            tos_uri: self.tos_uri,
            policy_uri: self.policy_uri,
            contacts: self.contacts,
            software_id: self.software_id,
            software_version: self.software_version,
        };
        Ok((metadata, security))
    }
}
