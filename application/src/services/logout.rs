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
mod tests {
    use super::*;
    use crate::errors::VerifyError;
    use crate::ports::{MockClientRepository, MockJwsEngine, VerifiedJws};
    use crate::services::test_support::{
        self as ts, CLIENT_ID, ISS, LOGOUT_REDIRECT, OTHER_USER_ID, USER_ID,
    };
    use serde_json::json;
    use tessera_domain::{Client, UnixTime};

    const NOW: i64 = 30_000;

    /// Tokens the engine knows: Alice's ID token for `web`, one from another issuer, one for
    /// another client, an expired one, and one whose signature fails.
    fn engine() -> MockJwsEngine {
        let mut jws = MockJwsEngine::new();
        jws.expect_verify()
            .withf(|_, typ, now| typ == ID_TOKEN_TYP && *now == UnixTime::from_secs(NOW))
            .returning(|token, _, _| {
                let claims = match token {
                    "alice" => {
                        json!({ "iss": ISS, "sub": USER_ID, "aud": CLIENT_ID, "exp": NOW + 60 })
                    }
                    "expired" => json!({ "iss": ISS, "sub": USER_ID, "aud": CLIENT_ID, "exp": 1 }),
                    "bob" => json!({ "iss": ISS, "sub": OTHER_USER_ID, "aud": CLIENT_ID }),
                    "other-client" => json!({ "iss": ISS, "sub": USER_ID, "aud": "other-app" }),
                    "foreign" => {
                        json!({ "iss": "https://evil.example", "sub": USER_ID, "aud": CLIENT_ID })
                    }
                    "no-aud" => json!({ "iss": ISS, "sub": USER_ID }),
                    "aud-array" => json!({ "iss": ISS, "sub": USER_ID, "aud": [CLIENT_ID] }),
                    _ => return Err(VerifyError::Signature),
                };
                Ok(VerifiedJws {
                    claims: claims.as_object().unwrap().clone(),
                    kid: "k1".into(),
                })
            });
        jws
    }

    fn clients_with(client: Client) -> MockClientRepository {
        let mut m = MockClientRepository::new();
        m.expect_find()
            .returning(move |id| Ok((*id == client.id).then(|| client.clone())));
        m
    }

    fn logout(clients: MockClientRepository) -> Logout {
        Logout::new(
            Arc::new(engine()),
            Arc::new(clients),
            ts::clock_at(NOW),
            IssuerSettings::new(ISS),
        )
    }

    fn hinted(hint: &str) -> LogoutRequest {
        LogoutRequest {
            id_token_hint: Some(hint.into()),
            ..LogoutRequest::default()
        }
    }

    fn to(
        uri: &str,
        hint: Option<&str>,
        client_id: Option<&str>,
        state: Option<&str>,
    ) -> LogoutRequest {
        LogoutRequest {
            id_token_hint: hint.map(str::to_owned),
            post_logout_redirect_uri: Some(uri.into()),
            state: state.map(str::to_owned),
            client_id: client_id.map(str::to_owned),
        }
    }

    fn alice() -> UserId {
        UserId::parse(USER_ID).unwrap()
    }

    async fn plan(
        req: LogoutRequest,
        signed_in: Option<&UserId>,
    ) -> Result<LogoutPlan, LogoutError> {
        logout(clients_with(ts::client(false)))
            .plan(&req, signed_in)
            .await
    }

    fn assert_invalid_request(r: Result<LogoutPlan, LogoutError>) {
        assert!(
            matches!(r, Err(LogoutError::InvalidRequest(_))),
            "expected an error page, got {r:?}"
        );
    }

    #[tokio::test]
    async fn asvs_10_6_2_valid_hint_for_the_signed_in_user_needs_no_confirmation() {
        for hint in ["alice", "expired"] {
            let p = plan(hinted(hint), Some(&alice())).await.unwrap();
            assert_eq!(
                p,
                LogoutPlan {
                    needs_confirmation: false,
                    redirect: None
                }
            );
        }
    }

    #[tokio::test]
    async fn asvs_10_6_2_logout_without_hint_needs_confirmation_when_signed_in() {
        let p = plan(LogoutRequest::default(), Some(&alice()))
            .await
            .unwrap();
        assert!(p.needs_confirmation);
        let p = plan(
            LogoutRequest {
                client_id: Some(CLIENT_ID.into()),
                ..LogoutRequest::default()
            },
            Some(&alice()),
        )
        .await
        .unwrap();
        assert!(
            p.needs_confirmation,
            "a client_id alone vouches for nothing"
        );
    }

    #[tokio::test]
    async fn asvs_10_6_2_hint_for_another_user_needs_confirmation() {
        let p = plan(hinted("bob"), Some(&alice())).await.unwrap();
        assert!(p.needs_confirmation);
    }

    #[tokio::test]
    async fn asvs_10_6_2_unverifiable_or_foreign_hint_is_ignored_and_needs_confirmation() {
        for hint in ["forged", "foreign", "no-aud", "aud-array"] {
            let p = plan(hinted(hint), Some(&alice())).await.unwrap();
            assert!(p.needs_confirmation, "{hint}");
        }
    }

