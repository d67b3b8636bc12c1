//! `/console/audit`: the audit log, newest first, filtered by action, actor, subject (the
//! user acted on) and time range, a page at a time (keyset paging on the event id).

use super::dashboard::urlencode;
use super::render::{parse_when, unavailable, when};
use super::{for_get, ConsoleState, AUDIT};
use crate::http::pages::Escaped;
use crate::http::state::AdminState;
use actix_web::{web, HttpRequest, HttpResponse};
use tessera_application::ports::AuditFilter;
use tessera_domain::AuditAction;

/// Events per page.
const PAGE: u32 = 50;
/// Longest actor or subject filter accepted.
const MAX_FILTER_CHARS: usize = 320;

/// The filters as typed (shown again in the form) and as parsed.
struct Filters {
    action: String,
    actor: String,
    subject: String,
    since: String,
    until: String,
    before: Option<i64>,
    parsed: AuditFilter,
    invalid: bool,
}

impl Filters {
    fn parse(query: &str) -> Filters {
        let q: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        let get = |name: &str| {
            q.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.trim().to_owned())
                .filter(|v| {
                    v.chars().count() <= MAX_FILTER_CHARS && !v.chars().any(char::is_control)
                })
                .unwrap_or_default()
        };
        let (action, actor, subject, since, until) = (
            get("action"),
            get("actor"),
            get("subject"),
            get("since"),
            get("until"),
        );
        let mut invalid = false;
        let mut time = |s: &str| {
            if s.is_empty() {
                return None;
            }
            let t = parse_when(s);
            invalid |= t.is_none();
            t
        };
        let parsed = AuditFilter {
            action: AuditAction::parse(&action),
            actor: Some(actor.clone()).filter(|a| !a.is_empty()),
            subject: Some(subject.clone()).filter(|s| !s.is_empty()),
            since: time(&since),
            until: time(&until),
            ..AuditFilter::default()
        };
        if !action.is_empty() && parsed.action.is_none() {
            invalid = true;
        }
        Filters {
            before: get("before").parse().ok(),
            action,
            actor,
            subject,
            since,
            until,
            parsed,
            invalid,
        }
    }

    /// The query of the same filters on the page before event `id`.
    fn next_query(&self, id: i64) -> String {
        format!(
            "action={}&actor={}&subject={}&since={}&until={}&before={id}",
            urlencode(&self.action),
            urlencode(&self.actor),
            urlencode(&self.subject),
            urlencode(&self.since),
            urlencode(&self.until),
        )
    }
}

// `GET /console/audit?action=&actor=&subject=&since=&until=&before=`.
pub(super) async fn audit_get(
    req: HttpRequest,
    state: web::Data<ConsoleState>,
    admin: web::Data<AdminState>,
) -> HttpResponse {
    let op = match for_get(&req, &state, &admin).await {
        Ok(op) => op,
        Err(res) => return res,
    };
    let ui = &op.ui;
    let f = Filters::parse(req.query_string());
    let events = if f.invalid {
        Vec::new()
    } else {
        match admin.audit.list(&f.parsed, f.before, PAGE).await {
            Ok(e) => e,
            Err(e) => {
                log::error!("console audit list failed: {e}");
                return unavailable(ui);
            }
        }
    };
    let options: String = std::iter::once(format!(
        "<option value=\"\">{}</option>",
        ui.h("console.audit_any_action")
    ))
    .chain(AuditAction::ALL.iter().map(|a| {
        format!(
            "<option value=\"{0}\"{1}>{0}</option>",
            a.as_str(),
            if f.parsed.action == Some(*a) {
                " selected"
            } else {
                ""
            }
        )
    }))
    .collect();
    let field = |id: &str, key: &'static str, value: &str, hint: Option<&'static str>| {
        let (hint_html, described) = match hint {
            Some(h) => (
                format!("<p class=\"muted\" id=\"{id}-hint\">{}</p>", ui.h(h)),
                format!(" aria-describedby=\"{id}-hint\""),
            ),
            None => (String::new(), String::new()),
        };
        format!(
            "<label for=\"{id}\">{}</label>{hint_html}<input type=\"text\" id=\"{id}\" name=\"{id}\" value=\"{}\"{described}>",
            ui.h(key),
            Escaped(value)
        )
    };
    let items: String = events
        .iter()
        .map(|s| {
            let e = &s.event;
            let mut parts = vec![format!(
                "<strong>{}</strong> {} · {}",
                Escaped(e.action.as_str()),
                Escaped(e.outcome.as_str()),
                Escaped(&when(e.at))
            )];
            for (key, value) in [
                ("console.audit_actor", &e.actor),
                ("console.audit_subject", &e.subject),
                ("console.audit_client", &e.client_id),
                ("console.audit_detail", &e.detail),
                ("console.audit_ip", &e.ip),
            ] {
                if let Some(v) = value {
                    parts.push(format!("{}: <code>{}</code>", ui.h(key), Escaped(v)));
                }
            }
            format!("<li>{}</li>", parts.join("<br>"))
        })
        .collect();
    let alert = if f.invalid {
        format!(
            "<p class=\"alert\" role=\"alert\">{}</p>\n",
            ui.h("console.audit_invalid_filter")
        )
    } else {
        String::new()
    };
    let next = match events.last() {
        Some(last) if events.len() == PAGE as usize => format!(
            "<p><a href=\"{AUDIT}?{}\">{}</a></p>\n",
            Escaped(&f.next_query(last.id)),
            ui.h("console.next_page")
        ),
        _ => String::new(),
    };
    let empty = if events.is_empty() && !f.invalid {
        format!("<p>{}</p>\n", ui.h("console.audit_empty"))
    } else {
        String::new()
    };
    let body = format!(
        concat!(
            "<form method=\"get\" action=\"{action_url}\" role=\"search\">",
            "<label for=\"action\">{action_label}</label>",
            "<select id=\"action\" name=\"action\">{options}</select>",
            "{actor}{subject}{since}{until}",
            "<button type=\"submit\">{filter}</button></form>\n",
            "{alert}{empty}<ul class=\"items\" id=\"audit-events\">{items}</ul>\n{next}"
        ),
        action_url = AUDIT,
        action_label = ui.h("console.audit_action"),
        options = options,
        actor = field("actor", "console.audit_actor", &f.actor, None),
        subject = field("subject", "console.audit_subject", &f.subject, None),
        since = field(
            "since",
            "console.audit_since",
            &f.since,
            Some("console.audit_time_hint")
        ),
        until = field(
            "until",
            "console.audit_until",
            &f.until,
            Some("console.audit_time_hint")
        ),
        filter = ui.h("console.audit_filter"),
        alert = alert,
        empty = empty,
        items = items,
        next = next,
    );
    op.page(&state, ui.t("console.audit_title"), &body)
}
