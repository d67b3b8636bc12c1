//! Upstream identity providers: other OpenID Providers (or GitHub) people can sign in through.
//!
//! An [`Upstream`] is what an operator registers; an [`UpstreamIdentity`] links one person at
//! one upstream, named by the pair (upstream, `sub`), to one local account. The link is never
//! made from an email address alone (OIDC Core §5.7: only `iss` + `sub` identify a person).

use crate::{ScopeSet, UnixTime, UserId};
use std::fmt;

mod id_token_check;

pub use id_token_check::{
    check_id_token_claims, email_from_claims, ExpectedIdToken, IdTokenRejection,
    ID_TOKEN_MAX_AGE_SECS, ID_TOKEN_SKEW_SECS,
};

/// Why an upstream registration or link is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    /// Not a lowercase hyphenated UUID.
    #[error("an upstream id is a lowercase UUID")]
    Id,
    /// Names are shown on the login page.
    #[error("an upstream name must be 1 to 100 printable characters")]
    Name,
    /// The issuer must be an `https` URL (or `http` on a loopback host), without query or
    /// fragment (OIDC Discovery §4.3 compares it exactly).
    #[error("an issuer must be an https URL without query or fragment (http only on loopback)")]
    Issuer,
    /// A client id is 1 to 255 visible ASCII characters.
    #[error("a client id must be 1 to 255 visible ASCII characters")]
    ClientId,
    /// A claim name is 1 to 64 visible ASCII characters.
    #[error("a claim name must be 1 to 64 visible ASCII characters")]
    Claim,
    /// The kind is `oidc` or `github`.
    #[error("the kind must be \"oidc\" or \"github\"")]
    Kind,
    /// A `sub` is 1 to 255 characters (OIDC Core §2), no control characters.
    #[error("a subject must be 1 to 255 characters without control characters")]
    Subject,
}

/// An upstream's stable identifier, in its callback URL: a lowercase hyphenated UUID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UpstreamId(String);

impl UpstreamId {
    /// Parses a lowercase hyphenated UUID.
    pub fn parse(s: &str) -> Result<Self, UpstreamError> {
        UserId::parse(s)
            .map(|u| Self(u.as_str().to_owned()))
            .map_err(|_| UpstreamError::Id)
    }

    /// A new id from 16 random bytes (a version-4 UUID).
    pub fn from_random(bytes: [u8; 16]) -> Self {
        Self(UserId::from_random(bytes).as_str().to_owned())
    }

    /// The id as in URLs and rows.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UpstreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which protocol the upstream speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UpstreamKind {
    /// An OpenID Provider: discovery, an ID token checked per OIDC Core §3.1.3.7.
    Oidc,
    /// GitHub: OAuth 2.0 plus its user API, as it issues no ID token. The "issuer" is the
    /// web base (`https://github.com`); the API base is kept beside it.
    Github,
}

impl UpstreamKind {
    /// The stored and printed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Oidc => "oidc",
            Self::Github => "github",
        }
    }

    /// Parses `oidc` or `github`.
    pub fn parse(s: &str) -> Result<Self, UpstreamError> {
        match s {
            "oidc" => Ok(Self::Oidc),
            "github" => Ok(Self::Github),
            _ => Err(UpstreamError::Kind),
        }
    }
}

/// An upstream's issuer (or, for GitHub, a base URL): compared byte for byte with the `iss`
/// the upstream returns, so it is kept exactly as registered.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UpstreamIssuer(String);

