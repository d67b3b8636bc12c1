//! The one outbound HTTP client (SECURITY.md AS-41): every fetch Tessera makes — Client ID
//! Metadata Documents now, `jwks_uri`, request objects, back-channel logout and upstream
//! providers later — goes through [`OutboundClient`], so the SSRF rules live in one place:
//!
//! - `https` only (`http` only to a loopback host, and only with `allow_private_addresses`);
//! - every address a name resolves to is checked *after* resolution by the client's own
//!   resolver, and an IP-literal URL (which no resolver sees) is checked the same way: loopback,
//!   private, link-local and metadata, CGNAT, multicast and reserved addresses are refused
//!   unless `outbound.allow_private_addresses` is on (development and tests only);
//! - system proxies are ignored, so a proxy cannot do the connecting for us unchecked;
//! - redirects only to the same scheme, host and port, at most [`MAX_REDIRECTS`];
//! - a total time limit and a body cap enforced while the body streams in.

mod address;
pub mod backchannel_logout;
mod cache_control;
pub mod metadata_documents;
mod resolver;
pub mod upstream_provider;

pub use address::is_public;
pub use backchannel_logout::OutboundLogoutSender;
pub use cache_control::CacheHints;
pub use metadata_documents::MetadataDocumentFetcher;
pub use upstream_provider::OutboundUpstreamProvider;

use crate::observability::otel;
use reqwest::Url;
use resolver::{AddressRefused, GuardedResolver};
use serde_json::Value;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// At most this many redirects, each to the same origin.
pub const MAX_REDIRECTS: usize = 3;
/// The total time of one fetch by default: connect, TLS, redirects and body.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// How the outbound client is set up (`outbound.*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboundSettings {
    /// Lets fetches reach loopback and private addresses, and `http` on loopback hosts
    /// (development and tests; refused in production).
    pub allow_private_addresses: bool,
    /// The total time of one fetch.
    pub timeout: Duration,
}

