//! What a client says about itself beyond the OAuth essentials (RFC 7591 §2), and how it came
//! to be known: registered by an operator, by itself (RFC 7591), or by a Client ID Metadata
//! Document it publishes.

/// RFC 7591 / OIDC Registration `application_type`: decides which redirect URIs are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ApplicationType {
    /// A web application: redirect URIs are `https` (loopback `http` only for development).
    #[default]
    Web,
    /// A native application (RFC 8252): loopback `http` and private-use URI schemes.
    Native,
}

impl ApplicationType {
    /// Parses the registration name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "web" => Some(Self::Web),
            "native" => Some(Self::Native),
            _ => None,
        }
    }

    /// The registration name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Native => "native",
        }
    }
}

/// How the client came to be known; clients nobody registered by hand are treated with more
/// caution (rate limits, clean-up, never skipping consent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ClientOrigin {
    /// Registered by an operator (CLI or admin API).
    #[default]
    Operator,
    /// Registered itself at `/register` (RFC 7591).
    Dynamic,
    /// Its `client_id` is the URL of a Client ID Metadata Document it publishes.
    MetadataDocument,
}

impl ClientOrigin {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Operator => "operator",
            Self::Dynamic => "dynamic",
            Self::MetadataDocument => "metadata_document",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "operator" => Some(Self::Operator),
            "dynamic" => Some(Self::Dynamic),
            "metadata_document" => Some(Self::MetadataDocument),
            _ => None,
        }
    }

    /// True for clients that registered themselves one way or another.
    pub fn is_self_registered(self) -> bool {
        self != Self::Operator
    }
}

/// The informational RFC 7591 §2 fields a client may register; shown to people, never trusted
/// for a security decision.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientMetadata {
    /// The client's home page.
    pub client_uri: Option<String>,
    /// Its logo.
    pub logo_uri: Option<String>,
    /// Its terms of service.
    pub tos_uri: Option<String>,
    /// Its privacy policy.
    pub policy_uri: Option<String>,
    /// People responsible for it (email addresses).
    pub contacts: Vec<String>,
    /// Identifies the client software across instances.
    pub software_id: Option<String>,
    /// The version of that software.
    pub software_version: Option<String>,
}
