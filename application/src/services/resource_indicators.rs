//! RFC 8707 resource indicators: the `resource` values of an authorization or token request,
//! looked up in the registry. Every grant that issues an access token goes through here, so an
//! unknown or malformed value is `invalid_target` everywhere alike.

use crate::ports::ResourceRepository;
use crate::RepositoryError;
use std::sync::Arc;
use tessera_domain::{ResourceIdentifier, ResourceTarget};

/// The most `resource` values one request may carry; more is surely not a real client.
pub const MAX_RESOURCES_PER_REQUEST: usize = 10;

/// Why the `resource` values cannot be honoured.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// `invalid_target`: malformed, unknown, too many, or outside what was granted. The text
    /// is the `error_description`; it names the value, which the caller sent itself.
    #[error("{0}")]
    Invalid(String),
    /// The registry could not be read.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// Looks up `resource` values. [`ResourceIndicators::none`] is a registry with nothing in it,
/// for services built without one: every `resource` is `invalid_target` there.
pub struct ResourceIndicators {
    resources: Arc<dyn ResourceRepository>,
}

impl ResourceIndicators {
    /// Builds the service.
    pub fn new(resources: Arc<dyn ResourceRepository>) -> Self {
        Self { resources }
    }

    /// The registry behind it.
    pub fn repository(&self) -> Arc<dyn ResourceRepository> {
        self.resources.clone()
    }

    /// Parses `values` (each an absolute URI without fragment) without looking them up.
    pub fn parse(values: &[&str]) -> Result<Vec<ResourceIdentifier>, TargetError> {
        if values.len() > MAX_RESOURCES_PER_REQUEST {
            return Err(TargetError::Invalid(format!(
                "at most {MAX_RESOURCES_PER_REQUEST} resource values are accepted"
            )));
        }
        values
            .iter()
            .map(|v| {
                ResourceIdentifier::parse(v)
                    .map_err(|e| TargetError::Invalid(format!("resource {v:?}: {e}")))
            })
            .collect()
    }

    /// The registered resources `values` name; empty when there are none. Any value that is
    /// malformed or not registered fails the whole request (RFC 8707 §2).
    pub async fn resolve(&self, values: &[&str]) -> Result<ResourceTarget, TargetError> {
        let ids = Self::parse(values)?;
        self.lookup(&ids).await
    }

    /// The target of a token request that redeems or refreshes a grant made for `granted`:
    /// the `requested` values narrow it (RFC 8707 §2.2), none keeps all of it, and a value
    /// outside the grant is `invalid_target`.
    pub async fn narrow(
        &self,
        granted: &[ResourceIdentifier],
        requested: &[&str],
    ) -> Result<ResourceTarget, TargetError> {
        let wanted = Self::parse(requested)?;
        if let Some(extra) = wanted.iter().find(|w| !granted.contains(w)) {
            return Err(TargetError::Invalid(format!(
                "resource {:?} was not part of the authorization",
                extra.as_str()
            )));
        }
        if wanted.is_empty() {
            self.lookup(granted).await
        } else {
            self.lookup(&wanted).await
        }
    }

    /// Like [`Self::resolve`], for identifiers already parsed (read back from a code, a
    /// refresh token or a consent). A resource deleted since is `invalid_target`.
    pub async fn lookup(&self, ids: &[ResourceIdentifier]) -> Result<ResourceTarget, TargetError> {
        if ids.is_empty() {
            return Ok(ResourceTarget::default());
        }
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            match self.resources.find(id).await? {
                Some(r) => found.push(r),
                None => {
                    return Err(TargetError::Invalid(format!(
                        "resource {:?} is not registered here",
                        id.as_str()
                    )))
                }
            }
        }
        Ok(ResourceTarget::new(found))
    }
}

/// [`ResourceIndicators::resolve`] on an optional registry: no values, no target; values
/// without a registry, `invalid_target`.
pub(crate) async fn resolve_target(
    indicators: Option<&ResourceIndicators>,
    values: &[&str],
) -> Result<ResourceTarget, TargetError> {
    match indicators {
        _ if values.is_empty() => Ok(ResourceTarget::default()),
        Some(i) => i.resolve(values).await,
        None => Err(TargetError::Invalid(NO_REGISTRY.to_owned())),
    }
}

const NO_REGISTRY: &str = "no protected resources are registered here";

/// [`ResourceIndicators::narrow`] on an optional registry: a service built without one
/// honours no `resource` (and has no grant that names one).
pub(crate) async fn narrow_target(
    indicators: Option<&ResourceIndicators>,
    granted: &[ResourceIdentifier],
    requested: &[&str],
) -> Result<ResourceTarget, TargetError> {
    match indicators {
        Some(i) => i.narrow(granted, requested).await,
        None if granted.is_empty() && requested.is_empty() => Ok(ResourceTarget::default()),
        None => Err(TargetError::Invalid(NO_REGISTRY.to_owned())),
    }
}

#[cfg(test)]
mod grant_tests;
#[cfg(test)]
mod tests;
