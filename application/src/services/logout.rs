use crate::ports::{ClientRepository, Clock, JwsEngine};
use crate::services::user_tokens::ID_TOKEN_TYP;
use crate::{IssuerSettings, RepositoryError};
use std::sync::Arc;
use tessera_domain::{ClientId, State, UserId};

/// The parameters of an RP-initiated logout request (OIDC RP-Initiated Logout 1.0 §2).
#[derive(Debug, Clone, Default)]
pub struct LogoutRequest {
    /// A previously issued ID token; expired ones are accepted as hints.
    pub id_token_hint: Option<String>,
    /// Where to go afterwards; must be registered for the client.
    pub post_logout_redirect_uri: Option<String>,
    /// Echoed to the redirect.
    pub state: Option<String>,
    /// The client, when no hint names it.
    pub client_id: Option<String>,
}

/// What to do with a logout request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutPlan {
    /// Ask the person first: no valid hint vouches for the request (forced-logout defence,
    /// ASVS 10.6.2).
    pub needs_confirmation: bool,
    /// Where to send the browser afterwards (with `state`), if anywhere.
    pub redirect: Option<String>,
}

/// Why a logout request is refused (shown on an error page, never redirected).
#[derive(Debug, thiserror::Error)]
pub enum LogoutError {
    /// A bad parameter combination.
    #[error("{0}")]
    InvalidRequest(String),
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// Plans RP-initiated logouts.
pub struct Logout {
    jws: Arc<dyn JwsEngine>,
    clients: Arc<dyn ClientRepository>,
    clock: Arc<dyn Clock>,
    settings: IssuerSettings,
}

impl Logout {
    /// Builds the service.
    pub fn new(
        jws: Arc<dyn JwsEngine>,
        clients: Arc<dyn ClientRepository>,
        clock: Arc<dyn Clock>,
        settings: IssuerSettings,
    ) -> Self {
        Self {
            jws,
            clients,
            clock,
            settings,
        }
    }

    /// Checks the request against the signed-in user (if any) and decides.
    pub async fn plan(
        &self,
        req: &LogoutRequest,
        signed_in: Option<&UserId>,
    ) -> Result<LogoutPlan, LogoutError> {
        let invalid = |m: &str| LogoutError::InvalidRequest(m.to_owned());
        let hint = req
            .id_token_hint
            .as_deref()
            .and_then(|t| self.hint_claims(t));
        let client_id = match (&hint, req.client_id.as_deref()) {
            (Some((_, aud)), Some(cid)) if aud != cid => {
                return Err(invalid("client_id does not match the id_token_hint"))
            }
            (Some((_, aud)), _) => Some(aud.clone()),
            (None, cid) => cid.map(str::to_owned),
        };
        let redirect = match req.post_logout_redirect_uri.as_deref() {
            None => None,
            Some(uri) => {
                let client = match client_id.as_deref().map(ClientId::parse) {
                    Some(Ok(id)) => self.clients.find(&id).await?,
                    _ => None,
                }
                .ok_or_else(|| invalid("post_logout_redirect_uri needs a known client (id_token_hint or client_id)"))?;
                if !client
                    .post_logout_redirect_uris
                    .iter()
                    .any(|r| r.matches(uri))
                {
                    return Err(invalid(
                        "post_logout_redirect_uri is not registered for this client",
                    ));
                }
                let mut target = uri.to_owned();
                if let Some(state) = req.state.as_deref().and_then(|s| State::parse(s).ok()) {
                    let sep = if target.contains('?') { '&' } else { '?' };
                    let encoded: String = serde_urlencoded_state(state.as_str());
                    target = format!("{target}{sep}state={encoded}");
                }
                Some(target)
            }
        };
        let vouched = match (&hint, signed_in) {
            (Some((sub, _)), Some(user)) => sub == user.as_str(),
            (Some(_), None) => true,
            (None, None) => true, // nobody to sign out: nothing to force
            (None, Some(_)) => false,
        };
        Ok(LogoutPlan {
            needs_confirmation: !vouched,
            redirect,
        })
    }

    /// (sub, aud) of an ID token Tessera signed, expired or not.
    fn hint_claims(&self, token: &str) -> Option<(String, String)> {
        let v = self
            .jws
            .verify(token, ID_TOKEN_TYP, self.clock.now())
            .ok()?;
        if v.claims.get("iss")?.as_str()? != self.settings.issuer {
            return None;
        }
        let sub = v.claims.get("sub")?.as_str()?.to_owned();
        let aud = v.claims.get("aud")?.as_str()?.to_owned();
        Some((sub, aud))
    }
}

/// Percent-encodes a state value for a query string.
fn serde_urlencoded_state(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests;
