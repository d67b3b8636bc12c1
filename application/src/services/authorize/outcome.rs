//! What an authorization step ends in: a page for the browser, or a response to the client.

use super::AuthorizationRequest;
use crate::{OAuthErrorCode, RepositoryError};
use tessera_domain::{ResponseMode, State, User};

/// Where and how to send an authorization response, success or error (RFC 6749 §4.1.2 and
/// §4.1.2.1, RFC 9207).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationResponse {
    /// The client's redirect URI.
    pub redirect_uri: String,
    /// Query or form post.
    pub mode: ResponseMode,
    /// A code, or the error the client is told about.
    pub result: AuthorizationResult,
    /// The client's state, echoed when it sent a valid one.
    pub state: Option<State>,
    /// This server's issuer identifier, always sent (RFC 9207).
    pub iss: String,
}

/// The payload of an authorization response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizationResult {
    /// The authorization code handed to the client.
    Code(String),
    /// The request failed; the client learns why (RFC 6749 §4.1.2.1).
    Error {
        /// The protocol error code.
        code: OAuthErrorCode,
        /// A human-readable description, already restricted to the characters RFC 6749 allows.
        description: String,
    },
}

impl AuthorizationResponse {
    /// The error code, when this response reports an error.
    pub fn error_code(&self) -> Option<OAuthErrorCode> {
        match &self.result {
            AuthorizationResult::Code(_) => None,
            AuthorizationResult::Error { code, .. } => Some(*code),
        }
    }

    /// The response parameters in the order they are sent: `code` or `error` and
    /// `error_description`, then `state` if any, then `iss`. Both response modes (query and
    /// form post) send exactly these.
    pub fn params(&self) -> Vec<(String, String)> {
        let mut params = match &self.result {
            AuthorizationResult::Code(code) => vec![("code".to_owned(), code.clone())],
            AuthorizationResult::Error { code, description } => vec![
                ("error".to_owned(), code.to_string()),
                ("error_description".to_owned(), description.clone()),
            ],
        };
        if let Some(s) = &self.state {
            params.push(("state".to_owned(), s.as_str().to_owned()));
        }
        params.push(("iss".to_owned(), self.iss.clone()));
        params
    }
}

/// Why an authorization request fails.
#[derive(Debug, thiserror::Error)]
pub enum AuthorizeError {
    /// The client or redirect URI cannot be trusted: show an error page and never redirect
    /// (RFC 6749 §4.1.2.1, AS-03).
    #[error("{0}")]
    NotRedirectable(String),
    /// An error to send back to the client's redirect URI.
    #[error("{}", .0.error_code().map_or_else(|| "error".to_owned(), |c| c.to_string()))]
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
    /// The person signed in, but not at the level the request needs (a second factor or a
    /// passkey they have not set up): lead them to set one up.
    SecondFactorNeeded {
        /// The request being served.
        request: Box<AuthorizationRequest>,
        /// Who is signed in.
        user: Box<User>,
    },
    /// The person is signed in, but their email address is not verified yet: tell them, with
    /// a way to have the link sent again. When `required` (`accounts.require_verified_email`)
    /// no code is issued until it is verified; otherwise the notice is shown once, right after
    /// signing in, and they may continue ([`super::Interaction::Continued`]).
    EmailUnverified {
        /// The request being served.
        request: Box<AuthorizationRequest>,
        /// Who is signed in.
        user: Box<User>,
        /// The flow cannot go on before the address is verified.
        required: bool,
    },
    /// Back to the client, with a code or an error.
    Respond(AuthorizationResponse),
}
