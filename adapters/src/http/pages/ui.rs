//! The per-request page context: the chosen language and the operator's branding.
//!
//! Handlers build a [`Ui`] with [`Ui::from_request`] (it reads the [`Theme`] from the app
//! data, `Accept-Language`, and the `ui_locales` the request carries) and pass it to the page
//! functions, which take every text from the catalogues ([`crate::i18n`]) through it and
//! leave through [`Ui::respond`], whose CSP allows the theme's stylesheet by hash.

use super::escape::Escaped;
use super::layout::STYLE;
use crate::i18n::{self, Locale};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use std::sync::{Arc, LazyLock};

/// A colour as `#rrggbb`, the only form the config takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Parses `#rrggbb` (case-insensitive).
    pub fn parse(s: &str) -> Option<Rgb> {
        let hex = s.strip_prefix('#')?;
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
        Some(Rgb(byte(0)?, byte(2)?, byte(4)?))
    }

    /// `#rrggbb`.
    pub fn css(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// WCAG 2.x relative luminance.
    pub fn luminance(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.040_45 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.0) + 0.7152 * channel(self.1) + 0.0722 * channel(self.2)
    }

    /// WCAG contrast ratio between two colours (1 to 21).
    pub fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (hi, lo) = if a > b { (a, b) } else { (b, a) };
        (hi + 0.05) / (lo + 0.05)
    }

    /// The contrast of button text on this colour: white or near-black, whichever reads
    /// better (WCAG AA asks 4.5:1; the configuration refuses colours below).
    pub fn best_text_contrast(self) -> f64 {
        self.contrast(WHITE).max(self.contrast(NEAR_BLACK))
    }

    /// This colour moved towards `target` by `t` (0 to 1).
    fn mix(self, target: Rgb, t: f64) -> Rgb {
        let channel = |a: u8, b: u8| {
            let v = f64::from(a) + (f64::from(b) - f64::from(a)) * t;
            // In 0..=255 by construction; the cast only drops the fraction.
            v.round().clamp(0.0, 255.0) as u8
        };
        Rgb(
            channel(self.0, target.0),
            channel(self.1, target.1),
            channel(self.2, target.2),
        )
    }

    /// The colour nearest to this one, towards `target`, that reaches 4.5:1 on `background`:
    /// the accent for links, kept readable on the card.
    pub fn readable_on(self, background: Rgb, target: Rgb) -> Rgb {
        (0..=20)
            .map(|step| self.mix(target, f64::from(step) / 20.0))
            .find(|c| c.contrast(background) >= 4.5)
            .unwrap_or(target)
    }
}

/// White, the light card and the text on dark buttons.
const WHITE: Rgb = Rgb(255, 255, 255);
/// The near-black of the light theme's text (`#111827`).
const NEAR_BLACK: Rgb = Rgb(0x11, 0x18, 0x27);
/// The dark theme's card (`#1e293b`).
const DARK_CARD: Rgb = Rgb(0x1e, 0x29, 0x3b);

/// An image the operator configured, read once at start-up and served by Tessera itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logo {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// `image/png`, `image/svg+xml`, …
    pub content_type: &'static str,
}

/// What the operator sets in `branding.*`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Branding {
    /// Shown in the page header, titles and mails; `None` is "Tessera".
    pub product_name: Option<String>,
    /// Served at `/branding/logo` and shown above every page.
    pub logo: Option<Logo>,
    /// The accent of buttons, links and focus rings.
    pub primary_colour: Option<Rgb>,
    /// A "Help and support" link under every page.
    pub support_url: Option<String>,
}

/// The branding with everything derived from it once: the stylesheet and its CSP source.
#[derive(Debug)]
pub struct Theme {
    /// What the operator configured.
    pub branding: Branding,
    stylesheet: String,
    csp: String,
}

impl Default for Theme {
    fn default() -> Self {
        Theme::new(Branding::default())
    }
}

/// The theme of a server without one configured (and of unit tests).
static DEFAULT_THEME: LazyLock<Arc<Theme>> = LazyLock::new(|| Arc::new(Theme::default()));

impl Theme {
    /// Derives the stylesheet (the base one plus the accent) and the pages' CSP.
    pub fn new(branding: Branding) -> Theme {
        let mut stylesheet = STYLE.to_owned();
        if let Some(accent) = branding.primary_colour {
            // The text on accent buttons is whichever of white and near-black reads better.
            let on = if accent.contrast(WHITE) >= accent.contrast(NEAR_BLACK) {
                "#fff"
            } else {
                "#111827"
            };
            // Links and the focus ring in the accent, darkened on the light card and
            // lightened on the dark one until they read at 4.5:1.
            let light = accent.readable_on(WHITE, Rgb(0, 0, 0));
            let dark = accent.readable_on(DARK_CARD, WHITE);
            stylesheet.push_str(&format!(
                concat!(
                    ":root{{--accent:{a};--on-accent:{on};--link:{l};--focus:{l}}}",
                    "@media (prefers-color-scheme:dark){{:root{{--link:{d};--focus:{d}}}}}"
                ),
                a = accent.css(),
                on = on,
                l = light.css(),
                d = dark.css(),
            ));
        }
        let digest = openssl::sha::sha256(stylesheet.as_bytes());
        let source = format!(
            "'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(digest)
        );
        let csp = format!(
            "default-src 'none'; style-src {source}; img-src 'self' data:; \
             frame-ancestors 'none'; base-uri 'none'"
        );
        Theme {
            branding,
            stylesheet,
            csp,
        }
    }

    /// The product name people see.
    pub fn product_name(&self) -> &str {
        self.branding.product_name.as_deref().unwrap_or("Tessera")
    }

