//! `prompt` and `response_mode` of an authorization request (OIDC Core §3.1.2.1, OAuth 2.0
//! Multiple Response Types, Form Post Response Mode).

/// Why a prompt or response mode is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromptError {
    /// An unknown value.
    #[error("prompt value {0:?} is not supported")]
    Unknown(String),
    /// `none` combined with anything else (OIDC Core §3.1.2.1 makes that an error).
    #[error("prompt=none cannot be combined with other values")]
    NoneWithOthers,
    /// An unknown response mode.
    #[error("response_mode {0:?} is not supported")]
    ResponseMode(String),
}

/// What the client asked the authorization server to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Prompt {
    /// Show nothing; fail if interaction would be needed.
    pub none: bool,
    /// Ask for credentials again even with a session.
    pub login: bool,
    /// Ask for consent again even if it was given.
    pub consent: bool,
    /// Offer to choose an account (Tessera shows the login page).
    pub select_account: bool,
}

impl Prompt {
    /// Parses a space-separated prompt list.
    pub fn parse(s: &str) -> Result<Self, PromptError> {
        let mut p = Prompt::default();
        let mut count = 0;
        for v in s.split(' ').filter(|v| !v.is_empty()) {
            count += 1;
            match v {
                "none" => p.none = true,
                "login" => p.login = true,
                "consent" => p.consent = true,
                "select_account" => p.select_account = true,
                other => return Err(PromptError::Unknown(other.to_owned())),
            }
        }
        if p.none && count > 1 {
            return Err(PromptError::NoneWithOthers);
        }
        Ok(p)
    }

    /// True when the login page must be shown even with a valid session.
    pub fn forces_login(&self) -> bool {
        self.login || self.select_account
    }
}

/// How the authorization response travels back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResponseMode {
    /// Parameters in the redirect URI's query (the default for `code`).
    #[default]
    Query,
    /// An auto-submitting HTML form POSTed to the redirect URI.
    FormPost,
}

impl ResponseMode {
    /// Parses a response mode; `fragment` is refused (it exists for implicit flows).
    pub fn parse(s: &str) -> Result<Self, PromptError> {
        match s {
            "query" => Ok(Self::Query),
            "form_post" => Ok(Self::FormPost),
            other => Err(PromptError::ResponseMode(other.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests;
