//! The console's frame (navigation, sign-out button) and the pieces every console page uses:
//! notices, refusal pages, the CSRF field, times.

use super::{API_KEYS, AUDIT, CLIENTS, CONSOLE, KEYS, RESOURCES, SIGN_OUT, USERS};
use crate::http::pages::{Escaped, Ui};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use tessera_domain::UnixTime;

/// The page shell of a signed-in operator: navigation, the page, and the sign-out form.
pub(super) fn frame(ui: &Ui, csrf: &str, title: &str, body: &str) -> String {
    let links = [
        (CONSOLE, "console.nav_dashboard"),
        (CLIENTS, "console.nav_clients"),
        (USERS, "console.nav_users"),
        (KEYS, "console.nav_keys"),
        (API_KEYS, "console.nav_api_keys"),
        (RESOURCES, "console.nav_resources"),
        (AUDIT, "console.nav_audit"),
    ];
    let nav: String = links
        .iter()
        .map(|(href, key)| format!("<li><a href=\"{href}\">{}</a></li>", ui.h(key)))
        .collect();
    let html = format!(
        concat!(
            "<nav class=\"console\" aria-label=\"{nav_label}\"><ul>{nav}</ul></nav>\n",
            "<h1>{title}</h1>\n",
            "{body}",
            "<form method=\"post\" action=\"{sign_out}\">{csrf}",
            "<button type=\"submit\" class=\"secondary\" id=\"console-sign-out\">{sign_out_label}</button>",
            "</form>\n"
        ),
        nav_label = ui.h("console.nav_label"),
        nav = nav,
        title = Escaped(title),
        body = body,
        sign_out = SIGN_OUT,
        csrf = csrf_field(csrf),
        sign_out_label = ui.h("console.sign_out"),
    );
    ui.wide_page(title, &html)
}

/// The hidden CSRF input every console form carries.
pub(super) fn csrf_field(token: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf_token\" value=\"{}\">",
        Escaped(token)
    )
}

/// A one-line form posting `action` (and hidden `fields`) to `target`, with one button.
pub(super) fn action_button(
    target: &str,
    csrf: &str,
    action: &str,
    fields: &[(&str, &str)],
    label: &str,
    secondary: bool,
) -> String {
    let hidden: String = fields
        .iter()
        .map(|(n, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                Escaped(n),
                Escaped(v)
            )
        })
        .collect();
    format!(
        "<form method=\"post\" action=\"{}\">{}<input type=\"hidden\" name=\"action\" value=\"{}\">{hidden}<button type=\"submit\"{}>{}</button></form>",
        Escaped(target),
        csrf_field(csrf),
        Escaped(action),
        if secondary { " class=\"secondary\"" } else { "" },
        Escaped(label),
    )
}

/// A labelled text input (`<label for>` + input), with an optional hint linked by
/// `aria-describedby`.
pub(super) fn text_input(
    ui: &Ui,
    id: &str,
    label_key: &'static str,
    value: &str,
    required: bool,
) -> String {
    format!(
        "<label for=\"{id}\">{}</label><input type=\"text\" id=\"{id}\" name=\"{id}\" value=\"{}\"{}>",
        ui.h(label_key),
        Escaped(value),
        if required { " required" } else { "" },
    )
}

/// A labelled multi-line input (one value per line).
pub(super) fn textarea(
    ui: &Ui,
    id: &str,
    label_key: &'static str,
    hint_key: &'static str,
    value: &str,
) -> String {
    format!(
        "<label for=\"{id}\">{}</label><p class=\"muted\" id=\"{id}-hint\">{}</p><textarea id=\"{id}\" name=\"{id}\" rows=\"3\" aria-describedby=\"{id}-hint\">{}</textarea>",
        ui.h(label_key),
        ui.h(hint_key),
        Escaped(value),
    )
}

/// A labelled checkbox.
pub(super) fn checkbox(ui: &Ui, id: &str, label_key: &'static str, checked: bool) -> String {
    format!(
        "<p><input type=\"checkbox\" id=\"{id}\" name=\"{id}\" value=\"on\"{}> <label for=\"{id}\">{}</label></p>",
        if checked { " checked" } else { "" },
        ui.h(label_key),
    )
}

/// The notice a `303` asked for (`?done=…` / `?error=…`), from fixed texts only: the query
/// names a key, never a text, so nothing from the URL reaches the page.
pub(super) fn notice(ui: &Ui, query: &str) -> String {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let mut out = String::new();
    for (name, value) in pairs {
        match (name.as_str(), notice_key(&value)) {
            ("done", Some(key)) => out.push_str(&format!(
                "<p class=\"notice\" role=\"status\">{}</p>\n",
                ui.h(key)
            )),
            ("error", Some(key)) => out.push_str(&format!(
                "<p class=\"alert\" role=\"alert\">{}</p>\n",
                ui.h(key)
            )),
            _ => {}
        }
    }
    out
}

