//! Reading `application/x-www-form-urlencoded` bodies the way OAuth 2.1 §3.1/§3.2 demands:
//! a size limit, each parameter at most once, empty values treated as absent.

use super::errors::ApiError;
use actix_web::http::header;
use actix_web::{web, HttpRequest};
use std::collections::HashMap;

/// Largest form body accepted; OAuth requests are small, and a bound protects memory.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

/// The parameters a request may repeat: RFC 8707 §2 `resource` and RFC 8693 §2.1 `audience`
/// name several targets by repetition. Every other parameter appears at most once.
pub const REPEATABLE: [&str; 2] = ["resource", "audience"];

/// A parsed form with every parameter present once, except the [`REPEATABLE`] ones.
#[derive(Debug, Default)]
pub struct OAuthForm {
    single: HashMap<String, String>,
    /// The repeatable parameters, in the order sent.
    repeated: Vec<(String, String)>,
}

impl OAuthForm {
    /// Reads and parses the body of `req`.
    pub async fn read(req: &HttpRequest, payload: web::Payload) -> Result<Self, ApiError> {
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                m.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        if !is_form {
            return Err(ApiError::invalid_request(
                "the body must be application/x-www-form-urlencoded",
            ));
        }
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > MAX_FORM_BYTES) {
            return Err(ApiError::payload_too_large(MAX_FORM_BYTES));
        }
        let body = match payload.to_bytes_limited(MAX_FORM_BYTES).await {
            Ok(Ok(b)) => b,
            Ok(Err(_)) => {
                return Err(ApiError::invalid_request(
                    "the request body could not be read",
                ))
            }
            Err(_) => return Err(ApiError::payload_too_large(MAX_FORM_BYTES)),
        };
        Self::parse(&body)
    }

    /// Parses a form body; a repeated parameter is `invalid_request`.
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        if std::str::from_utf8(body).is_err() {
            return Err(ApiError::invalid_request(
                "the form body is not valid UTF-8",
            ));
        }
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
            .map_err(|_| ApiError::invalid_request("the form body is not valid"))?;
        let mut single = HashMap::with_capacity(pairs.len());
        let mut repeated = Vec::new();
        for (k, v) in pairs {
            if REPEATABLE.contains(&k.as_str()) {
                repeated.push((k, v));
                continue;
            }
            if single.contains_key(&k) {
                return Err(ApiError::invalid_request(format!(
                    "parameter {k:?} must not be repeated"
                )));
            }
            single.insert(k, v);
        }
        Ok(Self { single, repeated })
    }

    /// A parameter's value; empty values count as absent (OAuth 2.1 §3.1). A [`REPEATABLE`]
    /// parameter is read with [`Self::get_all`] instead.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.single
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Every non-empty value of a [`REPEATABLE`] parameter, in the order sent.
    pub fn get_all(&self, name: &str) -> Vec<&str> {
        self.repeated
            .iter()
            .filter(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The single-valued parameters without empty values, for services that take a map.
    pub fn into_map(self) -> HashMap<String, String> {
        self.single
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .collect()
    }

    /// Every parameter without empty values, the repeatable ones once per value.
    pub fn into_pairs(self) -> Vec<(String, String)> {
        self.single
            .into_iter()
            .chain(self.repeated)
            .filter(|(_, v)| !v.is_empty())
            .collect()
    }

    /// A required parameter, or `invalid_request` naming it.
    pub fn require(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name)
            .ok_or_else(|| ApiError::invalid_request(format!("missing parameter {name:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_09_repeated_parameters_are_refused() {
        let e = OAuthForm::parse(b"grant_type=a&grant_type=b").unwrap_err();
        assert_eq!(
            e.code(),
            tessera_application::OAuthErrorCode::InvalidRequest
        );
    }

    #[test]
    fn resource_and_audience_may_repeat_and_keep_their_order() {
        let f = OAuthForm::parse(
            b"resource=https%3A%2F%2Fa&resource=https%3A%2F%2Fb&audience=x&resource=",
        )
        .unwrap();
        assert_eq!(f.get_all("resource"), vec!["https://a", "https://b"]);
        assert_eq!(f.get_all("audience"), vec!["x"]);
        assert_eq!(f.get("resource"), None);
        let mut pairs = f.into_pairs();
        pairs.sort();
        assert_eq!(pairs.len(), 3);
    }

    #[test]
    fn as_09_empty_means_absent_and_unknown_is_ignored() {
        let f = OAuthForm::parse(b"scope=&grant_type=client_credentials&foo=bar").unwrap();
        assert_eq!(f.get("scope"), None);
        assert_eq!(f.require("grant_type").unwrap(), "client_credentials");
        assert!(f.require("scope").is_err());
    }

    #[test]
    fn decodes_percent_and_plus() {
        let f = OAuthForm::parse(b"scope=read+write&x=a%26b").unwrap();
        assert_eq!(f.get("scope"), Some("read write"));
        assert_eq!(f.get("x"), Some("a&b"));
    }

    #[test]
    fn malformed_encoding_is_invalid_request() {
        assert!(OAuthForm::parse(&[0xff, b'=', b'1']).is_err());
    }
}

#[cfg(test)]
mod properties;
