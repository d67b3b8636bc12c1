//! env_logger set-up: text for people, one JSON object per line for pipelines.

use crate::config::LogFormat;
use std::io::Write;

/// Installs the logger. `RUST_LOG` still overrides the default `info` level.
pub fn init(format: LogFormat) {
    let mut builder =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"));
    if format == LogFormat::Json {
        builder.format(|buf, record| {
            let line = serde_json::json!({
                "ts": buf.timestamp_millis().to_string(),
                "level": record.level().as_str(),
                "target": record.target(),
                "msg": record.args().to_string(),
            });
            writeln!(buf, "{line}")
        });
    }
    // A second init (tests starting several servers) keeps the first logger.
    let _ = builder.try_init();
}
