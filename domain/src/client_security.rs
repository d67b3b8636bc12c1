//! What a high-security client registered beyond the basics: its keys (RFC 7523, RFC 9101),
//! whether it must push its requests (RFC 9126) and bind its tokens (RFC 9449), where its
//! back-channel logout goes (OpenID Back-Channel Logout 1.0), and the profile it is held to.

/// Where a client's public keys come from (RFC 7591 `jwks` / `jwks_uri`: one or the other).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ClientJwks {
    /// No keys registered.
    #[default]
    None,
    /// A JWK Set document registered by value (the JSON text as given, public keys only).
    Inline(String),
    /// A JWK Set published by the client at this `https` URL, fetched through the guarded
    /// outbound client.
    Uri(String),
}

impl ClientJwks {
    /// True when the client registered keys one way or the other.
    pub fn is_registered(&self) -> bool {
        !matches!(self, Self::None)
    }
}

/// The security profile a client (or the whole server) is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SecurityProfile {
    /// OAuth 2.1 with Tessera's defaults.
    #[default]
    Standard,
    /// The FAPI 2.0 Security Profile: pushed requests, PKCE S256, `private_key_jwt`,
    /// DPoP-bound tokens, PS256/ES256/EdDSA only.
    Fapi2,
}

impl SecurityProfile {
    /// Parses the configuration / registration name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "standard" | "default" | "" => Some(Self::Standard),
            "fapi2" => Some(Self::Fapi2),
            _ => None,
        }
    }

    /// The configuration name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Fapi2 => "fapi2",
        }
    }

    /// The JWS algorithms accepted from clients (assertions, request objects, DPoP proofs):
    /// FAPI 2.0 §5.4 allows PS256, ES256 and EdDSA only.
    pub fn client_signing_algorithms(self) -> &'static [&'static str] {
        match self {
            Self::Standard => &["RS256", "PS256", "ES256", "EdDSA"],
            Self::Fapi2 => &["PS256", "ES256", "EdDSA"],
        }
    }

    /// Whether a client of this profile may authenticate with `method`: FAPI 2.0 §5.3.2.1
    /// admits confidential clients only, authenticated by key (`private_key_jwt`).
    pub fn allows_auth_method(self, method: crate::TokenEndpointAuthMethod) -> bool {
        match self {
            Self::Standard => true,
            Self::Fapi2 => method == crate::TokenEndpointAuthMethod::PrivateKeyJwt,
        }
    }

    /// Authorization requests must be pushed (RFC 9126) under FAPI 2.0.
    pub fn requires_par(self) -> bool {
        self == Self::Fapi2
    }

    /// Access tokens must be sender-constrained (DPoP, RFC 9449) under FAPI 2.0.
    pub fn requires_dpop(self) -> bool {
        self == Self::Fapi2
    }

    /// The stricter of two profiles: a client can raise the server's profile, never lower it.
    pub fn max(self, other: Self) -> Self {
        if self == Self::Fapi2 || other == Self::Fapi2 {
            Self::Fapi2
        } else {
            Self::Standard
        }
    }
}

/// The hardened-client registration of one client. Every field defaults to "off", which is
/// what every client registered before these features had.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientSecurity {
    /// Keys for `private_key_jwt` assertions and signed request objects.
    pub jwks: ClientJwks,
    /// `require_pushed_authorization_requests` (RFC 9126 §6).
    pub require_par: bool,
    /// `dpop_bound_access_tokens` (RFC 9449 §5.2): requests without a DPoP proof are refused.
    pub require_dpop: bool,
    /// `backchannel_logout_uri`: where logout tokens are POSTed.
    pub backchannel_logout_uri: Option<String>,
    /// `backchannel_logout_session_required`: logout tokens must carry `sid`.
    pub backchannel_logout_session_required: bool,
    /// The profile this client is held to on top of the server's.
    pub profile: SecurityProfile,
    /// For `client_secret_jwt` only: the secret sealed (AEAD) so the HMAC can be checked; every
    /// other client stores only the secret's digest.
    pub sealed_secret: Option<Vec<u8>>,
}

/// Why a client's hardened registration is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientSecurityError {
    /// `private_key_jwt` without keys to check the assertions with.
    #[error("private_key_jwt needs jwks or jwks_uri")]
    MissingKeys,
    /// `client_secret_jwt` without a secret that can be recovered for the HMAC.
    #[error("client_secret_jwt needs a secret")]
    MissingSealedSecret,
    /// A `jwks_uri` or `backchannel_logout_uri` that is not an absolute https URL (http only on
    /// loopback, for development), or carries a fragment.
    #[error("{0} must be an absolute https URL without a fragment")]
    Url(&'static str),
    /// A `jwks` value that is not a JWK Set of public keys.
    #[error("jwks must be a JSON object with a \"keys\" array of public keys")]
    Jwks,
}

impl ClientSecurity {
    /// Checks the fields on their own (the auth method rules live in
    /// [`crate::Client::validate`]).
    pub fn validate(&self) -> Result<(), ClientSecurityError> {
        match &self.jwks {
            ClientJwks::Uri(u) if !is_https_url(u) => {
                return Err(ClientSecurityError::Url("jwks_uri"))
            }
            ClientJwks::Inline(doc) if !is_public_jwk_set(doc) => {
                return Err(ClientSecurityError::Jwks)
            }
            _ => {}
        }
        if let Some(u) = &self.backchannel_logout_uri {
            if !is_https_url(u) {
                return Err(ClientSecurityError::Url("backchannel_logout_uri"));
            }
        }
        Ok(())
    }
}

/// An absolute `https` URL without a fragment, or `http` on a loopback host (development).
pub fn is_https_url(s: &str) -> bool {
    if s.len() > 2000 || s.contains('#') || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let rest = if let Some(r) = s.strip_prefix("https://") {
        r
    } else if let Some(r) = s.strip_prefix("http://") {
        let host = r.split(['/', '?']).next().unwrap_or("");
        let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
        let bare = if host.starts_with('[') {
            host.split(']')
                .next()
                .map(|h| format!("{h}]"))
                .unwrap_or_default()
        } else {
            host.split(':').next().unwrap_or("").to_owned()
        };
        if !matches!(bare.as_str(), "localhost" | "127.0.0.1" | "[::1]") {
            return false;
        }
        r
    } else {
        return false;
    };
    !rest.is_empty() && !rest.starts_with('/')
}

/// A JSON object with a `keys` array whose members are objects with a `kty` and no private
/// members (`d`, `p`, `q`, `dp`, `dq`, `qi`, `k`).
fn is_public_jwk_set(doc: &str) -> bool {
    let Ok(serde_json::Value::Object(set)) = serde_json::from_str::<serde_json::Value>(doc) else {
        return false;
    };
    let Some(serde_json::Value::Array(keys)) = set.get("keys") else {
        return false;
    };
    keys.iter().all(|k| {
        k.as_object().is_some_and(|k| {
            k.get("kty").is_some_and(|t| t.is_string())
                && !["d", "p", "q", "dp", "dq", "qi", "k"]
                    .iter()
                    .any(|m| k.contains_key(*m))
        })
    })
}

#[cfg(test)]
mod tests;
