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

/// Looks up `resource` values.
pub struct ResourceIndicators {
    resources: Arc<dyn ResourceRepository>,
}

impl ResourceIndicators {
    /// Builds the service.
    pub fn new(resources: Arc<dyn ResourceRepository>) -> Self {
        Self { resources }
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

    /// Like [`Self::resolve`], for identifiers already parsed (read back from a code, a
    /// refresh token or a consent). A resource deleted since is `invalid_target`.
    pub async fn lookup(&self, ids: &[ResourceIdentifier]) -> Result<ResourceTarget, TargetError> {
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

#[cfg(test)]
mod tests;