/// The fixed texts a notice may name.
fn notice_key(name: &str) -> Option<&'static str> {
    Some(match name {
        "saved" => "console.done_saved",
        "deleted" => "console.done_deleted",
        "rotated" => "console.done_rotated",
        "revoked" => "console.done_revoked",
        "disabled" => "console.done_disabled",
        "enabled" => "console.done_enabled",
        "unlocked" => "console.done_unlocked",
        "mfa_reset" => "console.done_mfa_reset",
        "signed_out" => "console.done_signed_out",
        "granted" => "console.done_granted",
        "role_revoked" => "console.done_role_revoked",
        "invalid" => "console.error_invalid",
        "not_found" => "console.error_not_found",
        "conflict" => "console.error_conflict",
        "failed" => "console.error_failed",
        "too_soon" => "console.error_too_soon",
        _ => return None,
    })
}

/// A refusal page: `status`, a heading and one explanation, with a way back.
fn refusal(
    ui: &Ui,
    status: StatusCode,
    title_key: &'static str,
    text_key: &'static str,
) -> HttpResponse {
    let body = format!(
        "<h1>{}</h1>\n<p class=\"alert\" role=\"alert\">{}</p>\n<p><a href=\"{CONSOLE}\">{}</a></p>\n",
        ui.h(title_key),
        ui.h(text_key),
        ui.h("console.back_to_console"),
    );
    ui.respond(status, ui.page(ui.t(title_key), &body))
}

/// `403`: signed in, but without the `admin` role.
pub(super) fn forbidden(ui: &Ui) -> HttpResponse {
    refusal(
        ui,
        StatusCode::FORBIDDEN,
        "console.forbidden_title",
        "console.forbidden_text",
    )
}

/// `403`: a form without the session's CSRF token.
pub(super) fn csrf_refused(ui: &Ui) -> HttpResponse {
    refusal(
        ui,
        StatusCode::FORBIDDEN,
        "console.csrf_title",
        "console.csrf_text",
    )
}

/// `400`: a form that could not be read.
pub(super) fn bad_request(ui: &Ui) -> HttpResponse {
    refusal(
        ui,
        StatusCode::BAD_REQUEST,
        "console.bad_request_title",
        "console.bad_request_text",
    )
}

/// `404`: no such object.
pub(super) fn not_found(ui: &Ui) -> HttpResponse {
    refusal(
        ui,
        StatusCode::NOT_FOUND,
        "console.not_found_title",
        "console.not_found_text",
    )
}

/// `503`: the stores failed.
pub(super) fn unavailable(ui: &Ui) -> HttpResponse {
    let mut res = refusal(
        ui,
        StatusCode::SERVICE_UNAVAILABLE,
        "console.unavailable_title",
        "console.unavailable_text",
    );
    res.headers_mut().insert(
        actix_web::http::header::RETRY_AFTER,
        actix_web::http::header::HeaderValue::from_static("5"),
    );
    res
}

/// `429`: too many wrong admin tokens from this address.
pub(super) fn throttled(ui: &Ui, retry_after_secs: u64) -> HttpResponse {
    let mut res = refusal(
        ui,
        StatusCode::TOO_MANY_REQUESTS,
        "console.throttled_title",
        "console.throttled_text",
    );
    if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&retry_after_secs.to_string()) {
        res.headers_mut()
            .insert(actix_web::http::header::RETRY_AFTER, v);
    }
    res
}

/// `303 See Other` to `location` (AS-07: never 307 after a form).
pub(super) fn see_other_page(location: &str) -> HttpResponse {
    super::see_other(location)
}

/// A time as `YYYY-MM-DD HH:MM UTC`.
pub(super) fn when(t: UnixTime) -> String {
    let secs = t.as_secs();
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rest = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rest / 3_600,
        (rest % 3_600) / 60
    )
}

/// Parses `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM` (what `<input type="datetime-local">` sends),
/// read as UTC.
pub(super) fn parse_when(s: &str) -> Option<UnixTime> {
    let (date, time) = match s.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let mut parts = date.splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let (hh, mm) = match time {
        Some(t) => {
            let (h, rest) = t.split_once(':')?;
            let min = rest.get(..2).unwrap_or(rest);
            (h.parse::<i64>().ok()?, min.parse::<i64>().ok()?)
        }
        None => (0, 0),
    };
    if !(0..24).contains(&hh) || !(0..60).contains(&mm) {
        return None;
    }
    Some(UnixTime::from_secs(
        days_from_civil(y, m, d) * 86_400 + hh * 3_600 + mm * 60,
    ))
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the inverse of the above).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_format_and_parse_back() {
        let t = UnixTime::from_secs(1_796_000_000 / 60 * 60);
        let shown = when(t);
        let typed = shown.trim_end_matches(" UTC").replacen(' ', "T", 1);
        assert_eq!(parse_when(&typed), Some(t));
        assert_eq!(
            parse_when("2026-12-07"),
            Some(UnixTime::from_secs(1_796_601_600))
        );
        for bad in [
            "",
            "2026-13-01",
            "2026-12-07T25:00",
            "yesterday",
            "1969-01-01",
        ] {
            assert_eq!(parse_when(bad), None, "{bad}");
        }
    }

    #[test]
    fn notices_name_fixed_texts_only() {
        let ui = Ui::default();
        assert!(notice(&ui, "done=saved").contains("role=\"status\""));
        assert!(notice(&ui, "error=invalid").contains("role=\"alert\""));
        assert_eq!(notice(&ui, "done=%3Cscript%3E"), "");
    }
}
