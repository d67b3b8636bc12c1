//! The name resolver of the outbound client: tokio's system lookup, then every address
//! checked. One refused address refuses the name (a mixed answer is how DNS rebinding starts).

use super::address::is_public;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};

/// A name resolved to an address outbound fetches may not reach.
#[derive(Debug, thiserror::Error)]
#[error("{0} is not a public address")]
pub(super) struct AddressRefused(pub(super) IpAddr);

/// Resolves with tokio and refuses non-public addresses unless private ones are allowed.
pub(super) struct GuardedResolver {
    allow_private: bool,
}

impl GuardedResolver {
    pub(super) fn new(allow_private: bool) -> Self {
        Self { allow_private }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            // Port 0: the connector puts the URL's port on each address.
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            if !allow_private {
                if let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
                    log::warn!(
                        "outbound fetch refused: {} resolves to {}",
                        name.as_str(),
                        bad.ip()
                    );
                    return Err(Box::new(AddressRefused(bad.ip())) as _);
                }
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}
