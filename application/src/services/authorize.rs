use crate::ports::{
    random_token, AuthorizationCodeRepository, ClientRepository, Clock, ConsentRepository,
    RandomSource, UserRepository,
};
use crate::{IssuerSettings, RepositoryError};
use std::collections::HashMap;
use std::sync::Arc;
use tessera_domain::{
    AuthorizationCode, BrowserSession, Client, ClientId, CodeChallenge, CodeChallengeMethod,
    Consent, GrantType, Nonce, Prompt, RedirectUri, ResponseMode, ResponseType, ResponseTypeError,
    ScopeSet, State, TokenDigest, UnixTime, User,
};

/// A validated authorization request (RFC 6749 §4.1.1, RFC 7636, OIDC Core §3.1.2.1).
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    /// The client, as registered.
    pub client: Client,
    /// Where the response goes: the URI sent, or the only registered one.
    pub redirect_uri: String,
    /// Whether `redirect_uri` was in the request (then the token request must repeat it).
    pub redirect_uri_sent: bool,
    /// Scope asked for (within the client's).
    pub scope: ScopeSet,
    /// The client's state, echoed back.
    pub state: Option<State>,
    /// OIDC nonce.
    pub nonce: Option<Nonce>,
    /// PKCE challenge (S256).
    pub code_challenge: CodeChallenge,
    /// prompt values.
    pub prompt: Prompt,
    /// Maximum authentication age in seconds.
    pub max_age: Option<i64>,
    /// Email to pre-fill on the login page.
    pub login_hint: Option<String>,
    /// How to send the response.
    pub response_mode: ResponseMode,
}

/// Where and how to send an authorization response, success or error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationResponse {
    /// The client's redirect URI.
    pub redirect_uri: String,
    /// Query or form post.
    pub mode: ResponseMode,
    /// The response parameters, `iss` always among them (RFC 9207).
    pub params: Vec<(String, String)>,
}

/// Why an authorization request fails.
#[derive(Debug, thiserror::Error)]
pub enum AuthorizeError {
    /// The client or redirect URI cannot be trusted: show an error page and never redirect
    /// (RFC 6749 §4.1.2.1, AS-03).
    #[error("{0}")]
    NotRedirectable(String),
    /// An error to send back to the client's redirect URI.
    #[error("{}", .0.params.iter().find(|(k, _)| k == "error").map_or("error", |(_, v)| v.as_str()))]
    Redirect(AuthorizationResponse),
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// What the person's browser should see next.
#[derive(Debug)]
pub enum AuthorizeOutcome {
    /// The login page; `error` after a failed attempt.
    Login {
        /// The request being served.
        request: Box<AuthorizationRequest>,
    },
    /// The consent page for `user`.
    Consent {
        /// The request being served.
        request: Box<AuthorizationRequest>,
        /// Who is signed in.
        user: Box<User>,
    },
    /// Back to the client, with a code or an error.
    Respond(AuthorizationResponse),
}

/// How the person got here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interaction {
    /// A fresh authorization request.
    Start,
    /// They just signed in on the login page.
    LoggedIn,
    /// They answered the consent page.
    Consented {
        /// Allow (true) or deny (false).
        allow: bool,
        /// Whether the session's sign-in is proven to belong to this authorization.
        sign_in: SignInProof,
    },
}

/// What the edge could prove about the session's sign-in when a consent form comes back. Only
/// a sign-in on this authorization's own login page answers a re-authentication demand: the
/// consent form is easy to post on an old session, so it proves nothing by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInProof {
    /// No proof: the sign-in may predate this authorization.
    Unproven,
    /// The consent form carried a valid authorization transaction for this session, made when
    /// the person signed in on this authorization's login page.
    ThisAuthorization,
}

/// How long after signing in a proven sign-in still answers a re-authentication demand: time
/// enough to read the consent page, never a lasting pass for a replayed form.
pub const REAUTHENTICATION_WINDOW_SECS: i64 = 600;

impl AuthorizationRequest {
    /// True when `session`'s sign-in alone cannot stand behind a code for this request: it
    /// asks for a new login (`prompt=login` / `select_account`) or for an authentication
    /// younger than `max_age`. The one place such demands are listed (step-up via
    /// `acr_values` belongs here too).
    pub fn demands_reauthentication(&self, session: &BrowserSession, now: UnixTime) -> bool {
        self.prompt.forces_login() || !session.satisfies_max_age(self.max_age, now)
    }
}

/// The authorization endpoint's logic: validation, then login / consent / code.
pub struct Authorize {
    clients: Arc<dyn ClientRepository>,
    users: Arc<dyn UserRepository>,
    consents: Arc<dyn ConsentRepository>,
    codes: Arc<dyn AuthorizationCodeRepository>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    settings: IssuerSettings,
}

