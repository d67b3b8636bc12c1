//! The authorization request's parameters as the browser sent them, before any validation.

use std::collections::BTreeMap;

/// The parameters of an authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core
/// §3.1.2.1), each present at most once and never empty: the edge refuses repeats and drops
/// empty values (OAuth 2.1 §3.1) before building this. Nothing here is validated yet; that is
/// [`super::Authorize::validate`]'s work, so every step re-checks the whole request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizeParams {
    /// `client_id`.
    pub client_id: Option<String>,
    /// `redirect_uri`.
    pub redirect_uri: Option<String>,
    /// `response_type`.
    pub response_type: Option<String>,
    /// `response_mode` (OAuth 2.0 Multiple Response Types, Form Post Response Mode).
    pub response_mode: Option<String>,
    /// `scope`.
    pub scope: Option<String>,
    /// `state`.
    pub state: Option<String>,
    /// `code_challenge` (RFC 7636).
    pub code_challenge: Option<String>,
    /// `code_challenge_method` (RFC 7636).
    pub code_challenge_method: Option<String>,
    /// `nonce` (OIDC).
    pub nonce: Option<String>,
    /// `prompt` (OIDC).
    pub prompt: Option<String>,
    /// `max_age` (OIDC), still text: a bad value is an error sent to the client.
    pub max_age: Option<String>,
    /// `login_hint` (OIDC).
    pub login_hint: Option<String>,
    /// `request` (a signed request object, RFC 9101), replaced by its parameters before
    /// validation.
    pub request: Option<String>,
    /// `request_uri`: a pushed request's (RFC 9126), replaced by its parameters before
    /// validation.
    pub request_uri: Option<String>,
    /// `resource` (RFC 8707), the one parameter that may repeat, in the order sent.
    pub resources: Vec<String>,
    /// Parameters this server does not use; they travel through the login and consent pages
    /// unchanged, like the others, so a page post is the same request again.
    pub other: BTreeMap<String, String>,
    /// Where the parameters come from; never a parameter itself (not in [`Self::pairs`]).
    pub origin: ParamsOrigin,
}

/// Where an authorization request's parameters come from, for the clients that must push
/// their requests (RFC 9126 §5).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ParamsOrigin {
    /// The browser's query or form, as anyone can write it.
    #[default]
    FrontChannel,
    /// A request pushed by the authenticated client to `/par` (being validated there, or
    /// taken by its `request_uri`, or carried on by the pages with the edge's proof of it).
    Pushed,
}

impl AuthorizeParams {
    /// Sorts `pairs` (names already unique, empty values already dropped) into their fields.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut p = Self::default();
        for (name, value) in pairs {
            if value.is_empty() {
                continue;
            }
            if name == "resource" {
                p.resources.push(value);
                continue;
            }
            match p.field_mut(&name) {
                Some(field) => *field = Some(value),
                None => {
                    p.other.insert(name, value);
                }
            }
        }
        p
    }

    /// Every parameter as a name and value, sorted by name: the hidden fields of the pages.
    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = self
            .known()
            .into_iter()
            .filter_map(|(name, value)| value.map(|v| (name.to_owned(), v.clone())))
            .chain(self.other.iter().map(|(k, v)| (k.clone(), v.clone())))
            .chain(
                self.resources
                    .iter()
                    .map(|r| ("resource".to_owned(), r.clone())),
            )
            .collect();
        pairs.sort();
        pairs
    }

    /// The named parameter's field, for the parameters this server reads.
    fn field_mut(&mut self, name: &str) -> Option<&mut Option<String>> {
        Some(match name {
            "client_id" => &mut self.client_id,
            "redirect_uri" => &mut self.redirect_uri,
            "response_type" => &mut self.response_type,
            "response_mode" => &mut self.response_mode,
            "scope" => &mut self.scope,
            "state" => &mut self.state,
            "code_challenge" => &mut self.code_challenge,
            "code_challenge_method" => &mut self.code_challenge_method,
            "nonce" => &mut self.nonce,
            "prompt" => &mut self.prompt,
            "max_age" => &mut self.max_age,
            "login_hint" => &mut self.login_hint,
            "request" => &mut self.request,
            "request_uri" => &mut self.request_uri,
            _ => return None,
        })
    }

    fn known(&self) -> [(&'static str, Option<&String>); 14] {
        [
            ("client_id", self.client_id.as_ref()),
            ("redirect_uri", self.redirect_uri.as_ref()),
            ("response_type", self.response_type.as_ref()),
            ("response_mode", self.response_mode.as_ref()),
            ("scope", self.scope.as_ref()),
            ("state", self.state.as_ref()),
            ("code_challenge", self.code_challenge.as_ref()),
            ("code_challenge_method", self.code_challenge_method.as_ref()),
            ("nonce", self.nonce.as_ref()),
            ("prompt", self.prompt.as_ref()),
            ("max_age", self.max_age.as_ref()),
            ("login_hint", self.login_hint.as_ref()),
            ("request", self.request.as_ref()),
            ("request_uri", self.request_uri.as_ref()),
        ]
    }
}

#[cfg(test)]
mod tests;
