//! The first step of an authorization request that arrives by reference: a `request_uri` from
//! `/par` (RFC 9126 §4) or a signed `request` object (RFC 9101 §5) is replaced by the
//! parameters it stands for, which are then validated like any others.

use super::{Authorize, AuthorizeError, AuthorizeParams, ParamsOrigin, RequestObjectError};
use tessera_domain::{Client, ClientId, TokenDigest};

/// The `request_uri` prefix of pushed requests (RFC 9126 §2.2); the rest is the random value
/// whose digest is the stored key. Any other `request_uri` is refused: this server never
/// fetches request objects from elsewhere.
pub const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

impl Authorize {
    /// The parameters a fresh authorization request stands for: those of the pushed request
    /// its `request_uri` names (taken, so it works once) or of its request object, only them
    /// and the `client_id`; `params` unchanged when it has neither. Until the stored request or
    /// the object is known good, its redirect URI is not, so every failure here is an error
    /// page, never a redirect.
    pub async fn resolve(
        &self,
        params: AuthorizeParams,
    ) -> Result<AuthorizeParams, AuthorizeError> {
        let present = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.is_empty());
        let by_uri = present(&params.request_uri) && self.pushed.is_some();
        let by_object = present(&params.request) && self.request_objects.is_some();
        if !by_uri && !by_object {
            return Ok(params);
        }
        let page = |m: &str| AuthorizeError::NotRedirectable(m.to_owned());
        if present(&params.request_uri) && present(&params.request) {
            return Err(page(
                "The request carries both request and request_uri (invalid_request).",
            ));
        }
        let client = self.client_of(&params).await?;
        if let (Some(uri), Some(pushed)) = (params.request_uri.as_deref(), &self.pushed) {
            let Some(random) = uri.strip_prefix(REQUEST_URI_PREFIX) else {
                return Err(page(
                    "The request_uri is not one this server issued (invalid_request_uri): only request_uri values from the pushed authorization request endpoint are accepted.",
                ));
            };
            let stored = pushed
                .take(&TokenDigest::of(random), &client.id, self.clock.now())
                .await?
                .ok_or_else(|| {
                    page("The request_uri is unknown, expired, already used or not this application's (invalid_request_uri).")
                })?;
            let mut resolved = AuthorizeParams::from_pairs(stored.params);
            resolved.origin = ParamsOrigin::Pushed;
            return Ok(resolved);
        }
        let jwt = params.request.as_deref().unwrap_or("");
        self.request_object(&client, jwt).await.map_err(|e| {
            log::info!("request object of {} refused: {e}", client.id.as_str());
            match e {
                RequestObjectError::Repository(r) => r.into(),
                e => page(&format!(
                    "The request object is not valid (invalid_request_object): {e}."
                )),
            }
        })
    }

    /// The parameters of `client`'s signed request object `jwt` (RFC 9101), checked.
    pub async fn request_object(
        &self,
        client: &Client,
        jwt: &str,
    ) -> Result<AuthorizeParams, RequestObjectError> {
        match &self.request_objects {
            Some(objects) => objects.parameters(client, jwt).await,
            None => Err(RequestObjectError::NotSupported),
        }
    }

    /// The registered client a request names; unknown or missing is an error page.
    async fn client_of(&self, params: &AuthorizeParams) -> Result<Client, AuthorizeError> {
        let page = |m: &str| AuthorizeError::NotRedirectable(m.to_owned());
        let id = params
            .client_id
            .as_deref()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| page("The request has no client_id."))?;
        match ClientId::parse(id) {
            Ok(id) => self.find_client(&id).await?,
            Err(_) => None,
        }
        .ok_or_else(|| page("The application is not registered here."))
    }
}

#[cfg(test)]
mod tests;
