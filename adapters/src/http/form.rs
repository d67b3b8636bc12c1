//! Reading `application/x-www-form-urlencoded` bodies the way OAuth 2.1 §3.1/§3.2 demands:
//! a size limit, each parameter at most once, empty values treated as absent.

use super::errors::ApiError;
use actix_web::http::header;
use actix_web::{web, HttpRequest};
use std::collections::HashMap;

/// Largest form body accepted; OAuth requests are small, and a bound protects memory (R-08).
pub const MAX_FORM_BYTES: usize = 16 * 1024;

/// A parsed form with every parameter present once, except those the endpoint lets repeat.
#[derive(Debug, Default)]
pub struct OAuthForm(HashMap<String, String>, HashMap<String, Vec<String>>);

/// Parameters the token-side endpoints let repeat: RFC 8707 §2 `resource` and RFC 8693 §2.1
/// `audience` name one target each.
pub const REPEATABLE_TARGETS: [&str; 2] = ["resource", "audience"];

impl OAuthForm {
    /// Reads and parses the body of `req`.
    pub async fn read(req: &HttpRequest, payload: web::Payload) -> Result<Self, ApiError> {
        Self::read_allowing(req, payload, &[]).await
    }

    /// Like [`Self::read`], letting the parameters named in `repeatable` appear more than once.
    pub async fn read_allowing(
        req: &HttpRequest,
        payload: web::Payload,
        repeatable: &[&str],
    ) -> Result<Self, ApiError> {
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
        Self::parse_allowing(&body, repeatable)
    }

    /// Parses a form body; a repeated parameter is `invalid_request`.
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        Self::parse_allowing(body, &[])
    }

    /// Like [`Self::parse`], letting the parameters named in `repeatable` appear more than
    /// once; read them with [`Self::all`].
    pub fn parse_allowing(body: &[u8], repeatable: &[&str]) -> Result<Self, ApiError> {
        if std::str::from_utf8(body).is_err() {
            return Err(ApiError::invalid_request(
                "the form body is not valid UTF-8",
            ));
        }
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
            .map_err(|_| ApiError::invalid_request("the form body is not valid"))?;
        let mut map = HashMap::with_capacity(pairs.len());
        let mut many: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in pairs {
            if repeatable.contains(&k.as_str()) {
                if !v.is_empty() {
                    many.entry(k).or_default().push(v);
                }
                continue;
            }
            if map.contains_key(&k) {
                return Err(ApiError::invalid_request(format!(
                    "parameter {k:?} must not be repeated"
                )));
            }
            map.insert(k, v);
        }
        Ok(Self(map, many))
    }

    /// A parameter's value; empty values count as absent (OAuth 2.1 §3.1). A repeatable
    /// parameter has a value here only when it was sent once.
    pub fn get(&self, name: &str) -> Option<&str> {
        if let Some(values) = self.1.get(name) {
            return match values.as_slice() {
                [one] => Some(one.as_str()),
                _ => None,
            };
        }
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Every non-empty value of a repeatable parameter, in order; empty when it was not sent.
    pub fn all(&self, name: &str) -> &[String] {
        self.1.get(name).map_or(&[], Vec::as_slice)
    }

    /// The parameters without empty values, for services that take a map (a repeatable
    /// parameter only when it was sent once).
    pub fn into_map(self) -> HashMap<String, String> {
        let once = self.1.into_iter().filter_map(|(k, mut v)| {
            let last = v.pop();
            last.filter(|_| v.is_empty()).map(|one| (k, one))
        });
        self.0
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .chain(once)
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
    fn target_parameters_repeat_only_where_allowed() {
        let body = b"resource=https%3A%2F%2Fa%2F&resource=https%3A%2F%2Fb%2F&audience=&scope=x";
        assert!(OAuthForm::parse(body).is_err());
        let f = OAuthForm::parse_allowing(body, &REPEATABLE_TARGETS).unwrap();
        assert_eq!(f.all("resource"), ["https://a/", "https://b/"]);
        assert!(f.all("audience").is_empty());
        assert_eq!(f.get("resource"), None);
        assert_eq!(f.get("scope"), Some("x"));
        let once = OAuthForm::parse_allowing(b"resource=r", &REPEATABLE_TARGETS).unwrap();
        assert_eq!(once.get("resource"), Some("r"));
        assert_eq!(
            once.into_map().get("resource").map(String::as_str),
            Some("r")
        );
        let e = OAuthForm::parse_allowing(b"scope=a&scope=b", &REPEATABLE_TARGETS).unwrap_err();
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

#[cfg(test)]
mod properties;
