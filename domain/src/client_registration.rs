//! The rules a self-registered client's metadata must meet (RFC 7591 §2, RFC 8252, OIDC
//! Registration §2): stricter than an operator's, because nobody looked at it.
//!
//! `application_type` decides the redirect URIs: a `web` client uses `https` on a real host
//! only; a `native` one (RFC 8252 §7) loopback `http` on `127.0.0.1`/`[::1]` (any port),
//! private-use schemes in reverse-domain form (`com.example.app:/cb`) or claimed `https`.
//! Informational URIs are `https`, contacts are email addresses, every field is bounded.

use crate::{
    ApplicationType, ClientMetadata, Email, GrantType, RedirectUri, ResponseType,
    TokenEndpointAuthMethod,
};

/// Longest `software_id` / `software_version`, in characters.
pub const MAX_SOFTWARE_FIELD_CHARS: usize = 200;
/// Longest informational URI, in bytes.
pub const MAX_INFO_URI_CHARS: usize = 2000;
/// Most contacts one client may list.
pub const MAX_CONTACTS: usize = 10;
/// Most redirect URIs (and post-logout redirect URIs) one client may register.
pub const MAX_REDIRECT_URIS: usize = 20;

/// Why registered metadata is refused; [`RegistrationRuleError::is_redirect_uri`] tells the
/// `invalid_redirect_uri` cases from the `invalid_client_metadata` ones (RFC 7591 §3.2.2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationRuleError {
    /// A redirect URI not allowed for this application type.
    #[error("redirect URI {uri:?} is not allowed for a {app} client: {why}")]
    RedirectUri {
        /// The URI as given.
        uri: String,
        /// `web` or `native`.
        app: &'static str,
        /// Why.
        why: &'static str,
    },
    /// Too many redirect URIs.
    #[error("at most {MAX_REDIRECT_URIS} redirect URIs may be registered")]
    TooManyRedirectUris,
    /// An informational URI that is not an `https` URL.
    #[error("{field} must be an https URL of at most {MAX_INFO_URI_CHARS} characters")]
    InfoUri {
        /// The field at fault.
        field: &'static str,
    },
    /// A contact that is not an email address, or too many.
    #[error("contacts must be at most {MAX_CONTACTS} email addresses")]
    Contacts,
    /// A software field too long or with control characters.
    #[error("{field} must be 1 to {MAX_SOFTWARE_FIELD_CHARS} printable characters")]
    SoftwareField {
        /// The field at fault.
        field: &'static str,
    },
    /// A grant self-registered clients may not ask for (implicit, password, token exchange).
    #[error("grant type {0:?} cannot be registered here")]
    Grant(String),
    /// A response type other than `code`.
    #[error("response type {0:?} is not supported; only \"code\"")]
    ResponseType(String),
    /// `grant_types` and `response_types` disagree (RFC 7591 §2.1).
    #[error(
        "authorization_code needs response type \"code\", and \"code\" needs authorization_code"
    )]
    GrantResponseMismatch,
    /// A token endpoint auth method not offered at registration.
    #[error("token_endpoint_auth_method {0:?} is not supported at registration")]
    AuthMethod(String),
}

impl RegistrationRuleError {
    /// True for the refusals RFC 7591 answers with `invalid_redirect_uri`.
    pub fn is_redirect_uri(&self) -> bool {
        matches!(self, Self::RedirectUri { .. } | Self::TooManyRedirectUris)
    }
}

/// Checks a parsed redirect URI against what `app` may register (see the module doc).
pub fn check_redirect_uri(
    app: ApplicationType,
    uri: &RedirectUri,
) -> Result<(), RegistrationRuleError> {
    let s = uri.as_str();
    let refuse = |why| RegistrationRuleError::RedirectUri {
        uri: s.to_owned(),
        app: app.as_str(),
        why,
    };
    let (scheme, rest) = s.split_once(':').unwrap_or((s, ""));
    let host = rest
        .strip_prefix("//")
        .map(|after| {
            let end = after.find(['/', '?']).unwrap_or(after.len());
            let authority = after.get(..end).unwrap_or("");
            if authority.starts_with('[') {
                authority
                    .find(']')
                    .and_then(|i| authority.get(..=i))
                    .unwrap_or(authority)
            } else {
                authority.split(':').next().unwrap_or(authority)
            }
        })
        .unwrap_or("");
    let loopback_host =
        host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1" || host == "[::1]";
    match (app, scheme) {
        (_, "https") if loopback_host => Err(refuse("https on a loopback host is meaningless")),
        (_, "https") => Ok(()),
        (ApplicationType::Web, "http") => Err(refuse("web clients use https only")),
        (ApplicationType::Web, _) => Err(refuse("web clients use https only")),
        // RedirectUri::parse allows plain http only on the loopback IP literals.
        (ApplicationType::Native, "http") => Ok(()),
        (ApplicationType::Native, private) => {
            let reverse_domain =
                private.contains('.') && private.split('.').all(|label| !label.is_empty());
            if reverse_domain {
                Ok(())
            } else {
                Err(refuse(
                    "private-use schemes must be a reverse domain name such as com.example.app",
                ))
            }
        }
    }
}

