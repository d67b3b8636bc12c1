//! `GET /docs`: the OpenAPI document rendered as a page on the server, so it needs no script
//! and no outside asset (Swagger UI would need both; AS-34).

use super::escape::Escaped;
use super::layout::layout;
use serde_json::Value;
use std::fmt::Write;

/// Methods in the order a reader expects them.
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The page for an OpenAPI document (as JSON): operations grouped by tag, each with its
/// method, path, summary, parameters, request body schemas, responses and authentication.
pub fn api_docs_page(doc: &Value) -> String {
    let mut body = String::new();
    let title = doc
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("API");
    let _ = writeln!(
        body,
        "<h1>{} API</h1>\n<p class=\"lead\">Version {} \u{b7} OpenAPI {} \u{b7} \
         <a href=\"openapi.json\">openapi.json</a></p>",
        Escaped(title),
        Escaped(
            doc.pointer("/info/version")
                .and_then(Value::as_str)
                .unwrap_or("")
        ),
        Escaped(doc["openapi"].as_str().unwrap_or("")),
    );
    if let Some(d) = doc.pointer("/info/description").and_then(Value::as_str) {
        let _ = writeln!(body, "<p class=\"muted\">{}</p>", Escaped(d));
    }
    let empty = serde_json::Map::new();
    let paths = doc["paths"].as_object().unwrap_or(&empty);
    let mut tags: Vec<(String, String)> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| {
            Some((
                t["name"].as_str()?.to_owned(),
                t["description"].as_str().unwrap_or("").to_owned(),
            ))
        })
        .collect();
    // Operations whose tag is not declared still appear, under their own tag.
    for item in paths.values() {
        for m in METHODS {
            for t in op_tags(&item[m]) {
                if !tags.iter().any(|(n, _)| *n == t) {
                    tags.push((t, String::new()));
                }
            }
        }
    }
    for (tag, description) in &tags {
        let _ = writeln!(body, "<h2>{}</h2>", Escaped(tag));
        if !description.is_empty() {
            let _ = writeln!(body, "<p class=\"muted\">{}</p>", Escaped(description));
        }
        for (path, item) in paths {
            for m in METHODS {
                let op = &item[m];
                if op.is_object() && op_tags(op).iter().any(|t| t == tag) {
                    operation(&mut body, m, path, op);
                }
            }
        }
    }
    layout(&format!("{title} API"), &body)
}

/// An operation's tags, or `default` when it has none.
fn op_tags(op: &Value) -> Vec<String> {
    if !op.is_object() {
        return Vec::new();
    }
    let tags: Vec<String> = op["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t.as_str().map(str::to_owned))
        .collect();
    if tags.is_empty() {
        vec!["default".to_owned()]
    } else {
        tags
    }
}

fn operation(out: &mut String, method: &str, path: &str, op: &Value) {
    let _ = writeln!(
        out,
        "<h3><strong>{} {}</strong></h3>",
        Escaped(&method.to_ascii_uppercase()),
        Escaped(path)
    );
    if let Some(s) = op["summary"].as_str() {
        let _ = writeln!(out, "<p>{}</p>", Escaped(s));
    }
    if let Some(d) = op["description"].as_str() {
        let _ = writeln!(out, "<p class=\"muted\">{}</p>", Escaped(d));
    }
    let auth: Vec<String> = op["security"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|req| match req.as_object() {
            Some(o) if !o.is_empty() => o.keys().cloned().collect::<Vec<_>>().join(" + "),
            _ => "none".to_owned(),
        })
        .collect();
    if !auth.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"muted\">Authentication: {}</p>",
            Escaped(&auth.join(" or "))
        );
    }
    let params: Vec<String> = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            format!(
                "{} ({}{})",
                p["name"].as_str().unwrap_or("?"),
                p["in"].as_str().unwrap_or("?"),
                if p["required"].as_bool() == Some(true) {
                    ", required"
                } else {
                    ""
                }
            )
        })
        .collect();
    if !params.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"muted\">Parameters: {}</p>",
            Escaped(&params.join(", "))
        );
    }
    if let Some(content) = op
        .pointer("/requestBody/content")
        .and_then(Value::as_object)
    {
        let _ = writeln!(
            out,
            "<p class=\"muted\">Body: {}</p>",
            Escaped(&contents(content))
        );
    }
    if let Some(responses) = op["responses"].as_object() {
        out.push_str("<ul>\n");
        for (status, r) in responses {
            let mut line = format!("{status} {}", r["description"].as_str().unwrap_or(""));
            if let Some(content) = r["content"].as_object() {
                let _ = write!(line, " ({})", contents(content));
            }
            let _ = writeln!(out, "<li>{}</li>", Escaped(&line));
        }
        out.push_str("</ul>\n");
    }
}

/// `media/type: SchemaName` for each content entry.
fn contents(content: &serde_json::Map<String, Value>) -> String {
    content
        .iter()
        .map(|(media, c)| format!("{media}: {}", schema_name(&c["schema"])))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The component name of a `$ref`, or the inline schema's type.
fn schema_name(schema: &Value) -> String {
    if let Some(r) = schema["$ref"].as_str() {
        return r.rsplit('/').next().unwrap_or(r).to_owned();
    }
    match &schema["type"] {
        Value::String(t) => t.clone(),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ => "any".to_owned(),
    }
}

#[cfg(test)]
mod tests;
