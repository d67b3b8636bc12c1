//! A user's standing permission for a client.

use crate::{ClientId, ScopeSet, UnixTime, UserId};

/// What a user allowed a client, remembered so the consent page is not shown again for the
/// same or fewer scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    /// Who consented.
    pub user_id: UserId,
    /// To which client.
    pub client_id: ClientId,
    /// The scopes allowed.
    pub scope: ScopeSet,
    /// When.
    pub granted_at: UnixTime,
}

impl Consent {
    /// True when this consent already covers `requested`.
    pub fn covers(&self, requested: &ScopeSet) -> bool {
        requested.is_subset_of(&self.scope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_subsets_only() {
        let c = Consent {
            user_id: UserId::from_random([1; 16]),
            client_id: ClientId::parse("app").unwrap(),
            scope: ScopeSet::parse("openid email").unwrap(),
            granted_at: UnixTime::from_secs(0),
        };
        assert!(c.covers(&ScopeSet::parse("openid").unwrap()));
        assert!(c.covers(&ScopeSet::parse("email openid").unwrap()));
        assert!(!c.covers(&ScopeSet::parse("openid profile").unwrap()));
    }
}