impl Authorize {
    /// Builds the service.
    pub fn new(
        clients: Arc<dyn ClientRepository>,
        users: Arc<dyn UserRepository>,
        consents: Arc<dyn ConsentRepository>,
        codes: Arc<dyn AuthorizationCodeRepository>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn RandomSource>,
        settings: IssuerSettings,
    ) -> Self {
        Self {
            clients,
            users,
            consents,
            codes,
            clock,
            rng,
            settings,
        }
    }

    /// Validates the parameters (already free of repeats; empty ones removed). The client and
    /// redirect URI come first: until both check out nothing is ever redirected.
    pub async fn validate(
        &self,
        params: &HashMap<String, String>,
    ) -> Result<AuthorizationRequest, AuthorizeError> {
        let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let not_redirectable = |m: &str| AuthorizeError::NotRedirectable(m.to_owned());
        let client_id =
            get("client_id").ok_or_else(|| not_redirectable("The request has no client_id."))?;
        let client = match ClientId::parse(client_id) {
            Ok(id) => self.clients.find(&id).await?,
            Err(_) => None,
        }
        .ok_or_else(|| not_redirectable("The application is not registered here."))?;
        let (redirect_uri, redirect_uri_sent) = match get("redirect_uri") {
            Some(u) if client.redirect_uris.iter().any(|r| r.matches(u)) => (u.to_owned(), true),
            Some(_) => {
                return Err(not_redirectable(
                    "The redirect URI is not registered for this application.",
                ))
            }
            None if client.redirect_uris.len() == 1 => (client.redirect_uris[0].to_string(), false),
            None => return Err(not_redirectable("The request has no redirect_uri.")),
        };

        // From here on, errors go back to the client.
        let state = get("state").and_then(|s| State::parse(s).ok());
        let response_mode = match get("response_mode") {
            None => ResponseMode::Query,
            Some(m) => ResponseMode::parse(m).map_err(|_| {
                self.error_response(
                    &redirect_uri,
                    ResponseMode::Query,
                    "invalid_request",
                    "response_mode must be query or form_post",
                    &state,
                )
            })?,
        };
        let fail = |error: &str, description: &str| {
            self.error_response(&redirect_uri, response_mode, error, description, &state)
        };
        if get("state").is_some() && state.is_none() {
            return Err(fail("invalid_request", "state must be printable ASCII"));
        }
        if get("request").is_some() {
            return Err(fail(
                "request_not_supported",
                "request objects are not supported",
            ));
        }
        if get("request_uri").is_some() {
            return Err(fail(
                "request_uri_not_supported",
                "request_uri is not supported",
            ));
        }
        match get("response_type").map(ResponseType::parse) {
            None => return Err(fail("invalid_request", "response_type is required")),
            Some(Ok(ResponseType::Code)) => {}
            Some(Err(ResponseTypeError::Unsupported(_)))
            | Some(Err(ResponseTypeError::Invalid(_))) => {
                return Err(fail(
                    "unsupported_response_type",
                    "only response_type=code is supported",
                ))
            }
        }
        if client.ensure_grant(GrantType::AuthorizationCode).is_err() {
            return Err(fail(
                "unauthorized_client",
                "this client may not use the authorization code flow",
            ));
        }
        let requested = ScopeSet::parse(get("scope").unwrap_or(""))
            .map_err(|e| fail("invalid_scope", &e.to_string()))?;
        let scope = client
            .grant_scope(Some(&requested))
            .map_err(|e| fail("invalid_scope", &e.to_string()))?;
        let code_challenge = match (get("code_challenge"), get("code_challenge_method")) {
            (None, _) => {
                return Err(fail(
                    "invalid_request",
                    "code_challenge is required (PKCE with S256)",
                ))
            }
            (Some(c), method) => {
                CodeChallengeMethod::parse(method.unwrap_or("plain"))
                    .map_err(|e| fail("invalid_request", &e.to_string()))?;
                CodeChallenge::parse(c).map_err(|e| fail("invalid_request", &e.to_string()))?
            }
        };
        let nonce = get("nonce")
            .map(Nonce::parse)
            .transpose()
            .map_err(|e| fail("invalid_request", &e.to_string()))?;
        let prompt = Prompt::parse(get("prompt").unwrap_or(""))
            .map_err(|e| fail("invalid_request", &e.to_string()))?;
        let max_age = get("max_age")
            .map(|m| m.parse::<i64>().ok().filter(|v| *v >= 0))
            .map(|m| {
                m.ok_or_else(|| fail("invalid_request", "max_age must be a non-negative integer"))
            })
            .transpose()?;
        let login_hint = get("login_hint")
            .filter(|h| h.len() <= 254)
            .map(str::to_owned);
        Ok(AuthorizationRequest {
            client,
            redirect_uri,
            redirect_uri_sent,
            scope,
            state,
            nonce,
            code_challenge,
            prompt,
            max_age,
            login_hint,
            response_mode,
        })
    }