    #[tokio::test]
    async fn nobody_signed_in_needs_no_confirmation() {
        for req in [LogoutRequest::default(), hinted("alice"), hinted("forged")] {
            let p = plan(req, None).await.unwrap();
            assert!(!p.needs_confirmation);
        }
    }

    #[tokio::test]
    async fn as_05_unregistered_post_logout_redirect_uri_is_refused() {
        for uri in [
            "https://app.example/bye/",
            "https://app.example/byebye",
            "https://app.example/bye?from=evil",
            "https://evil.example/bye",
            "https://app.example/cb",
            "https://app.example/bye#x",
        ] {
            assert_invalid_request(plan(to(uri, Some("alice"), None, None), Some(&alice())).await);
            assert_invalid_request(plan(to(uri, None, Some(CLIENT_ID), None), None).await);
        }
    }

    #[tokio::test]
    async fn as_05_post_logout_redirect_uri_without_a_known_client_is_refused() {
        // No client named at all, an unverifiable hint, a malformed id: no lookup.
        let strict = logout(MockClientRepository::new());
        for req in [
            to(LOGOUT_REDIRECT, None, None, None),
            to(LOGOUT_REDIRECT, Some("forged"), None, None),
            to(LOGOUT_REDIRECT, None, Some("a b"), None),
        ] {
            assert_invalid_request(strict.plan(&req, None).await);
        }
        // An unknown client.
        assert_invalid_request(plan(to(LOGOUT_REDIRECT, None, Some("nobody"), None), None).await);
        // The hint names another client, for which the URI is not registered.
        assert_invalid_request(
            plan(to(LOGOUT_REDIRECT, Some("other-client"), None, None), None).await,
        );
    }

    #[tokio::test]
    async fn client_id_mismatching_the_hint_is_refused() {
        let req = LogoutRequest {
            id_token_hint: Some("alice".into()),
            client_id: Some("other-app".into()),
            ..LogoutRequest::default()
        };
        // Refused before any client lookup.
        let r = logout(MockClientRepository::new())
            .plan(&req, Some(&alice()))
            .await;
        assert_invalid_request(r);
    }

    #[tokio::test]
    async fn registered_uri_named_by_the_hint_or_the_client_id_is_the_redirect() {
        for req in [
            to(LOGOUT_REDIRECT, Some("alice"), None, None),
            to(LOGOUT_REDIRECT, Some("alice"), Some(CLIENT_ID), None),
            to(LOGOUT_REDIRECT, None, Some(CLIENT_ID), None),
        ] {
            let p = plan(req, None).await.unwrap();
            assert_eq!(p.redirect.as_deref(), Some(LOGOUT_REDIRECT));
        }
    }

    #[tokio::test]
    async fn state_is_appended_to_the_redirect_percent_encoded() {
        let p = plan(
            to(LOGOUT_REDIRECT, Some("alice"), None, Some("a b&c=d/~?#%é")),
            None,
        )
        .await;
        // Not printable ASCII: dropped rather than echoed.
        assert_eq!(p.unwrap().redirect.as_deref(), Some(LOGOUT_REDIRECT));
        let p = plan(
            to(LOGOUT_REDIRECT, Some("alice"), None, Some("a b&c=d/~?#%+x")),
            None,
        )
        .await
        .unwrap();
        assert_eq!(
            p.redirect.as_deref(),
            Some("https://app.example/bye?state=a%20b%26c%3Dd%2F~%3F%23%25%2Bx")
        );
    }

    #[tokio::test]
    async fn state_joins_an_existing_query_with_an_ampersand() {
        let p = plan(
            to(
                "https://app.example/bye?from=op",
                None,
                Some(CLIENT_ID),
                Some("s1"),
            ),
            None,
        )
        .await
        .unwrap();
        assert_eq!(
            p.redirect.as_deref(),
            Some("https://app.example/bye?from=op&state=s1")
        );
    }

    #[tokio::test]
    async fn without_a_post_logout_redirect_uri_there_is_no_redirect_and_no_lookup() {
        let req = LogoutRequest {
            id_token_hint: Some("alice".into()),
            state: Some("s1".into()),
            client_id: Some(CLIENT_ID.into()),
            ..LogoutRequest::default()
        };
        let p = logout(MockClientRepository::new())
            .plan(&req, Some(&alice()))
            .await
            .unwrap();
        assert_eq!(p.redirect, None);
    }

    #[tokio::test]
    async fn client_lookup_failure_is_a_repository_error() {
        let mut clients = MockClientRepository::new();
        clients
            .expect_find()
            .returning(|_| Err(RepositoryError::Unavailable));
        let r = logout(clients)
            .plan(&to(LOGOUT_REDIRECT, None, Some(CLIENT_ID), None), None)
            .await;
        assert!(matches!(r, Err(LogoutError::Repository(_))), "{r:?}");
    }
}
