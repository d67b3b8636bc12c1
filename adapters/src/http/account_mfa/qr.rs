//! The QR code of an `otpauth://` URI as inline SVG, drawn here: the secret never goes to an
//! outside service.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The SVG of `text` as a QR code (error correction M, quiet zone), or `None` when it does
/// not fit a QR code.
pub fn svg(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    Some(
        code.render::<svg::Color<'_>>()
            .min_dimensions(200, 200)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .quiet_zone(true)
            .build(),
    )
}