/// Checks every redirect URI of a registration and their number.
pub fn check_redirect_uris(
    app: ApplicationType,
    uris: &[RedirectUri],
) -> Result<(), RegistrationRuleError> {
    if uris.len() > MAX_REDIRECT_URIS {
        return Err(RegistrationRuleError::TooManyRedirectUris);
    }
    uris.iter().try_for_each(|u| check_redirect_uri(app, u))
}

/// The grants a self-registered client may ask for: the code flow, refresh,
/// `client_credentials` and the device flow. `implicit` and `password` are gone in OAuth 2.1;
/// token exchange is an operator's policy decision.
pub fn parse_registered_grant(s: &str) -> Result<GrantType, RegistrationRuleError> {
    match GrantType::parse(s) {
        Ok(GrantType::TokenExchange) | Err(_) => Err(RegistrationRuleError::Grant(s.to_owned())),
        Ok(g) => Ok(g),
    }
}

/// `grant_types` and `response_types` agree: `code` exactly when `authorization_code`.
pub fn check_grants_and_response_types(
    grants: &[GrantType],
    response_types: &[String],
) -> Result<(), RegistrationRuleError> {
    for r in response_types {
        ResponseType::parse(r).map_err(|_| RegistrationRuleError::ResponseType(r.clone()))?;
    }
    let code = !response_types.is_empty();
    if code != grants.contains(&GrantType::AuthorizationCode) {
        return Err(RegistrationRuleError::GrantResponseMismatch);
    }
    Ok(())
}

/// The token endpoint auth methods offered at registration; `private_key_jwt` and
/// `client_secret_jwt` wait for client assertions (issue 15).
pub fn parse_registered_auth_method(
    s: &str,
) -> Result<TokenEndpointAuthMethod, RegistrationRuleError> {
    match TokenEndpointAuthMethod::parse(s) {
        Some(
            m @ (TokenEndpointAuthMethod::None
            | TokenEndpointAuthMethod::ClientSecretBasic
            | TokenEndpointAuthMethod::ClientSecretPost),
        ) => Ok(m),
        _ => Err(RegistrationRuleError::AuthMethod(s.to_owned())),
    }
}

/// An informational URI: an absolute `https` URL with a host, no fragment, bounded.
pub fn check_info_uri(field: &'static str, s: &str) -> Result<(), RegistrationRuleError> {
    let ok =
        s.len() <= MAX_INFO_URI_CHARS && s.starts_with("https://") && RedirectUri::parse(s).is_ok();
    if ok {
        Ok(())
    } else {
        Err(RegistrationRuleError::InfoUri { field })
    }
}

fn software_field(field: &'static str, v: &str) -> Result<(), RegistrationRuleError> {
    let ok = !v.trim().is_empty()
        && v.chars().count() <= MAX_SOFTWARE_FIELD_CHARS
        && !v.chars().any(char::is_control);
    if ok {
        Ok(())
    } else {
        Err(RegistrationRuleError::SoftwareField { field })
    }
}

impl ClientMetadata {
    /// Checks every informational field (see the module doc).
    pub fn validate(&self) -> Result<(), RegistrationRuleError> {
        let uris = [
            ("client_uri", &self.client_uri),
            ("logo_uri", &self.logo_uri),
            ("tos_uri", &self.tos_uri),
            ("policy_uri", &self.policy_uri),
        ];
        for (field, value) in uris {
            if let Some(v) = value {
                check_info_uri(field, v)?;
            }
        }
        if self.contacts.len() > MAX_CONTACTS
            || self.contacts.iter().any(|c| Email::parse(c).is_err())
        {
            return Err(RegistrationRuleError::Contacts);
        }
        if let Some(v) = &self.software_id {
            software_field("software_id", v)?;
        }
        if let Some(v) = &self.software_version {
            software_field("software_version", v)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
