//! A validated authorization request and how the person reached the current step.

use tessera_domain::{
    Acr, BrowserSession, Client, CodeChallenge, Nonce, Prompt, ResourceTarget, ResponseMode,
    ScopeSet, State, UnixTime,
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
    /// The least authentication level the code needs: the weakest of `acr_values` this
    /// server knows, raised to `mfa` for a client that requires it or by `mfa.required`.
    pub acr: Option<Acr>,
    /// The protected resources (RFC 8707) the code's tokens will be for; the consent page
    /// names them.
    pub resources: ResourceTarget,
}

/// How long after signing in a proven sign-in still answers a re-authentication demand: time
/// enough to read the consent page, never a lasting pass for a replayed form.
pub const REAUTHENTICATION_WINDOW_SECS: i64 = 600;

impl AuthorizationRequest {
    /// True when `session`'s sign-in alone cannot stand behind a code for this request: it
    /// asks for a new login (`prompt=login` / `select_account`) or for an authentication
    /// younger than `max_age`, or at a stronger level than the session's (step-up). The one
    /// place such demands are listed.
    pub fn demands_reauthentication(&self, session: &BrowserSession, now: UnixTime) -> bool {
        self.prompt.forces_login()
            || !session.satisfies_max_age(self.max_age, now)
            || !self.level_met_by(session)
    }

    /// True when `session`'s authentication reaches the level this request needs.
    pub fn level_met_by(&self, session: &BrowserSession) -> bool {
        self.acr
            .is_none_or(|wanted| session.amr.acr().satisfies(wanted))
    }
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
    /// They read the notice that their address is not verified yet and chose to continue.
    Continued {
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
