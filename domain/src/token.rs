//! Tokens: signed access-token claims, and the opaque credentials stored only as digests.

use crate::{
    Audience, AuthMethods, ClientId, CodeChallenge, Confirmation, Nonce, RedirectUri,
    ResourceIdentifier, ScopeSet, UnixTime, UserId,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The SHA-256 of an opaque secret (client secret, code, refresh token). Only digests are
/// stored, so a database leak yields nothing usable; the secrets have full entropy, so a fast
/// hash is enough. Equality is constant-time.
#[derive(Clone, Eq)]
pub struct TokenDigest([u8; 32]);

impl TokenDigest {
    /// Digests a presented secret.
    pub fn of(secret: &str) -> Self {
        Self(Sha256::digest(secret.as_bytes()).into())
    }

    /// Rebuilds a digest read from storage; `None` if it is not 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        <[u8; 32]>::try_from(bytes).ok().map(Self)
    }

    /// The raw digest, for storage.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// True when `presented` digests to this value, compared in constant time.
    pub fn matches(&self, presented: &str) -> bool {
        *self == Self::of(presented)
    }
}

impl PartialEq for TokenDigest {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl std::fmt::Debug for TokenDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenDigest(..)")
    }
}

/// Claims of an RFC 9068 JWT access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessTokenClaims {
    /// Issuer.
    pub iss: String,
    /// Subject: the user id, or the client id for `client_credentials`.
    pub sub: String,
    /// Audience: the resource (or resources, RFC 8707) the token is for.
    pub aud: Audience,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issued at.
    pub iat: i64,
    /// Unique id, the key of the revocation denylist.
    pub jti: String,
    /// The client the token was issued to.
    pub client_id: String,
    /// Granted scope, space-separated (RFC 9068 §2.2.3).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
    /// When the user authenticated, for user tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// The grant (one login's authorization) the token descends from; revoking the grant, on
    /// code reuse or refresh-token reuse, revokes every token that carries it. `gid` is its
    /// wire name, kept because issued tokens carry it.
    #[serde(default, rename = "gid", skip_serializing_if = "Option::is_none")]
    pub grant_id: Option<String>,
    /// The party acting for `sub` (RFC 8693 §4.1), set by a delegation token exchange; a
    /// token without it acts for nobody but its subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<Actor>,
    /// The key the token is bound to (RFC 9449 §6.1 `cnf.jkt`): only a request with a DPoP
    /// proof of that key may use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<Confirmation>,
}

/// The RFC 8693 §4.1 `act` claim: who is acting, and, nested, who acted before it. The
/// outermost actor is the current one; the chain is informational (only it is authorised).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The actor's subject: the `sub` of the actor token.
    pub sub: String,
    /// The client the actor token was issued to (RFC 8693 §4.3), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The earlier actor of a delegation chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<Box<Actor>>,
}

impl Actor {
    /// The actor `sub` (of `client_id`) acting now, on top of the chain the subject token
    /// already carried: exchanging a delegated token again keeps who acted before.
    pub fn on_top_of(sub: String, client_id: Option<String>, previous: Option<Actor>) -> Self {
        Self {
            sub,
            client_id,
            act: previous.map(Box::new),
        }
    }

    /// How many actors the chain holds, this one included.
    pub fn depth(&self) -> usize {
        1 + self.act.as_ref().map_or(0, |a| a.depth())
    }
}

impl AccessTokenClaims {
    /// True once `now` has reached `exp` (RFC 7519 §4.1.4: must not be accepted on or after).
    pub fn is_expired(&self, now: UnixTime) -> bool {
        now.as_secs() >= self.exp
    }

    /// True when the token claims to be issued in the future beyond the allowed skew.
    pub fn is_from_the_future(&self, now: UnixTime, skew: i64) -> bool {
        self.iat > now.as_secs().saturating_add(skew)
    }
}

/// An authorization code, stored by digest, bound to everything the token request must repeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationCode {
    /// Digest of the code handed to the client.
    pub digest: TokenDigest,
    /// The client it was issued to.
    pub client_id: ClientId,
    /// The user who authorized it.
    pub user_id: UserId,
    /// The grant every token issued from this code will carry.
    pub grant_id: String,
    /// The redirect URI sent in the authorization request, if any.
    pub redirect_uri: Option<RedirectUri>,
    /// The PKCE challenge, if any.
    pub code_challenge: Option<CodeChallenge>,
    /// Scope granted.
    pub scope: ScopeSet,
    /// OIDC nonce to carry into the ID token.
    pub nonce: Option<Nonce>,
    /// When the user authenticated.
    pub auth_time: UnixTime,
    /// How the user authenticated, for the ID token's `amr` and `acr`.
    pub amr: AuthMethods,
    /// The resources (RFC 8707) named in the authorization request.
    pub resources: Vec<ResourceIdentifier>,
    /// The browser session the code was issued in (`sid` of its ID token).
    pub sid: Option<String>,
    /// Expiry.
    pub expires_at: UnixTime,
}

impl AuthorizationCode {
    /// True once the code can no longer be redeemed.
    pub fn is_expired(&self, now: UnixTime) -> bool {
        !now.is_before(self.expires_at)
    }
}

/// A refresh token, one link of a family that descends from a single login. Rotation marks
/// the old link used; presenting a used link again revokes the whole family (RFC 9700 §4.14).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    /// Digest of the token.
    pub digest: TokenDigest,
    /// Every token of one login shares this id: the grant id of the code it came from.
    pub grant_id: String,
    /// The client it is bound to.
    pub client_id: ClientId,
    /// The user.
    pub user_id: UserId,
    /// Scope of the original grant; refreshes may narrow, never widen.
    pub scope: ScopeSet,
    /// Idle expiry of this link.
    pub expires_at: UnixTime,
    /// Absolute expiry of the family.
    pub family_expires_at: UnixTime,
    /// When the user authenticated.
    pub auth_time: UnixTime,
    /// How the user authenticated, so refreshed ID tokens still say it.
    pub amr: AuthMethods,
    /// The resources (RFC 8707) of the grant; a refresh may narrow to some of them.
    pub resources: Vec<ResourceIdentifier>,
    /// The DPoP key thumbprint a public client's token is bound to (RFC 9449 §5): a refresh
    /// must come with a proof of that key.
    pub dpop_jkt: Option<String>,
}

impl RefreshToken {
    /// True when either the idle or the absolute lifetime has run out.
    pub fn is_expired(&self, now: UnixTime) -> bool {
        !now.is_before(self.expires_at) || !now.is_before(self.family_expires_at)
    }

    /// The idle expiry for the successor link, capped by the family's absolute expiry.
    pub fn successor_expiry(&self, now: UnixTime, idle: i64) -> UnixTime {
        now.plus(idle).min(self.family_expires_at)
    }
}

#[cfg(test)]
mod tests;
