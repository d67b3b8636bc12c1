use crate::RepositoryError;
use async_trait::async_trait;
use tessera_domain::UnixTime;

/// What a single-use `jti` belongs to: the same value in two kinds is two different things.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReplayKind {
    /// A client assertion (RFC 7523 §3 item 7): one use until its `exp`.
    ClientAssertion,
    /// A DPoP proof (RFC 9449 §11.1): one use within the accepted `iat` window.
    DpopProof,
    /// A signed request object (RFC 9101) carrying a `jti`.
    RequestObject,
    /// The `state` of a sign-in through an upstream provider: one callback per state.
    UpstreamState,
}

impl ReplayKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientAssertion => "client_assertion",
            Self::DpopProof => "dpop_proof",
            Self::RequestObject => "request_object",
            Self::UpstreamState => "upstream_state",
        }
    }
}

/// Remembers single-use identifiers until they expire, in the database so that a value used at
/// one Tessera process is refused at every other.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ReplayCache: Send + Sync {
    /// Records `jti` of `kind`, issued by `issuer` (a client id, a key thumbprint), as used
    /// until `expires_at`. True the first time; false when it is already recorded and not yet
    /// expired at `now` (a replay). Atomic: of concurrent first uses exactly one is true.
    async fn first_use(
        &self,
        kind: ReplayKind,
        issuer: &str,
        jti: &str,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<bool, RepositoryError>;
}

/// The stored key of a `jti`: SHA-256 over kind, issuer and value, so that stored rows are of
/// one size and never echo what a client sent.
pub fn replay_key(kind: ReplayKind, issuer: &str, jti: &str) -> tessera_domain::TokenDigest {
    tessera_domain::TokenDigest::of(&format!("{}\u{0}{}\u{0}{}", kind.as_str(), issuer, jti))
}
