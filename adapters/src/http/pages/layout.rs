//! The page shell shared by every page: head, the one inline stylesheet, and the card.
//!
//! The stylesheet is the only inline resource, so the CSP can allow it by hash and forbid
//! everything else (no scripts, no external resources; AS-34). Pages therefore must never use
//! `style="..."` attributes, which that policy blocks.

use super::escape::Escaped;
use base64::Engine;
use std::fmt;
use std::sync::LazyLock;

/// The whole stylesheet: system fonts, a centred card about 24rem wide, 3rem tap targets, a
/// visible focus ring, and a dark variant. ASCII only, so its hash does not depend on encoding.
pub(crate) const STYLE: &str = concat!(
    ":root{color-scheme:light dark;--bg:#f3f4f6;--card:#fff;--text:#111827;--muted:#4b5563;",
    "--border:#d1d5db;--control:#6b7280;--accent:#1d4ed8;--on-accent:#fff;--alert-bg:#fef2f2;",
    "--alert:#991b1b;--focus:#2563eb;--link:#1d4ed8}",
    "@media (prefers-color-scheme:dark){:root{--bg:#0f172a;--card:#1e293b;--text:#f1f5f9;",
    "--muted:#cbd5e1;--border:#475569;--control:#94a3b8;--accent:#93c5fd;--on-accent:#0f172a;",
    "--alert-bg:#450a0a;--alert:#fecaca;--focus:#bfdbfe;--link:#93c5fd}}",
    "*{box-sizing:border-box}",
    "html{-webkit-text-size-adjust:100%;text-size-adjust:100%}",
    "body{margin:0;min-height:100vh;display:flex;justify-content:center;align-items:flex-start;",
    "padding:2.5rem 1rem;background:var(--bg);color:var(--text);",
    "font:1rem/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,",
    "\"Noto Sans\",sans-serif}",
    "main{width:100%;max-width:24rem;background:var(--card);border:1px solid var(--border);",
    "border-radius:.75rem;padding:2rem 1.5rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}",
    ".brand{margin:0 0 1.5rem;font-size:.875rem;font-weight:700;letter-spacing:.08em;",
    "text-transform:uppercase;color:var(--muted)}",
    "h1{margin:0 0 .5rem;font-size:1.5rem;line-height:1.25}",
    "h2{margin:2rem 0 .5rem;padding-top:1rem;border-top:1px solid var(--border);font-size:1.125rem}",
    ".items{margin:0;padding:0;list-style:none}.items>li{padding:.75rem 0;",
    "border-bottom:1px solid var(--border)}",
    ".notice{margin:1rem 0 0;padding:.75rem 1rem;border:1px solid var(--border);border-radius:.5rem}",
    ".qr svg{display:block;width:100%;max-width:16rem;height:auto;margin:0 auto}",
    "code{overflow-wrap:anywhere}",
    "p{margin:0 0 1rem}",
    ".lead,.muted{color:var(--muted)}",
    ".muted{font-size:.9375rem}",
    "strong{color:var(--text);overflow-wrap:anywhere}",
    "label{display:block;margin:1rem 0 .375rem;font-weight:600}",
    "input[type=email],input[type=password],input[type=text]{display:block;width:100%;",
    "min-height:3rem;",
    "padding:.625rem .75rem;font:inherit;color:var(--text);background:var(--card);",
    "border:1px solid var(--control);border-radius:.5rem}",
    "textarea{display:block;width:100%;min-height:6rem;padding:.625rem .75rem;font:inherit;",
    "color:var(--text);background:var(--card);border:1px solid var(--control);",
    "border-radius:.5rem}",
    "input[type=checkbox]{width:1.5rem;height:1.5rem;margin:0 .5rem 0 0;vertical-align:middle;",
    "accent-color:var(--accent)}",
    "input[type=checkbox]+label{display:inline;margin:0}",
    "button{display:block;width:100%;min-height:3rem;margin-top:1.5rem;padding:.75rem 1rem;",
    "font:inherit;font-weight:600;color:var(--on-accent);background:var(--accent);",
    "border:1px solid var(--accent);border-radius:.5rem;cursor:pointer}",
    "button.secondary{margin-top:.75rem;color:var(--text);background:transparent;",
    "border-color:var(--control)}",
    ":focus-visible{outline:3px solid var(--focus);outline-offset:2px}",
    ".alert{margin:1rem 0 0;padding:.75rem 1rem;color:var(--alert);background:var(--alert-bg);",
    "border:1px solid currentColor;border-radius:.5rem}",
    ".scopes{margin:1rem 0;padding:0;list-style:none;border-top:1px solid var(--border)}",
    ".scopes li{position:relative;padding:.75rem 0 .75rem 1.75rem;",
    "border-bottom:1px solid var(--border)}",
    ".scopes li::before{content:\"\\2713\";position:absolute;left:.25rem;font-weight:700;",
    "color:var(--accent)}",
    "a{color:var(--link)}",
    "a.button{display:block;min-height:3rem;margin-top:.75rem;padding:.75rem 1rem;",
    "text-align:center;font-weight:600;text-decoration:none;color:var(--text);",
    "border:1px solid var(--control);border-radius:.5rem}",
    ".upstreams{margin-top:1rem}.upstreams>li{padding:0;border:0}",
    ".logo{display:block;max-width:12rem;max-height:3rem}",
    ".support{margin:1.5rem 0 0;font-size:.875rem}",
    "main.wide{max-width:64rem}",
    "nav.console ul{display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;margin:0 0 1.5rem;padding:0 0 .75rem;",
    "list-style:none;border-bottom:1px solid var(--border)}",
    "nav.console a{display:inline-block;min-height:2.75rem;padding:.5rem 0}",
    "figure{margin:1rem 0}figure svg{display:block;max-height:16rem}",
    "figcaption .items{display:flex;gap:1.5rem}figcaption .items>li{border:0}",
);

