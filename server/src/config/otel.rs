//! OpenTelemetry tracing (`otel.*`).

use super::ConfigError;
use serde::Deserialize;
use tessera_adapters::observability::otel::{traces_url, TracingSettings};

/// `otel.*` as figment reads it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawOtel {
    /// The collector's OTLP/HTTP URL; unset: no tracing at all.
    pub(super) endpoint: Option<String>,
}

/// Tracing: on when a collector is named.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OtelConfig {
    /// The collector's OTLP/HTTP base URL (`/v1/traces` is appended unless already there);
    /// `None` (the default): no exporter, no spans.
    pub endpoint: Option<url::Url>,
}

impl OtelConfig {
    /// What the adapters need to install the exporter, when tracing is on.
    pub fn settings(&self) -> Option<TracingSettings> {
        self.endpoint.as_ref().map(|endpoint| TracingSettings {
            endpoint: endpoint.clone(),
            service_name: "tessera".to_owned(),
        })
    }
}

impl RawOtel {
    /// Checks `otel.endpoint`: an absolute http(s) URL without credentials or a query; an
    /// empty string is the same as unset (an environment variable set to nothing).
    pub(super) fn parse(&self) -> Result<OtelConfig, ConfigError> {
        let Some(raw) = self
            .endpoint
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        else {
            return Ok(OtelConfig::default());
        };
        let bad = |m: &str| ConfigError::invalid("otel.endpoint", m);
        let url =
            url::Url::parse(raw).map_err(|_| bad("must be a URL like http://collector:4318"))?;
        if traces_url(&url).is_err() || url.host_str().is_none() {
            return Err(bad("must be an http or https URL with a host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("must not hold credentials"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("must not have a query or fragment"));
        }
        Ok(OtelConfig {
            endpoint: Some(url),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(endpoint: Option<&str>) -> Result<OtelConfig, ConfigError> {
        RawOtel {
            endpoint: endpoint.map(str::to_owned),
        }
        .parse()
    }

    #[test]
    fn unset_or_empty_is_off() {
        assert_eq!(parse(None).unwrap(), OtelConfig::default());
        assert_eq!(parse(Some("  ")).unwrap(), OtelConfig::default());
        assert!(OtelConfig::default().settings().is_none());
    }

    #[test]
    fn an_http_url_turns_it_on() {
        let c = parse(Some("http://127.0.0.1:4318")).unwrap();
        let settings = c.settings().unwrap();
        assert_eq!(settings.endpoint.as_str(), "http://127.0.0.1:4318/");
        assert_eq!(settings.service_name, "tessera");
    }

    #[test]
    fn other_urls_are_refused_naming_the_key() {
        for bad in [
            "collector:4318",
            "ftp://collector/",
            "http://user:pw@collector:4318",
            "http://collector:4318/?x=1",
            "not a url",
        ] {
            let e = parse(Some(bad)).unwrap_err().to_string();
            assert!(e.contains("otel.endpoint"), "{bad}: {e}");
        }
    }
}
