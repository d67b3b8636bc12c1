//! Roles a person holds beside their account. There is one so far, `admin`: it lets its
//! holder into the operators' console with their own sign-in instead of the admin token.

use crate::{UnixTime, UserId};
use std::fmt;

/// Why a string is not a role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?} (known: admin)")]
pub struct RoleError(pub String);

/// A role a user can be granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Runs the identity provider: the operators' console and everything it offers.
    Admin,
}

impl Role {
    /// Every role, for listings and exhaustive tests.
    pub const ALL: [Role; 1] = [Role::Admin];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
        }
    }

    /// Parses a stored or wire name (exact, lowercase).
    pub fn parse(s: &str) -> Result<Role, RoleError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| RoleError(s.chars().take(64).collect()))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One role held by one user, with when and by whom it was granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleGrant {
    /// Who holds it.
    pub user_id: UserId,
    /// What they hold.
    pub role: Role,
    /// When it was granted.
    pub granted_at: UnixTime,
    /// Who granted it: an admin user's id, `admin_token`, `cli`, … (never a credential).
    pub granted_by: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_parses_back_from_its_name() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
            assert_eq!(role.to_string(), role.as_str());
        }
    }

    #[test]
    fn names_are_exact() {
        assert!(Role::parse("Admin").is_err());
        assert!(Role::parse(" admin").is_err());
        assert!(Role::parse("").is_err());
        assert!(Role::parse("root").is_err());
    }

    #[test]
    fn a_long_unknown_name_is_cut_in_the_error() {
        let long = "x".repeat(10_000);
        let RoleError(shown) = Role::parse(&long).unwrap_err();
        assert_eq!(shown.len(), 64);
    }
}
