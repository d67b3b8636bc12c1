//! Protected resources (RFC 8707): the APIs and MCP servers an access token can be meant for.
//!
//! A resource is named by an absolute URI without a fragment (RFC 8707 §2). Registering it
//! lets a client ask for a token whose `aud` is that URI and whose scope is cut to what the
//! resource defines, so a token stolen from one API is refused by every other.

use crate::{ClientId, ScopeSet, UnixTime};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Why a resource identifier or registration is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResourceError {
    /// Not an absolute URI (`scheme:rest`), or an `http(s)` URI without a host.
    #[error("a resource identifier must be an absolute URI")]
    NotAbsolute,
    /// RFC 8707 §2: "MUST NOT include a fragment component".
    #[error("a resource identifier must not contain a fragment")]
    Fragment,
    /// White space, control or non-ASCII characters: a URI is sent percent-encoded.
    #[error("a resource identifier contains characters that must be percent-encoded")]
    Characters,
    /// Longer than [`MAX_RESOURCE_CHARS`].
    #[error("a resource identifier is too long")]
    TooLong,
    /// Names are shown to people on consent pages.
    #[error("a resource name must be 1 to 200 printable characters")]
    Name,
}

/// The longest identifier accepted; longer ones are surely not an API's base URL.
pub const MAX_RESOURCE_CHARS: usize = 2000;

/// An RFC 8707 resource indicator: an absolute URI without a fragment, compared exactly.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceIdentifier(String);

impl ResourceIdentifier {
    /// Parses an identifier: `scheme ":" rest`, the scheme RFC 3986 §3.1 letters, no `#`, only
    /// visible ASCII; `http` and `https` identifiers must name a host.
    pub fn parse(s: &str) -> Result<Self, ResourceError> {
        if s.len() > MAX_RESOURCE_CHARS {
            return Err(ResourceError::TooLong);
        }
        if !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ResourceError::Characters);
        }
        if s.contains('#') {
            return Err(ResourceError::Fragment);
        }
        let (scheme, rest) = s.split_once(':').ok_or(ResourceError::NotAbsolute)?;
        let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !scheme_ok || rest.is_empty() {
            return Err(ResourceError::NotAbsolute);
        }
        if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") {
            let host = rest
                .strip_prefix("//")
                .map(|a| a.split(['/', '?']).next().unwrap_or_default())
                .unwrap_or_default();
            if host.is_empty() || host.starts_with(':') || host.contains('@') {
                return Err(ResourceError::NotAbsolute);
            }
        }
        Ok(Self(s.to_owned()))
    }

    /// The identifier as sent and as carried in `aud`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ResourceIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A registered protected resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// Its identifier, the `aud` of tokens meant for it.
    pub identifier: ResourceIdentifier,
    /// The name a person sees on the consent page.
    pub name: String,
    /// The scopes it defines; a token for it carries no other (`openid` and
    /// `offline_access` are the authorization server's own and are kept separately).
    pub scope: ScopeSet,
    /// When it was registered.
    pub created_at: UnixTime,
    /// The clients the resource server authenticates as: only they (and a token's own
    /// client) learn from `/introspect` about tokens meant for this resource.
    pub clients: Vec<ClientId>,
}

impl Resource {
    /// True when `client` speaks for this resource server.
    pub fn is_served_by(&self, client: &ClientId) -> bool {
        self.clients.contains(client)
    }

    /// Checks the name (the identifier is valid by construction).
    pub fn validate(&self) -> Result<(), ResourceError> {
        let ok = !self.name.trim().is_empty()
            && self.name.chars().count() <= 200
            && !self.name.chars().any(char::is_control);
        if ok {
            Ok(())
        } else {
            Err(ResourceError::Name)
        }
    }
}

/// The resources one token request named (RFC 8707 §2), looked up: empty when it named none.
/// It decides the access token's audience and cuts its scope.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResourceTarget(Vec<Resource>);

impl ResourceTarget {
    /// The target of a request that named no resource, for `static`s.
    pub const NONE: ResourceTarget = ResourceTarget(Vec::new());

    /// A target of these resources (duplicates removed, order kept).
    pub fn new(resources: Vec<Resource>) -> Self {
        let mut kept: Vec<Resource> = Vec::with_capacity(resources.len());
        for r in resources {
            if !kept.iter().any(|k| k.identifier == r.identifier) {
                kept.push(r);
            }
        }
        Self(kept)
    }

    /// True when the request named no resource: tokens are as without RFC 8707.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The resources named.
    pub fn resources(&self) -> &[Resource] {
        &self.0
    }

    /// Their identifiers, as stored on codes, refresh tokens and consents.
    pub fn identifiers(&self) -> Vec<ResourceIdentifier> {
        self.0.iter().map(|r| r.identifier.clone()).collect()
    }

    /// The access token's `aud`: the resources named, else `default` (the issuer's audience).
    pub fn audience(&self, default: &str) -> Audience {
        Audience::many(self.0.iter().map(|r| r.identifier.to_string()).collect())
            .unwrap_or_else(|| Audience::one(default))
    }

    /// The access token's scope: `scope` cut to what the named resources define; `scope`
    /// itself when none was named.
    pub fn cut_scope(&self, scope: &ScopeSet) -> ScopeSet {
        if self.0.is_empty() {
            return scope.clone();
        }
        let defined = self
            .0
            .iter()
            .fold(ScopeSet::default(), |acc, r| acc.union(&r.scope));
        scope.intersection(&defined)
    }

    /// The part of this target that `wanted` names, for a token request that narrows an
    /// earlier grant (RFC 8707 §2.2); `None` when `wanted` names a resource outside it.
    pub fn narrow_to(&self, wanted: &[ResourceIdentifier]) -> Option<ResourceTarget> {
        if wanted.is_empty() {
            return Some(self.clone());
        }
        let mut picked = Vec::with_capacity(wanted.len());
        for w in wanted {
            picked.push(self.0.iter().find(|r| &r.identifier == w)?.clone());
        }
        Some(Self::new(picked))
    }
}

/// The `aud` of an access token: one identifier (sent as a string) or several (an array),
/// as RFC 7519 §4.1.3 allows and RFC 8707 §2.2 asks for when several resources were named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience(Vec<String>);

impl Audience {
    /// An audience of one.
    pub fn one(aud: impl Into<String>) -> Self {
        Self(vec![aud.into()])
    }

    /// An audience of several; `None` when `auds` is empty (a token is always for someone).
    pub fn many(auds: Vec<String>) -> Option<Self> {
        if auds.is_empty() {
            None
        } else {
            Some(Self(auds))
        }
    }

    /// Every identifier.
    pub fn values(&self) -> &[String] {
        &self.0
    }

    /// True when `aud` is one of the identifiers.
    pub fn contains(&self, aud: &str) -> bool {
        self.0.iter().any(|a| a == aud)
    }
}

impl From<&str> for Audience {
    fn from(aud: &str) -> Self {
        Self::one(aud)
    }
}

impl From<String> for Audience {
    fn from(aud: String) -> Self {
        Self::one(aud)
    }
}

impl Serialize for Audience {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => s.serialize_str(one),
            many => many.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Audience {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OneOrMany {
            One(String),
            Many(Vec<String>),
        }
        match OneOrMany::deserialize(d)? {
            OneOrMany::One(a) => Ok(Self(vec![a])),
            OneOrMany::Many(v) => {
                Self::many(v).ok_or_else(|| serde::de::Error::custom("empty audience"))
            }
        }
    }
}

#[cfg(test)]
mod tests;
