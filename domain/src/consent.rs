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
mod tests;
