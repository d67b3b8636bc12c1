//! Reading `application/x-www-form-urlencoded` bodies the way OAuth 2.1 §3.1/§3.2 demands:
//! a size limit, each parameter at most once, empty values treated as absent.

use super::errors::ApiError;
use actix_web::http::header;
use actix_web::{web, HttpRequest};
use std::collections::HashMap;

/// Largest form body accepted; OAuth requests are small, and a bound protects memory.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

/// A parsed form with every parameter present once.
#[derive(Debug, Default)]
pub struct OAuthForm(HashMap<String, String>);

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
        let mut map = HashMap::with_capacity(pairs.len());
        for (k, v) in pairs {
            if map.contains_key(&k) {
                return Err(ApiError::invalid_request(format!(
                    "parameter {k:?} must not be repeated"
                )));
            }
            map.insert(k, v);
        }
        Ok(Self(map))
    }

    /// A parameter's value; empty values count as absent (OAuth 2.1 §3.1).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The parameters without empty values, for services that take a map.
    pub fn into_map(self) -> HashMap<String, String> {
        self.0.into_iter().filter(|(_, v)| !v.is_empty()).collect()
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
