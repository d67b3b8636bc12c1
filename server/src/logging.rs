//! env_logger set-up: text for people, one JSON object per line for pipelines.
//!
//! In JSON, a record's structured key-values (the access line's `method`, `path`, `status`,
//! `latency_ms`, `request_id`, `client`) become fields of their own, and any line written
//! while a request is handled carries that request's `request_id`.

use crate::config::LogFormat;
use log::kv::{Error as KvError, Key, Value, VisitSource};
use std::fmt;
use std::io::Write;
use tessera_adapters::observability::with_current_request_id;

/// Fields every JSON line has; key-values by these names are dropped, not duplicated.
const CORE_FIELDS: [&str; 4] = ["ts", "level", "target", "msg"];

/// Installs the logger. `RUST_LOG` still overrides the default `info` level.
pub fn init(format: LogFormat) {
    let mut builder =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"));
    if format == LogFormat::Json {
        builder.format(|buf, record| {
            let ts = buf.timestamp_millis();
            with_current_request_id(|id| write_json_line(buf, &ts, record, id))
        });
    }
    // A second init (tests starting several servers) keeps the first logger.
    let _ = builder.try_init();
}

/// Writes one record as a JSON object and a newline, core fields first, straight into `out`
/// (no intermediate strings: every request writes an access line). `current_request_id` is
/// added when the record has no `request_id` of its own.
fn write_json_line(
    out: &mut dyn Write,
    ts: &dyn std::fmt::Display,
    record: &log::Record<'_>,
    current_request_id: Option<&str>,
) -> std::io::Result<()> {
    let mut w = Escaped { out, failed: None };
    let _ = fmt::write(
        &mut w,
        format_args!(
            "{{\"ts\":\"{}\",\"level\":\"{}\",\"target\":\"{}\",\"msg\":\"{}\"",
            Esc(ts),
            record.level().as_str(),
            Esc(&record.target()),
            Esc(record.args()),
        ),
    );
    let mut fields = Fields {
        w: &mut w,
        has_request_id: false,
    };
    let _ = record.key_values().visit(&mut fields);
    if !fields.has_request_id {
        if let Some(id) = current_request_id {
            let _ = fmt::write(&mut w, format_args!(",\"request_id\":\"{}\"", Esc(&id)));
        }
    }
    let _ = fmt::Write::write_str(&mut w, "}\n");
    match w.failed {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// An `fmt::Write` over the output that keeps the first I/O error.
struct Escaped<'a> {
    out: &'a mut dyn Write,
    failed: Option<std::io::Error>,
}

impl fmt::Write for Escaped<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.out.write_all(s.as_bytes()).map_err(|e| {
            self.failed.get_or_insert(e);
            fmt::Error
        })
    }
}

/// Displays its value as the inside of a JSON string: quotes, backslashes and control
/// characters escaped, so no value can break out of its field or the line.
struct Esc<'a, T: ?Sized>(&'a T);

impl<T: fmt::Display + ?Sized> fmt::Display for Esc<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Inner<'a, 'b>(&'a mut fmt::Formatter<'b>);
        impl fmt::Write for Inner<'_, '_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                let mut start = 0;
                for (i, c) in s.char_indices() {
                    let escape = match c {
                        '"' => "\\\"",
                        '\\' => "\\\\",
                        '\n' => "\\n",
                        '\r' => "\\r",
                        '\t' => "\\t",
                        c if (c as u32) < 0x20 || c == '\u{7f}' => "",
                        _ => continue,
                    };
                    self.0.write_str(&s[start..i])?;
                    if escape.is_empty() {
                        write!(self.0, "\\u{:04x}", c as u32)?;
                    } else {
                        self.0.write_str(escape)?;
                    }
                    start = i + c.len_utf8();
                }
                self.0.write_str(&s[start..])
            }
        }
        fmt::write(&mut Inner(f), format_args!("{}", self.0))
    }
}

struct Fields<'a, 'b> {
    w: &'a mut Escaped<'b>,
    has_request_id: bool,
}

impl<'kvs> VisitSource<'kvs> for Fields<'_, '_> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), KvError> {
        let key = key.as_str();
        if CORE_FIELDS.contains(&key) {
            return Ok(());
        }
        self.has_request_id |= key == "request_id";
        let w = &mut *self.w;
        let r = if let Some(n) = value.to_u64() {
            fmt::write(w, format_args!(",\"{}\":{n}", Esc(key)))
        } else if let Some(n) = value.to_i64() {
            fmt::write(w, format_args!(",\"{}\":{n}", Esc(key)))
        } else if let Some(b) = value.to_bool() {
            fmt::write(w, format_args!(",\"{}\":{b}", Esc(key)))
        } else if let Some(f) = value.to_f64().filter(|f| f.is_finite()) {
            // Latencies: three decimals (microseconds) are plenty.
            fmt::write(w, format_args!(",\"{}\":{f:.3}", Esc(key)))
        } else {
            fmt::write(w, format_args!(",\"{}\":\"{}\"", Esc(key), Esc(&value)))
        };
        r.map_err(|_| KvError::msg("write failed"))
    }
}

#[cfg(test)]
mod tests;
