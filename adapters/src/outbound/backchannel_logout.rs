//! [`LogoutSender`] through the guarded outbound client.

use async_trait::async_trait;
use tessera_application::ports::{LogoutSendError, LogoutSender};

use super::OutboundClient;

/// POSTs logout tokens with the one outbound client, so the SSRF rules (AS-41) hold for
/// `backchannel_logout_uri` as for every other fetch.
#[derive(Debug, Clone)]
pub struct OutboundLogoutSender {
    client: OutboundClient,
}

impl OutboundLogoutSender {
    /// Sends through `client` (its time limit is the delivery timeout).
    pub fn new(client: OutboundClient) -> Self {
        Self { client }
    }
}

#[async_trait]
impl LogoutSender for OutboundLogoutSender {
    async fn send(&self, uri: &str, token: &str) -> Result<(), LogoutSendError> {
        match self.client.post_form(uri, &[("logout_token", token)]).await {
            // OIDC Back-Channel Logout §2.8: 200 (or 204, the common variant) is success.
            Ok(200 | 204) => Ok(()),
            Ok(status) => Err(LogoutSendError(format!(
                "the relying party answered HTTP {status}"
            ))),
            Err(e) => Err(LogoutSendError(e.to_string())),
        }
    }
}
