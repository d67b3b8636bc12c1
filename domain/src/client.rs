//! OAuth clients (RFC 6749 §2) and the rules about what each may do.

use crate::{
    ApplicationType, ClientId, ClientMetadata, ClientOrigin, ClientSecurity, ClientSecurityError,
    GrantType, RedirectUri, ResourceIdentifier, ScopeError, ScopeSet, TokenDigest, UnixTime,
};

/// How a client proves its identity at the token endpoint (RFC 7591 §2 names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenEndpointAuthMethod {
    /// HTTP Basic with the form-urlencoded id and secret (RFC 6749 §2.3.1).
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
    /// A JWT signed with one of the client's registered keys (RFC 7523, OIDC Core §9).
    PrivateKeyJwt,
    /// A JWT MACed (HS256) with the client's secret (OIDC Core §9).
    ClientSecretJwt,
    /// A public client: no credentials, PKCE carries the proof.
    None,
}

impl TokenEndpointAuthMethod {
    /// Parses the RFC 7591 name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "client_secret_basic" => Some(Self::ClientSecretBasic),
            "client_secret_post" => Some(Self::ClientSecretPost),
            "private_key_jwt" => Some(Self::PrivateKeyJwt),
            "client_secret_jwt" => Some(Self::ClientSecretJwt),
            "none" => Some(Self::None),
            _ => None,
        }
    }

    /// The RFC 7591 name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::PrivateKeyJwt => "private_key_jwt",
            Self::ClientSecretJwt => "client_secret_jwt",
            Self::None => "none",
        }
    }
}

/// Why a client cannot be registered, or cannot do what it asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientRuleError {
    /// Names are shown to people on consent pages, so they are short and printable.
    #[error("client name must be 1 to 200 printable characters")]
    Name,
    /// A grant the client was not registered for (RFC 6749 `unauthorized_client`).
    #[error("this client may not use the {0} grant")]
    GrantNotAllowed(GrantType),
    /// `client_credentials` proves nothing without a secret (RFC 6749 §4.4).
    #[error("the client_credentials grant needs a confidential client")]
    PublicClientCredentials,
    /// A code flow needs somewhere to send the code.
    #[error("the authorization_code grant needs at least one redirect URI")]
    MissingRedirectUri,
    /// `none` is the method of public clients and of no one else.
    #[error(
        "public clients use token endpoint auth method 'none', confidential clients any other"
    )]
    AuthMethodMismatch,
    /// A client with no grants can do nothing.
    #[error("a client needs at least one grant type")]
    NoGrant,
    /// Scope outside what the client holds.
    #[error(transparent)]
    Scope(#[from] ScopeError),
    /// A FAPI 2.0 client must be confidential and authenticate with `private_key_jwt`.
    #[error("a client of profile fapi2 authenticates with private_key_jwt")]
    ProfileAuthMethod,
    /// The hardened-client fields (keys, URLs) are not acceptable.
    #[error(transparent)]
    Security(#[from] ClientSecurityError),
}

/// A registered client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// The client's identifier.
    pub id: ClientId,
    /// Name shown to people.
    pub name: String,
    /// SHA-256 of the secret; `None` for public clients.
    pub secret_digest: Option<TokenDigest>,
    /// How it authenticates at the token endpoint.
    pub auth_method: TokenEndpointAuthMethod,
    /// Grants it may use.
    pub grant_types: Vec<GrantType>,
    /// Where codes may be sent, compared exactly.
    pub redirect_uris: Vec<RedirectUri>,
    /// Where RP-initiated logout may return to.
    pub post_logout_redirect_uris: Vec<RedirectUri>,
    /// The most scope it may ever receive; also its default.
    pub scope: ScopeSet,
    /// A first-party client whose users are not asked for consent.
    pub skip_consent: bool,
    /// Sign-ins for this client need a second factor (`acr` `mfa` at least).
    pub require_mfa: bool,
    /// When it was registered.
    pub created_at: UnixTime,
    /// `web` or `native` (RFC 7591): which redirect URIs it may register.
    pub application_type: ApplicationType,
    /// Who registered it: an operator, itself (RFC 7591), or its metadata document.
    pub origin: ClientOrigin,
    /// Digest of the RFC 7592 `registration_access_token` of a dynamically registered client.
    pub registration_access_digest: Option<TokenDigest>,
    /// Informational RFC 7591 fields (home page, logo, contacts…).
    pub metadata: ClientMetadata,
    /// The audiences (registered resources) this client may ask for in a token exchange
    /// (RFC 8693); empty: it may exchange only for its own audience-free tokens.
    pub exchange_audiences: Vec<ResourceIdentifier>,
    /// Keys, PAR and DPoP requirements, back-channel logout, profile (the hardened clients).
    pub security: ClientSecurity,
}

