//! Tokens: signed access-token claims, and the opaque credentials stored only as digests.

use crate::{ClientId, CodeChallenge, Nonce, RedirectUri, ScopeSet, UnixTime, UserId};
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
    /// Audience: the resource the token is for.
    pub aud: String,
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
mod tests {
    use super::*;

    fn claims(exp: i64, iat: i64) -> AccessTokenClaims {
        AccessTokenClaims {
            iss: "https://id.example".into(),
            sub: "svc".into(),
            aud: "https://id.example".into(),
            exp,
            iat,
            jti: "j".into(),
            client_id: "svc".into(),
            scope: "read".into(),
            auth_time: None,
            grant_id: None,
        }
    }

    #[test]
    fn as_27_digest_comparison_is_constant_time_and_exact() {
        let d = TokenDigest::of("abc");
        assert!(d.matches("abc"));
        assert!(!d.matches("abd"));
        assert_eq!(TokenDigest::from_bytes(d.as_bytes()).unwrap(), d);
        assert!(TokenDigest::from_bytes(&[0; 31]).is_none());
        assert_eq!(format!("{d:?}"), "TokenDigest(..)");
    }

    #[test]
    fn access_token_expiry_is_exclusive() {
        let c = claims(100, 50);
        assert!(!c.is_expired(UnixTime::from_secs(99)));
        assert!(c.is_expired(UnixTime::from_secs(100)));
        assert!(!c.is_from_the_future(UnixTime::from_secs(30), 20));
        assert!(c.is_from_the_future(UnixTime::from_secs(29), 20));
    }

    #[test]
    fn claims_serialise_per_rfc_9068() {
        let v = serde_json::to_value(claims(100, 50));
        let v = v.unwrap();
        for k in [
            "iss",
            "sub",
            "aud",
            "exp",
            "iat",
            "jti",
            "client_id",
            "scope",
        ] {
            assert!(v.get(k).is_some(), "{k}");
        }
        assert!(v.get("auth_time").is_none());
    }

    #[test]
    fn refresh_token_idle_and_absolute_expiry() {
        let rt = RefreshToken {
            digest: TokenDigest::of("r"),
            grant_id: "f".into(),
            client_id: ClientId::parse("app").unwrap(),
            user_id: UserId::from_random([2; 16]),
            scope: ScopeSet::parse("openid").unwrap(),
            expires_at: UnixTime::from_secs(100),
            family_expires_at: UnixTime::from_secs(150),
            auth_time: UnixTime::from_secs(0),
        };
        assert!(!rt.is_expired(UnixTime::from_secs(99)));
        assert!(rt.is_expired(UnixTime::from_secs(100)));
        assert_eq!(
            rt.successor_expiry(UnixTime::from_secs(90), 30),
            UnixTime::from_secs(120)
        );
        assert_eq!(
            rt.successor_expiry(UnixTime::from_secs(140), 30),
            UnixTime::from_secs(150)
        );
    }

    #[test]
    fn code_expiry() {
        let code = AuthorizationCode {
            digest: TokenDigest::of("c"),
            client_id: ClientId::parse("app").unwrap(),
            user_id: UserId::from_random([3; 16]),
            grant_id: "g".into(),
            redirect_uri: None,
            code_challenge: None,
            scope: ScopeSet::default(),
            nonce: None,
            auth_time: UnixTime::from_secs(0),
            expires_at: UnixTime::from_secs(60),
        };
        assert!(!code.is_expired(UnixTime::from_secs(59)));
        assert!(code.is_expired(UnixTime::from_secs(60)));
    }
}