/// The CSP source for [`STYLE`]: `'sha256-<base64>'`, computed once.
static STYLE_SOURCE: LazyLock<String> = LazyLock::new(|| {
    let digest = openssl::sha::sha256(STYLE.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
});

/// `'sha256-…'` of the inline stylesheet, for the `style-src` directive.
pub(super) fn style_source() -> &'static str {
    &STYLE_SOURCE
}

/// Wraps a page body (already-escaped HTML) in the document shell. `title` is escaped here.
pub(super) fn layout(title: &str, body: &str) -> String {
    format!(
        concat!(
            "<!DOCTYPE html>\n",
            "<html lang=\"en\">\n",
            "<head>\n",
            "<meta charset=\"utf-8\">\n",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
            "<meta name=\"referrer\" content=\"no-referrer\">\n",
            "<meta name=\"robots\" content=\"noindex, nofollow\">\n",
            // An empty icon, so the browser does not ask the server for /favicon.ico.
            "<link rel=\"icon\" href=\"data:,\">\n",
            "<title>{title} \u{b7} Tessera</title>\n",
            "<style>{style}</style>\n",
            "</head>\n",
            "<body>\n",
            "<main>\n",
            "<p class=\"brand\">Tessera</p>\n",
            "{body}",
            "</main>\n",
            "</body>\n",
            "</html>\n"
        ),
        title = Escaped(title),
        style = STYLE,
        body = body,
    )
}

/// Names of the fields the pages' forms set themselves. A carried parameter with one of these
/// names is dropped rather than sent twice, which would make the POST ambiguous (AS-09).
const RESERVED: [&str; 10] = [
    "email",
    "password",
    "csrf_token",
    "action",
    "decision",
    "confirm",
    "otp",
    "mfa_token",
    "passkey_handle",
    "passkey_response",
];

/// Hidden inputs that carry a request's parameters through a form, one per pair, escaped.
///
/// Pairs named like one of the form's own fields (`email`, `password`, `csrf_token`, `action`,
/// `decision`, `confirm`) are left out.
#[derive(Debug, Clone, Copy)]
pub struct Hidden<'a>(pub &'a [(String, String)]);

impl fmt::Display for Hidden<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, value) in self.0 {
            if RESERVED.contains(&name.as_str()) {
                continue;
            }
            hidden_input(f, name, value)?;
        }
        Ok(())
    }
}

/// Writes one `<input type="hidden">` line, escaping name and value.
pub(super) fn hidden_input(f: &mut impl fmt::Write, name: &str, value: &str) -> fmt::Result {
    writeln!(
        f,
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
        Escaped(name),
        Escaped(value)
    )
}

/// The anti-forgery token input every form carries (AS-35).
pub(super) fn csrf_input(csrf: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf_token\" value=\"{}\">\n",
        Escaped(csrf)
    )
}

#[cfg(test)]
mod tests;