impl UpstreamIssuer {
    /// `https://host[:port][/path]`, or `http` when the host is `localhost`, `127.0.0.1` or
    /// `[::1]`; no query, no fragment, no user info, visible ASCII only.
    pub fn parse(s: &str) -> Result<Self, UpstreamError> {
        if s.len() > 2000 || !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(UpstreamError::Issuer);
        }
        let (https, rest) = if let Some(rest) = s.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = s.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(UpstreamError::Issuer);
        };
        if s.contains(['?', '#']) {
            return Err(UpstreamError::Issuer);
        }
        let authority = rest.split('/').next().unwrap_or_default();
        if authority.is_empty() || authority.contains('@') || authority.starts_with(':') {
            return Err(UpstreamError::Issuer);
        }
        if !https {
            let host = if authority.starts_with('[') {
                authority.split(']').next().map(|h| format!("{h}]"))
            } else {
                authority.split(':').next().map(str::to_owned)
            }
            .unwrap_or_default();
            if !matches!(host.as_str(), "localhost" | "127.0.0.1" | "[::1]") {
                return Err(UpstreamError::Issuer);
            }
        }
        Ok(Self(s.to_owned()))
    }

    /// The issuer exactly as registered.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The issuer without a trailing slash, to append well-known paths to.
    pub fn base(&self) -> &str {
        self.0.trim_end_matches('/')
    }
}

/// Which claims of the upstream carry the person's email address and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimMapping {
    email: String,
    name: String,
}

impl Default for ClaimMapping {
    fn default() -> Self {
        Self {
            email: "email".into(),
            name: "name".into(),
        }
    }
}

impl ClaimMapping {
    /// A mapping; each claim name 1 to 64 visible ASCII characters.
    pub fn new(email: &str, name: &str) -> Result<Self, UpstreamError> {
        let ok =
            |c: &str| !c.is_empty() && c.len() <= 64 && c.bytes().all(|b| b.is_ascii_graphic());
        if ok(email) && ok(name) {
            Ok(Self {
                email: email.to_owned(),
                name: name.to_owned(),
            })
        } else {
            Err(UpstreamError::Claim)
        }
    }

    /// The claim holding the email address (default `email`).
    pub fn email(&self) -> &str {
        &self.email
    }

    /// The claim holding the display name (default `name`).
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Checks an upstream's display name: 1 to 100 code points, not blank, no control characters.
pub fn is_valid_upstream_name(name: &str) -> bool {
    !name.trim().is_empty() && name.chars().count() <= 100 && !name.chars().any(char::is_control)
}

/// Checks a client id we were given at an upstream.
pub fn is_valid_upstream_client_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 255 && id.bytes().all(|b| b.is_ascii_graphic())
}

/// A registered upstream identity provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// Its id, in the callback URL `/upstream/{id}/callback`.
    pub id: UpstreamId,
    /// Shown on the login page as "Sign in with {name}".
    pub name: String,
    /// The protocol.
    pub kind: UpstreamKind,
    /// The issuer (OIDC) or web base URL (GitHub).
    pub issuer: UpstreamIssuer,
    /// GitHub's API base (`https://api.github.com`); `None` for OIDC.
    pub api_base: Option<UpstreamIssuer>,
    /// Our client id at the upstream.
    pub client_id: String,
    /// Our client secret at the upstream, encrypted at rest (the id as associated data).
    pub sealed_secret: Vec<u8>,
    /// The scopes asked for; for OIDC always with `openid`.
    pub scope: ScopeSet,
    /// Which claims carry the email and name.
    pub claims: ClaimMapping,
    /// When it was registered.
    pub created_at: UnixTime,
}

/// A person at an upstream, the `sub` it gives them: 1 to 255 characters (OIDC Core §2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UpstreamSubject(String);

impl UpstreamSubject {
    /// Parses a subject.
    pub fn parse(s: &str) -> Result<Self, UpstreamError> {
        if s.is_empty() || s.len() > 255 || s.chars().any(char::is_control) {
            Err(UpstreamError::Subject)
        } else {
            Ok(Self(s.to_owned()))
        }
    }

    /// The subject as the upstream sends it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The link between a local account and a person at an upstream: (upstream, `sub`) → user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamIdentity {
    /// The upstream.
    pub upstream: UpstreamId,
    /// Who the person is there.
    pub subject: UpstreamSubject,
    /// The local account.
    pub user: UserId,
    /// The email the upstream gave at linking time, for the account page only.
    pub email: Option<String>,
    /// When the link was made.
    pub created_at: UnixTime,
}

#[cfg(test)]
mod tests;
