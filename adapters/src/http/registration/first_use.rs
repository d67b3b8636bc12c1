//! Records the first token a self-registered client gets, whichever grant issued it, so that
//! housekeeping can tell registrations nobody used from clients in use.

use crate::http::state::TokenGrants;
use async_trait::async_trait;
use std::sync::Arc;
use tessera_application::ports::ClientRepository;
use tessera_application::services::{record_first_use, GrantRequest, TokenError, TokenSet};
use tessera_application::RequestContext;
use tessera_domain::Client;

/// [`TokenGrants`] that marks the client used after each success (a write for
/// self-registered clients only, and only the first one changes a row).
pub struct FirstUseRecorder {
    inner: Arc<dyn TokenGrants>,
    clients: Arc<dyn ClientRepository>,
}

impl FirstUseRecorder {
    /// Wraps `inner`, recording in `clients`.
    pub fn new(inner: Arc<dyn TokenGrants>, clients: Arc<dyn ClientRepository>) -> Self {
        Self { inner, clients }
    }
}

#[async_trait]
impl TokenGrants for FirstUseRecorder {
    async fn grant(
        &self,
        ctx: &RequestContext,
        client: &Client,
        request: GrantRequest<'_>,
        proof: Option<&str>,
    ) -> Result<TokenSet, TokenError> {
        let tokens = self.inner.grant(ctx, client, request, proof).await?;
        record_first_use(self.clients.as_ref(), client, ctx.now).await;
        Ok(tokens)
    }

    fn dpop_nonce(&self) -> Option<String> {
        self.inner.dpop_nonce()
    }
}