impl Default for OutboundSettings {
    fn default() -> Self {
        Self {
            allow_private_addresses: false,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// Why an outbound fetch failed or was refused.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// Not a URL.
    #[error("not a valid URL")]
    Url(#[source] url::ParseError),
    /// A scheme other than https (or http to loopback in development).
    #[error("only https URLs may be fetched")]
    Scheme,
    /// The URL names, or its host resolves to, an address outbound fetches may not reach.
    #[error("{0} is not a public address")]
    ForbiddenAddress(IpAddr),
    /// A redirect to another origin, or too many.
    #[error("redirect refused: {0}")]
    Redirect(&'static str),
    /// The whole fetch took longer than allowed.
    #[error("the fetch timed out")]
    Timeout,
    /// The body is larger than the cap.
    #[error("the response is larger than {0} bytes")]
    TooLarge(usize),
    /// An HTTP status other than 200.
    #[error("the server answered HTTP {0}")]
    Status(u16),
    /// The body is not JSON.
    #[error("the response is not JSON")]
    NotJson(#[source] serde_json::Error),
    /// Resolution, connection, TLS or protocol failure.
    #[error("the fetch failed")]
    Http(#[source] reqwest::Error),
}

/// A JSON document fetched, with what its headers say about caching it.
#[derive(Debug, Clone)]
pub struct FetchedJson {
    /// The parsed body.
    pub value: Value,
    /// `Cache-Control` as the caller may honour it.
    pub cache: CacheHints,
    /// Bytes of the body as received.
    pub size: usize,
}

/// The guarded HTTP client; cheap to clone, build one per process.
#[derive(Clone)]
pub struct OutboundClient {
    http: reqwest::Client,
    /// The same guards without redirects, for POSTs: reqwest would turn a POST into a GET on a
    /// 301/302/303, and a logout token is for the URL registered, not wherever it points.
    post: reqwest::Client,
    settings: OutboundSettings,
}

impl std::fmt::Debug for OutboundClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboundClient")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl OutboundClient {
    /// Builds the client (the TLS backend is initialised here, once).
    pub fn new(settings: OutboundSettings) -> Result<Self, OutboundError> {
        let allow_private = settings.allow_private_addresses;
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            let Some(first) = attempt.previous().first() else {
                return attempt.error(RedirectRefused("no original request"));
            };
            if attempt.previous().len() > MAX_REDIRECTS {
                return attempt.error(RedirectRefused("too many redirects"));
            }
            let next = attempt.url();
            let same_origin = next.scheme() == first.scheme()
                && next.host_str() == first.host_str()
                && next.port_or_known_default() == first.port_or_known_default();
            if !same_origin {
                return attempt.error(RedirectRefused("to another origin"));
            }
            if let Err(e) = check_url(next, allow_private) {
                return attempt.error(e);
            }
            attempt.follow()
        });
        let builder = || {
            reqwest::Client::builder()
                .dns_resolver(Arc::new(GuardedResolver::new(allow_private)))
                .no_proxy()
                .timeout(settings.timeout)
                .connect_timeout(settings.timeout)
                .http1_only()
                .user_agent(concat!("Tessera/", env!("CARGO_PKG_VERSION")))
        };
        let http = builder()
            .redirect(redirects)
            .build()
            .map_err(OutboundError::Http)?;
        let post = builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(OutboundError::Http)?;
        Ok(Self {
            http,
            post,
            settings,
        })
    }

    /// The settings it was built with.
    pub fn settings(&self) -> OutboundSettings {
        self.settings
    }

    /// GETs `url` as JSON (`Accept: application/json`): status 200, at most `max_bytes` of
    /// body, within the time limit, every address checked.
    pub async fn get_json(
        &self,
        url: &str,
        max_bytes: usize,
    ) -> Result<FetchedJson, OutboundError> {
        let url = Url::parse(url).map_err(OutboundError::Url)?;
        check_url(&url, self.settings.allow_private_addresses)?;
        let fetch = self.fetch(url, max_bytes);
        // reqwest's own timeout covers the body too; this one also bounds our own reading.
        match tokio::time::timeout(self.settings.timeout, fetch).await {
            Ok(result) => result,
            Err(_) => Err(OutboundError::Timeout),
        }
    }

    /// GETs `url` as bytes (`Accept: accept`) under the same rules as [`Self::get_json`]:
    /// for images such as a client's `logo_uri`. Returns the body and its `Content-Type`.
    pub async fn get_bytes(
        &self,
        url: &str,
        accept: &str,
        max_bytes: usize,
    ) -> Result<(Vec<u8>, Option<String>), OutboundError> {
        let url = Url::parse(url).map_err(OutboundError::Url)?;
        check_url(&url, self.settings.allow_private_addresses)?;
        let fetch = self.fetch_raw(url, accept, max_bytes);
        match tokio::time::timeout(self.settings.timeout, fetch).await {
            Ok(Ok((body, _, content_type))) => Ok((body, content_type)),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(OutboundError::Timeout),
        }
    }

    /// POSTs `form` (`application/x-www-form-urlencoded`) to `url` under the same rules as
    /// every fetch; returns the status (the body is not read). A redirect is not followed for
    /// a POST's sake: its status is the answer.
    pub async fn post_form(&self, url: &str, form: &[(&str, &str)]) -> Result<u16, OutboundError> {
        let url = Url::parse(url).map_err(OutboundError::Url)?;
        check_url(&url, self.settings.allow_private_addresses)?;
        let body = serde_urlencoded::to_string(form).map_err(|_| OutboundError::Scheme)?;
        let span = otel::client_span("POST", &url);
        let send = traced(
            self.post.post(url).header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            ),
            &span,
        )
        .body(body)
        .send();
        let answer = match tokio::time::timeout(self.settings.timeout, send).await {
            Ok(Ok(response)) => Ok(response.status().as_u16()),
            Ok(Err(e)) => Err(classify(e)),
            Err(_) => Err(OutboundError::Timeout),
        };
        record(&span, answer.as_ref().ok().copied());
        answer
    }

    /// POSTs `form` to `url` and reads a JSON answer (a token endpoint), under the same rules
    /// as every fetch and without following redirects; `basic` adds HTTP Basic credentials
    /// (RFC 6749 §2.3.1: each part form-urlencoded first). Status 200 only.
    pub async fn post_form_json(
        &self,
        url: &str,
        form: &[(&str, &str)],
        basic: Option<(&str, &str)>,
        max_bytes: usize,
    ) -> Result<FetchedJson, OutboundError> {
        let url = Url::parse(url).map_err(OutboundError::Url)?;
        check_url(&url, self.settings.allow_private_addresses)?;
        let body = serde_urlencoded::to_string(form).map_err(|_| OutboundError::Scheme)?;
        let mut request = self
            .post
            .post(url.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body);
        if let Some((user, password)) = basic {
            let enc =
                |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            request = request.basic_auth(enc(user), Some(enc(password)));
        }
        let fetch = self.read_json(request, "POST", &url, max_bytes);
        match tokio::time::timeout(self.settings.timeout, fetch).await {
            Ok(result) => result,
            Err(_) => Err(OutboundError::Timeout),
        }
    }

    /// GETs `url` as JSON with `Authorization: Bearer` (an API call on the person's behalf).
    pub async fn get_json_bearer(
        &self,
        url: &str,
        bearer: &str,
        max_bytes: usize,
    ) -> Result<FetchedJson, OutboundError> {
        let url = Url::parse(url).map_err(OutboundError::Url)?;
        check_url(&url, self.settings.allow_private_addresses)?;
        let request = self
            .http
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .bearer_auth(bearer);
        let fetch = self.read_json(request, "GET", &url, max_bytes);
        match tokio::time::timeout(self.settings.timeout, fetch).await {
            Ok(result) => result,
            Err(_) => Err(OutboundError::Timeout),
        }
    }

    async fn fetch(&self, url: Url, max_bytes: usize) -> Result<FetchedJson, OutboundError> {
        let request = self
            .http
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json");
        self.read_json(request, "GET", &url, max_bytes).await
    }

    /// Sends `request` and reads a JSON answer (status 200, within `max_bytes`).
    async fn read_json(
        &self,
        request: reqwest::RequestBuilder,
        method: &'static str,
        url: &Url,
        max_bytes: usize,
    ) -> Result<FetchedJson, OutboundError> {
        let (body, cache, _) = self.read_raw(request, method, url, max_bytes).await?;
        let value = serde_json::from_slice(&body).map_err(OutboundError::NotJson)?;
        Ok(FetchedJson {
            value,
            cache,
            size: body.len(),
        })
    }

    /// One guarded GET: status 200, the body within `max_bytes`, its caching hints and type.
    async fn fetch_raw(
        &self,
        url: Url,
        accept: &str,
        max_bytes: usize,
    ) -> Result<(Vec<u8>, CacheHints, Option<String>), OutboundError> {
        let request = self
            .http
            .get(url.clone())
            .header(reqwest::header::ACCEPT, accept);
        self.read_raw(request, "GET", &url, max_bytes).await
    }

    /// Sends `request`: status 200, the body within `max_bytes`, its caching hints and type.
    async fn read_raw(
        &self,
        request: reqwest::RequestBuilder,
        method: &'static str,
        url: &Url,
        max_bytes: usize,
    ) -> Result<(Vec<u8>, CacheHints, Option<String>), OutboundError> {
        let span = otel::client_span(method, url);
        let sent = traced(request, &span).send().await;
        record(&span, sent.as_ref().ok().map(|r| r.status().as_u16()));
        let mut response = sent.map_err(classify)?;
        let status = response.status();
        if status != reqwest::StatusCode::OK {
            return Err(OutboundError::Status(status.as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|n| n > max_bytes as u64)
        {
            return Err(OutboundError::TooLarge(max_bytes));
        }
        let cache = CacheHints::from_headers(response.headers());
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if body.len().saturating_add(chunk.len()) > max_bytes {
                return Err(OutboundError::TooLarge(max_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        Ok((body, cache, content_type))
    }
}

/// `request` with the W3C trace context of `span` (`traceparent`), when tracing records it.
fn traced(mut request: reqwest::RequestBuilder, span: &otel::ChildSpan) -> reqwest::RequestBuilder {
    for (name, value) in span.trace_headers() {
        request = request.header(name, value);
    }
    request
}

/// The answer's status on the span of an outgoing request; none is a failure.
fn record(span: &otel::ChildSpan, status: Option<u16>) {
    match status {
        Some(code) => span.set("http.response.status_code", || i64::from(code).into()),
        None => span.fail("no answer"),
    }
}

/// A redirect the policy refused, found again in the error's source chain.
#[derive(Debug, thiserror::Error)]
#[error("redirect refused: {0}")]
struct RedirectRefused(&'static str);

/// The scheme rule, and the address rule for IP literals (the resolver never sees those).
fn check_url(url: &Url, allow_private: bool) -> Result<(), OutboundError> {
    let host = url.host().ok_or(OutboundError::Scheme)?;
    let literal = match host {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(_) => None,
    };
    let loopback = match (literal, host) {
        (Some(ip), _) => ip.is_loopback(),
        (None, url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        (None, _) => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if allow_private && loopback => {}
        _ => return Err(OutboundError::Scheme),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(OutboundError::Scheme);
    }
    match literal {
        Some(ip) if !allow_private && !is_public(ip) => Err(OutboundError::ForbiddenAddress(ip)),
        _ => Ok(()),
    }
}

/// A reqwest error as ours: the resolver's and the redirect policy's refusals are found in the
/// source chain.
fn classify(e: reqwest::Error) -> OutboundError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(s) = source {
        if let Some(refused) = s.downcast_ref::<AddressRefused>() {
            return OutboundError::ForbiddenAddress(refused.0);
        }
        if let Some(refused) = s.downcast_ref::<RedirectRefused>() {
            return OutboundError::Redirect(refused.0);
        }
        if let Some(OutboundError::ForbiddenAddress(ip)) = s.downcast_ref::<OutboundError>() {
            return OutboundError::ForbiddenAddress(*ip);
        }
        if let Some(OutboundError::Scheme) = s.downcast_ref::<OutboundError>() {
            return OutboundError::Redirect("to a scheme that is not allowed");
        }
        source = s.source();
    }
    if e.is_timeout() {
        return OutboundError::Timeout;
    }
    OutboundError::Http(e)
}

#[cfg(test)]
pub(crate) mod tests;
