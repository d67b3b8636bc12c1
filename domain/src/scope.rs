//! Scopes (RFC 6749 §3.3).

use std::collections::BTreeSet;
use std::fmt;

/// Why a scope string is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    /// A scope-token must be 1*( %x21 / %x23-5B / %x5D-7E ): no space, `"` or `\`.
    #[error("scope {0:?} contains a character RFC 6749 §3.3 does not allow")]
    InvalidToken(String),
    /// Tokens are separated by single spaces, with none leading or trailing.
    #[error("scope must be scope tokens separated by single spaces")]
    Separator,
    /// More scope was asked for than the client (or the original grant) holds.
    #[error("the requested scope exceeds what was granted: {0}")]
    Exceeds(String),
    /// An absurdly long scope list, refused before any work is done on it.
    #[error("scope is too long")]
    TooLong,
}

/// One scope-token.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope(String);

impl Scope {
    /// Parses one scope-token.
    pub fn parse(s: &str) -> Result<Self, ScopeError> {
        let ok = !s.is_empty()
            && s.len() <= 256
            && s.bytes()
                .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ScopeError::InvalidToken(s.to_owned()))
        }
    }

    /// The token as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A set of scopes; order and repetition carry no meaning (RFC 6749 §3.3), so it is a set and
/// prints in a canonical sorted order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct ScopeSet(BTreeSet<Scope>);

impl ScopeSet {
    /// Parses a space-delimited list. The empty string is the empty set.
    pub fn parse(s: &str) -> Result<Self, ScopeError> {
        if s.len() > 4096 {
            return Err(ScopeError::TooLong);
        }
        if s.is_empty() {
            return Ok(Self::default());
        }
        let mut set = BTreeSet::new();
        for tok in s.split(' ') {
            if tok.is_empty() {
                return Err(ScopeError::Separator);
            }
            set.insert(Scope::parse(tok)?);
        }
        Ok(Self(set))
    }

    /// True when no scope is in the set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True when `scope` is in the set.
    pub fn contains(&self, scope: &str) -> bool {
        self.0.iter().any(|s| s.as_str() == scope)
    }

    /// True when every scope of `self` is also in `other`.
    pub fn is_subset_of(&self, other: &ScopeSet) -> bool {
        self.0.is_subset(&other.0)
    }

    /// The scope to grant when `requested` is asked of a holder of `self`: the request itself
    /// when it is within `self`, all of `self` when nothing was requested, an error otherwise.
    /// Scope can be narrowed, never widened (RFC 6749 §3.3, OAuth 2.1 §4.3).
    pub fn narrow_to(&self, requested: Option<&ScopeSet>) -> Result<ScopeSet, ScopeError> {
        match requested {
            None => Ok(self.clone()),
            Some(req) if req.is_empty() => Ok(self.clone()),
            Some(req) => {
                let extra: Vec<&str> = req.0.difference(&self.0).map(Scope::as_str).collect();
                if extra.is_empty() {
                    Ok(req.clone())
                } else {
                    Err(ScopeError::Exceeds(extra.join(" ")))
                }
            }
        }
    }

    /// The scopes in both sets.
    pub fn intersection(&self, other: &ScopeSet) -> ScopeSet {
        Self(self.0.intersection(&other.0).cloned().collect())
    }

    /// The scopes in either set.
    pub fn union(&self, other: &ScopeSet) -> ScopeSet {
        Self(self.0.union(&other.0).cloned().collect())
    }

    /// The scopes, in canonical order.
    pub fn iter(&self) -> impl Iterator<Item = &Scope> {
        self.0.iter()
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for s in &self.0 {
            if !first {
                f.write_str(" ")?;
            }
            f.write_str(s.as_str())?;
            first = false;
        }
        Ok(())
    }
}

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;