    /// The pages' Content-Security-Policy (no scripts).
    pub fn csp(&self) -> &str {
        &self.csp
    }
}

/// Language and branding for one response.
#[derive(Debug, Clone)]
pub struct Ui {
    /// The language every text is taken in.
    pub locale: Locale,
    /// The operator's branding.
    pub theme: Arc<Theme>,
}

impl Default for Ui {
    fn default() -> Self {
        Ui {
            locale: Locale::En,
            theme: DEFAULT_THEME.clone(),
        }
    }
}

impl Ui {
    /// The context of `req`: the app's [`Theme`] (registered as `web::Data<Theme>`; the
    /// default one when absent) and the language from `ui_locales`, else `Accept-Language`.
    pub fn from_request(req: &HttpRequest, ui_locales: Option<&str>) -> Ui {
        let theme = req
            .app_data::<web::Data<Theme>>()
            .map(|data| data.clone().into_inner())
            .unwrap_or_else(|| DEFAULT_THEME.clone());
        let accept = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        Ui {
            locale: Locale::negotiate(ui_locales, accept),
            theme,
        }
    }

    /// The same context in another language.
    pub fn with_locale(&self, locale: Locale) -> Ui {
        Ui {
            locale,
            theme: self.theme.clone(),
        }
    }

    /// The message `key` as plain text (escape it where it goes into HTML).
    pub fn t(&self, key: &'static str) -> &'static str {
        i18n::text(self.locale, key)
    }

    /// The message `key` escaped for HTML.
    pub fn h(&self, key: &'static str) -> Escaped<'static> {
        Escaped(self.t(key))
    }

    /// The message `key` with placeholders filled, as plain text (escape it for HTML).
    pub fn fill(&self, key: &'static str, args: &[(&str, &str)]) -> String {
        i18n::fill(self.locale, key, args)
    }

    /// The message `key` as HTML: its own text escaped, the `args` inserted as they are, so
    /// they can carry markup the page built (`<strong>…</strong>` around an escaped name).
    pub fn fill_html(&self, key: &'static str, args: &[(&str, &str)]) -> String {
        crate::i18n::substitute_html(self.locale, key, args)
    }

    /// Wraps a page body (already-escaped HTML) in the document shell: language, branding
    /// (name or logo), the stylesheet, and the support link. `title` is escaped here.
    pub fn page(&self, title: &str, body: &str) -> String {
        self.shell(title, body, "<main>")
    }

    /// [`Ui::page`] with room for tables and charts (the operators' console): the card widens
    /// to 64rem on large screens and stays phone-sized on small ones.
    pub fn wide_page(&self, title: &str, body: &str) -> String {
        self.shell(title, body, "<main class=\"wide\">")
    }

    fn shell(&self, title: &str, body: &str, main: &str) -> String {
        let product = self.theme.product_name();
        let brand = if self.theme.branding.logo.is_some() {
            format!(
                "<p class=\"brand\"><img class=\"logo\" src=\"/branding/logo\" alt=\"{}\"></p>\n",
                Escaped(&self.fill("common.logo_alt", &[("product", product)]))
            )
        } else {
            format!("<p class=\"brand\">{}</p>\n", Escaped(product))
        };
        let support = self
            .theme
            .branding
            .support_url
            .as_deref()
            .map_or_else(String::new, |url| {
                format!(
                    "<p class=\"support\"><a href=\"{}\">{}</a></p>\n",
                    Escaped(url),
                    self.h("common.support")
                )
            });
        format!(
            concat!(
                "<!DOCTYPE html>\n",
                "<html lang=\"{lang}\">\n",
                "<head>\n",
                "<meta charset=\"utf-8\">\n",
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
                "<meta name=\"referrer\" content=\"no-referrer\">\n",
                "<meta name=\"robots\" content=\"noindex, nofollow\">\n",
                "<link rel=\"icon\" href=\"data:,\">\n",
                "<title>{title}</title>\n",
                "<style>{style}</style>\n",
                "</head>\n",
                "<body>\n",
                "{main}\n",
                "{brand}",
                "{body}",
                "{support}",
                "</main>\n",
                "</body>\n",
                "</html>\n"
            ),
            main = main,
            lang = self.locale.tag(),
            title = Escaped(&self.fill(
                "common.title_suffix",
                &[("title", title), ("product", product)]
            )),
            style = self.theme.stylesheet,
            brand = brand,
            body = body,
            support = support,
        )
    }

    /// The page response with the security headers (AS-26, AS-33, AS-34) and
    /// `Content-Language`.
    pub fn respond(&self, status: StatusCode, body: String) -> HttpResponse {
        super::response::respond_with_csp(status, body, self.theme.csp())
            .customize_language(self.locale)
    }

    /// [`Ui::respond`] for a page that runs the passkey script, when `script` is true.
    pub fn respond_with_script(
        &self,
        status: StatusCode,
        body: String,
        script: bool,
    ) -> HttpResponse {
        if !script {
            return self.respond(status, body);
        }
        let csp = format!(
            "{}; script-src {}; connect-src 'self'",
            self.theme.csp(),
            super::webauthn::WEBAUTHN_SCRIPT_SOURCE.as_str()
        );
        super::response::respond_with_csp(status, body, &csp).customize_language(self.locale)
    }
}

/// Adds `Content-Language` to a page response.
trait WithLanguage {
    fn customize_language(self, locale: Locale) -> HttpResponse;
}

impl WithLanguage for HttpResponse {
    fn customize_language(mut self, locale: Locale) -> HttpResponse {
        self.headers_mut().insert(
            header::CONTENT_LANGUAGE,
            header::HeaderValue::from_static(locale.tag()),
        );
        self
    }
}

#[cfg(test)]
mod tests;