    /// Decides what happens next for a valid request, given the browser's session.
    pub async fn decide(
        &self,
        request: AuthorizationRequest,
        session: Option<&BrowserSession>,
        interaction: Interaction,
    ) -> Result<AuthorizeOutcome, AuthorizeError> {
        let now = self.clock.now();
        let signed_in_here = match interaction {
            Interaction::Start => false,
            Interaction::LoggedIn => true,
            Interaction::Consented { sign_in, .. } => sign_in == SignInProof::ThisAuthorization,
        };
        // A re-authentication demand sets the session aside unless its sign-in happened in
        // this very authorization, recently: then the login page comes (again), never a code.
        let session = session.filter(|s| {
            !request.demands_reauthentication(s, now)
                || (signed_in_here
                    && now.as_secs().saturating_sub(s.auth_time.as_secs())
                        <= REAUTHENTICATION_WINDOW_SECS)
        });
        let user = match session {
            Some(s) => self.users.find(&s.user_id).await?.filter(|u| !u.disabled),
            None => None,
        };
        let (Some(session), Some(user)) = (session, user) else {
            if request.prompt.none {
                return Err(self.request_error(
                    &request,
                    "login_required",
                    "the user is not signed in",
                ));
            }
            return Ok(AuthorizeOutcome::Login {
                request: Box::new(request),
            });
        };

        if !request.client.skip_consent {
            match interaction {
                Interaction::Consented { allow: false, .. } => {
                    return Err(self.request_error(
                        &request,
                        "access_denied",
                        "the user denied the request",
                    ));
                }
                Interaction::Consented { allow: true, .. } => {
                    let previous = self.consents.find(&user.id, &request.client.id).await?;
                    let mut scope = request.scope.to_string();
                    if let Some(p) = previous {
                        scope = format!("{} {}", p.scope, request.scope);
                    }
                    let merged =
                        ScopeSet::parse(scope.trim()).unwrap_or_else(|_| request.scope.clone());
                    self.consents
                        .upsert(&Consent {
                            user_id: user.id.clone(),
                            client_id: request.client.id.clone(),
                            scope: merged,
                            granted_at: now,
                        })
                        .await?;
                }
                Interaction::Start | Interaction::LoggedIn => {
                    let covered = !request.prompt.consent
                        && self
                            .consents
                            .find(&user.id, &request.client.id)
                            .await?
                            .is_some_and(|c| c.covers(&request.scope));
                    if !covered {
                        if request.prompt.none {
                            return Err(self.request_error(
                                &request,
                                "consent_required",
                                "the user has not consented",
                            ));
                        }
                        return Ok(AuthorizeOutcome::Consent {
                            request: Box::new(request),
                            user: Box::new(user),
                        });
                    }
                }
            }
        }

        let code = random_token(self.rng.as_ref(), 32);
        // A URI that matched a registered one always parses; if it ever did not, refuse rather
        // than issue a code without its redirect binding (AS-18).
        let stored_redirect = if request.redirect_uri_sent {
            Some(RedirectUri::parse(&request.redirect_uri).map_err(|_| {
                self.request_error(&request, "invalid_request", "redirect_uri is not valid")
            })?)
        } else {
            None
        };
        self.codes
            .insert(&AuthorizationCode {
                digest: TokenDigest::of(&code),
                client_id: request.client.id.clone(),
                user_id: user.id.clone(),
                grant_id: random_token(self.rng.as_ref(), 16),
                redirect_uri: stored_redirect,
                code_challenge: Some(request.code_challenge.clone()),
                scope: request.scope.clone(),
                nonce: request.nonce.clone(),
                auth_time: session.auth_time,
                expires_at: now.plus(self.settings.lifetimes.authorization_code),
            })
            .await?;
        let mut params = vec![("code".to_owned(), code)];
        if let Some(s) = &request.state {
            params.push(("state".into(), s.as_str().to_owned()));
        }
        params.push(("iss".into(), self.settings.issuer.clone()));
        Ok(AuthorizeOutcome::Respond(AuthorizationResponse {
            redirect_uri: request.redirect_uri,
            mode: request.response_mode,
            params,
        }))
    }

    /// An error response for a validated request.
    pub fn request_error(
        &self,
        r: &AuthorizationRequest,
        error: &str,
        description: &str,
    ) -> AuthorizeError {
        self.error_response(
            &r.redirect_uri,
            r.response_mode,
            error,
            description,
            &r.state,
        )
    }

    fn error_response(
        &self,
        redirect_uri: &str,
        mode: ResponseMode,
        error: &str,
        description: &str,
        state: &Option<State>,
    ) -> AuthorizeError {
        let mut params = vec![
            ("error".to_owned(), error.to_owned()),
            (
                "error_description".to_owned(),
                crate::errors::oauth_description(description),
            ),
        ];
        if let Some(s) = state {
            params.push(("state".into(), s.as_str().to_owned()));
        }
        params.push(("iss".into(), self.settings.issuer.clone()));
        AuthorizeError::Redirect(AuthorizationResponse {
            redirect_uri: redirect_uri.to_owned(),
            mode,
            params,
        })
    }
}

#[cfg(test)]
mod tests;
