//! The operator's logo (`GET /branding/logo`) and clients' logos
//! (`GET /branding/clients/{client_id}/logo`), served by Tessera itself: the pages' CSP allows
//! images from this origin only, so a client's registered `logo_uri` (RFC 7591) is fetched
//! through the guarded outbound client (AS-41), kept small and raster-only, cached, and shown
//! on the consent page only once it was fetched and recognised.

use super::pages::{Logo, Theme};
use crate::outbound::OutboundClient;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use moka::future::Cache;
use std::sync::Arc;
use std::time::Duration;
use tessera_application::ports::ClientRepository;
use tessera_domain::{Client, ClientId};

/// The largest client logo fetched.
pub const MAX_CLIENT_LOGO_BYTES: usize = 256 * 1024;
/// How long a fetched client logo is served before it is fetched again.
const CLIENT_LOGO_TTL: Duration = Duration::from_secs(3600);
/// How long a client without a usable logo is not asked again.
const FAILED_TTL: Duration = Duration::from_secs(300);
/// How long the consent page waits for a first fetch; a slower one is shown next time.
const FIRST_FETCH_WAIT: Duration = Duration::from_millis(1500);
/// How long browsers may keep a logo.
const BROWSER_MAX_AGE: &str = "public, max-age=3600";

/// The image type of a file by its content (never by its name or a declared type): PNG,
/// JPEG, WebP, GIF by their signatures, SVG by an `<svg` root near the start.
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    raster_type(bytes).or_else(|| is_svg(bytes).then_some("image/svg+xml"))
}

/// [`image_type`] without SVG (which can carry scripts and links): what clients may show.
pub fn raster_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some("image/webp")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else {
        None
    }
}

fn is_svg(bytes: &[u8]) -> bool {
    let head = bytes.get(..bytes.len().min(2048)).unwrap_or(bytes);
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let text = text.trim_start_matches('\u{feff}').trim_start();
    text.starts_with('<') && text.contains("<svg")
}

/// An image answer: its type, no sniffing, cached a while; SVG sandboxed so it can run nothing
/// even when opened directly.
fn image_response(logo: &Logo) -> HttpResponse {
    let mut res = HttpResponse::Ok();
    res.insert_header((header::CONTENT_TYPE, logo.content_type))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, BROWSER_MAX_AGE));
    if logo.content_type == "image/svg+xml" {
        res.insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        ));
    }
    res.body(logo.bytes.clone())
}

fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

// `GET /branding/logo`.
/// The operator's logo (`branding.logo_path`)
#[utoipa::path(get, path = "/branding/logo", tag = "pages",
    description = "The logo the pages show above every form, as configured; 404 when none is.",
    responses(
        (status = 200, description = "The image (PNG, JPEG, WebP or SVG)", body = Vec<u8>, content_type = "image/*"),
        (status = 404, description = "No logo configured"),
    ))]
pub async fn logo_get(theme: Option<web::Data<Theme>>) -> HttpResponse {
    match theme.as_ref().and_then(|t| t.branding.logo.as_ref()) {
        Some(logo) => image_response(logo),
        None => not_found(),
    }
}

/// Clients' logos, fetched once in a while from their `logo_uri`.
pub struct ClientLogos {
    clients: Arc<dyn ClientRepository>,
    outbound: OutboundClient,
    fetched: Cache<String, Arc<Logo>>,
    failed: Cache<String, ()>,
}

impl ClientLogos {
    /// Logos of the clients in `clients`, fetched with `outbound`.
    pub fn new(clients: Arc<dyn ClientRepository>, outbound: OutboundClient) -> Self {
        Self {
            clients,
            outbound,
            fetched: Cache::builder()
                .max_capacity(1_000)
                .time_to_live(CLIENT_LOGO_TTL)
                .build(),
            failed: Cache::builder()
                .max_capacity(10_000)
                .time_to_live(FAILED_TTL)
                .build(),
        }
    }

    /// The logo of `client_id`, from the cache or fetched now; `None` when it has none that
    /// works.
    pub async fn logo(&self, client_id: &str) -> Option<Arc<Logo>> {
        if let Some(logo) = self.fetched.get(client_id).await {
            return Some(logo);
        }
        if self.failed.contains_key(client_id) {
            return None;
        }
        match self.fetch(client_id).await {
            Some(logo) => {
                let logo = Arc::new(logo);
                self.fetched
                    .insert(client_id.to_owned(), logo.clone())
                    .await;
                Some(logo)
            }
            None => {
                self.failed.insert(client_id.to_owned(), ()).await;
                None
            }
        }
    }

    /// Whether the logo of `client_id` is ready to be shown.
    pub fn ready(&self, client_id: &str) -> bool {
        self.fetched.contains_key(client_id)
    }

    async fn fetch(&self, client_id: &str) -> Option<Logo> {
        let id = ClientId::parse(client_id).ok()?;
        let client = self.clients.find(&id).await.ok()??;
        let uri = client.metadata.logo_uri.as_deref()?;
        let accept = "image/png, image/jpeg, image/webp, image/gif";
        match self
            .outbound
            .get_bytes(uri, accept, MAX_CLIENT_LOGO_BYTES)
            .await
        {
            Ok((bytes, _declared)) => match raster_type(&bytes) {
                Some(content_type) => Some(Logo {
                    bytes,
                    content_type,
                }),
                None => {
                    log::info!("the logo of client {client_id} is not a PNG, JPEG, WebP or GIF");
                    None
                }
            },
            Err(e) => {
                log::info!("could not fetch the logo of client {client_id}: {e}");
                None
            }
        }
    }
}

// `GET /branding/clients/{client_id}/logo`.
/// A client's logo, fetched from its registered `logo_uri`
#[utoipa::path(get, path = "/branding/clients/{client_id}/logo", tag = "pages",
    description = "The client's registered logo (RFC 7591 `logo_uri`), fetched by Tessera \
                   (at most 256 KiB, PNG, JPEG, WebP or GIF only) and cached; 404 otherwise.",
    params(("client_id" = String, Path)),
    responses(
        (status = 200, description = "The image", body = Vec<u8>, content_type = "image/*"),
        (status = 404, description = "No usable logo"),
    ))]
pub async fn client_logo_get(
    path: web::Path<String>,
    logos: Option<web::Data<ClientLogos>>,
) -> HttpResponse {
    let Some(logos) = logos else {
        return not_found();
    };
    match logos.logo(&path.into_inner()).await {
        Some(logo) => image_response(&logo),
        None => not_found(),
    }
}

/// Fetches the logo of `client` before its consent page is drawn, waiting a moment for a
/// first fetch (which goes on in the background when slower).
pub async fn warm_client_logo(req: &HttpRequest, client: &Client) {
    let Some(logos) = req.app_data::<web::Data<ClientLogos>>().cloned() else {
        return;
    };
    if client.metadata.logo_uri.is_none() || logos.ready(client.id.as_str()) {
        return;
    }
    let id = client.id.as_str().to_owned();
    let fetch = actix_web::rt::spawn(async move { logos.logo(&id).await.is_some() });
    let _ = tokio::time::timeout(FIRST_FETCH_WAIT, fetch).await;
}

/// Where the consent page finds the logo of `client`, when one is ready.
pub fn client_logo_url(req: &HttpRequest, client: &Client) -> Option<String> {
    let logos = req.app_data::<web::Data<ClientLogos>>()?;
    logos.ready(client.id.as_str()).then(|| {
        let id: String =
            url::form_urlencoded::byte_serialize(client.id.as_str().as_bytes()).collect();
        format!("/branding/clients/{id}/logo")
    })
}

#[cfg(test)]
mod tests;
