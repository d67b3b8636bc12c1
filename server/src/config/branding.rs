//! The look of the people-facing pages and mails (`branding.*`): product name, logo, accent
//! colour and support link. Everything is checked, and the logo read, once at start-up.

#[cfg(test)]
use super::Config;
use super::{ConfigError, Environment};
use serde::Deserialize;
use std::path::PathBuf;
use tessera_adapters::http::branding::image_type;
use tessera_adapters::http::pages::{Branding, Logo, Rgb};

/// The largest logo accepted: pages show it small, and it is held in memory.
pub const MAX_LOGO_BYTES: u64 = 512 * 1024;

/// `branding.*` as figment reads it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawBranding {
    /// Shown instead of "Tessera" in pages and mails.
    pub(super) product_name: Option<String>,
    /// A PNG, JPEG, WebP or SVG file.
    pub(super) logo_path: Option<PathBuf>,
    /// `#rrggbb`.
    pub(super) primary_color: Option<String>,
    /// A help page: https (http in development).
    pub(super) support_url: Option<String>,
}

/// What `branding.*` configures, checked, with the logo's bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrandingConfig {
    /// Handed to the pages' theme.
    pub branding: Branding,
}

impl BrandingConfig {
    /// The product name people see ("Tessera" unless configured).
    pub fn product_name(&self) -> &str {
        self.branding.product_name.as_deref().unwrap_or("Tessera")
    }
}

/// An empty string is the same as unset (an environment variable set to nothing).
fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|s| !s.is_empty())
}

impl RawBranding {
    /// Checks every key; reads the logo.
    pub(super) fn parse(&self, environment: Environment) -> Result<BrandingConfig, ConfigError> {
        Ok(BrandingConfig {
            branding: Branding {
                product_name: self.product_name()?,
                logo: self.logo()?,
                primary_colour: self.primary_colour()?,
                support_url: self.support_url(environment)?,
            },
        })
    }

    fn product_name(&self) -> Result<Option<String>, ConfigError> {
        let Some(name) = given(self.product_name.as_deref()) else {
            return Ok(None);
        };
        if name.chars().count() > 60 || name.chars().any(char::is_control) {
            return Err(ConfigError::invalid(
                "branding.product_name",
                "must be at most 60 characters, without control characters",
            ));
        }
        Ok(Some(name.to_owned()))
    }

    fn logo(&self) -> Result<Option<Logo>, ConfigError> {
        let Some(path) = self
            .logo_path
            .as_ref()
            .filter(|p| !p.as_os_str().is_empty())
        else {
            return Ok(None);
        };
        let bad = |m: String| ConfigError::invalid("branding.logo_path", m);
        let shown = path.display();
        let size = std::fs::metadata(path)
            .map_err(|e| bad(format!("cannot read {shown}: {e}")))?
            .len();
        if size > MAX_LOGO_BYTES {
            return Err(bad(format!(
                "{shown} is {size} bytes; at most {MAX_LOGO_BYTES} (512 KiB) are allowed"
            )));
        }
        let bytes = std::fs::read(path).map_err(|e| bad(format!("cannot read {shown}: {e}")))?;
        if bytes.len() as u64 > MAX_LOGO_BYTES {
            return Err(bad(format!("{shown} is larger than 512 KiB")));
        }
        let content_type = image_type(&bytes)
            .ok_or_else(|| bad(format!("{shown} is not a PNG, JPEG, WebP or SVG image")))?;
        Ok(Some(Logo {
            bytes,
            content_type,
        }))
    }

    fn primary_colour(&self) -> Result<Option<Rgb>, ConfigError> {
        let Some(raw) = given(self.primary_color.as_deref()) else {
            return Ok(None);
        };
        let bad = |m: String| ConfigError::invalid("branding.primary_color", m);
        let colour =
            Rgb::parse(raw).ok_or_else(|| bad("must be a colour like #1d4ed8".to_owned()))?;
        let best = colour.best_text_contrast();
        if best < 4.5 {
            return Err(bad(format!(
                "{raw} gives button text a contrast of only {best:.2}:1 with white or black \
                 text; WCAG AA needs 4.5:1: choose a darker or lighter colour"
            )));
        }
        Ok(Some(colour))
    }

    fn support_url(&self, environment: Environment) -> Result<Option<String>, ConfigError> {
        let Some(raw) = given(self.support_url.as_deref()) else {
            return Ok(None);
        };
        let bad = |m: &str| ConfigError::invalid("branding.support_url", m);
        let url = url::Url::parse(raw)
            .map_err(|_| bad("must be an absolute URL like https://help.example.com"))?;
        let allowed = match url.scheme() {
            "https" => true,
            "http" => environment == Environment::Development,
            _ => false,
        };
        if !allowed || url.host_str().is_none() {
            return Err(bad("must be an https URL (http only in development)"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("must not hold credentials"));
        }
        Ok(Some(url.to_string()))
    }
}

#[cfg(test)]
mod tests;