impl Client {
    /// Checks the registration rules that span fields: the name, grants against client type,
    /// redirect URIs for code flows. Run before a client is stored.
    pub fn validate(&self) -> Result<(), ClientRuleError> {
        let name_ok = !self.name.trim().is_empty()
            && self.name.chars().count() <= 200
            && !self.name.chars().any(char::is_control);
        if !name_ok {
            return Err(ClientRuleError::Name);
        }
        self.security.validate()?;
        if !self.security.profile.allows_auth_method(self.auth_method) {
            return Err(ClientRuleError::ProfileAuthMethod);
        }
        match self.auth_method {
            // Key-authenticated clients hold no shared secret at all.
            TokenEndpointAuthMethod::PrivateKeyJwt => {
                if !self.security.jwks.is_registered() {
                    return Err(ClientSecurityError::MissingKeys.into());
                }
                if self.secret_digest.is_some() {
                    return Err(ClientRuleError::AuthMethodMismatch);
                }
            }
            TokenEndpointAuthMethod::ClientSecretJwt
                if self.secret_digest.is_none() || self.security.sealed_secret.is_none() =>
            {
                return Err(ClientSecurityError::MissingSealedSecret.into());
            }
            TokenEndpointAuthMethod::ClientSecretJwt => {}
            _ if self.is_public() != self.secret_digest.is_none() => {
                return Err(ClientRuleError::AuthMethodMismatch);
            }
            _ => {}
        }
        if self.grant_types.is_empty() {
            return Err(ClientRuleError::NoGrant);
        }
        if self.is_public() && self.grant_types.contains(&GrantType::ClientCredentials) {
            return Err(ClientRuleError::PublicClientCredentials);
        }
        if self.grant_types.contains(&GrantType::AuthorizationCode) && self.redirect_uris.is_empty()
        {
            return Err(ClientRuleError::MissingRedirectUri);
        }
        Ok(())
    }

    /// The profile this client is held to: its own or the server's, whichever is stricter.
    pub fn profile(&self, server: crate::SecurityProfile) -> crate::SecurityProfile {
        self.security.profile.max(server)
    }

    /// A public client has no credentials (RFC 6749 §2.1).
    pub fn is_public(&self) -> bool {
        self.auth_method == TokenEndpointAuthMethod::None
    }

    /// Fails with [`ClientRuleError::GrantNotAllowed`] unless the client registered `grant`.
    pub fn ensure_grant(&self, grant: GrantType) -> Result<(), ClientRuleError> {
        if grant == GrantType::ClientCredentials && self.is_public() {
            return Err(ClientRuleError::PublicClientCredentials);
        }
        if self.grant_types.contains(&grant) {
            Ok(())
        } else {
            Err(ClientRuleError::GrantNotAllowed(grant))
        }
    }

    /// The scope to grant for a request: a subset of the client's, or all of it by default.
    pub fn grant_scope(&self, requested: Option<&ScopeSet>) -> Result<ScopeSet, ClientRuleError> {
        Ok(self.scope.narrow_to(requested)?)
    }

    /// True when `presented` hashes to the stored secret digest, compared in constant time.
    pub fn secret_matches(&self, presented: &str) -> bool {
        self.secret_digest
            .as_ref()
            .is_some_and(|d| d.matches(presented))
    }
}

#[cfg(test)]
mod tests;
