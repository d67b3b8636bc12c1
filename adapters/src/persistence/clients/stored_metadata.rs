//! The `metadata` column of `clients`.

use tessera_application::RepositoryError;
use tessera_domain::ClientMetadata;

/// The `metadata` column: the informational RFC 7591 fields as one JSON object, absent
/// members left out.
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
}

impl StoredMetadata {
    pub(super) fn to_json(m: &ClientMetadata) -> Result<String, RepositoryError> {
        serde_json::to_string(&Self {
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

    pub(super) fn into_domain(self) -> ClientMetadata {
        ClientMetadata {
            client_uri: self.client_uri,
            logo_uri: self.logo_uri,
            tos_uri: self.tos_uri,
            policy_uri: self.policy_uri,
            contacts: self.contacts,
            software_id: self.software_id,
            software_version: self.software_version,
        }
    }
}
