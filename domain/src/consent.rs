//! A user's standing permission for a client.

use crate::{ClientId, ResourceIdentifier, ScopeSet, UnixTime, UserId};

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
    /// The protected resources (RFC 8707) the person allowed the client to reach.
    pub resources: Vec<ResourceIdentifier>,
    /// When.
    pub granted_at: UnixTime,
}

impl Consent {
    /// True when this consent already covers `requested`.
    pub fn covers(&self, requested: &ScopeSet) -> bool {
        requested.is_subset_of(&self.scope)
    }

    /// True when this consent covers `requested` scopes for every one of `resources`: a
    /// person who let a client reach one API has not let it reach another.
    pub fn covers_all(&self, requested: &ScopeSet, resources: &[ResourceIdentifier]) -> bool {
        self.covers(requested) && resources.iter().all(|r| self.resources.contains(r))
    }
}

#[cfg(test)]
mod tests;
