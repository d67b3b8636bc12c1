//! Pieces the sign-up, forgotten-password and verification pages share: a labelled input whose
//! error is announced and tied to it, and the hidden `return_to`.

use super::escape::Escaped;
use super::layout::hidden_input;

/// One input of a form.
pub(super) struct Field<'a> {
    /// `id` and `name`.
    pub(super) name: &'a str,
    /// `type`.
    pub(super) kind: &'a str,
    /// The label, already escaped.
    pub(super) label: &'a str,
    /// `autocomplete`.
    pub(super) autocomplete: &'a str,
    /// The value to refill (never for passwords).
    pub(super) value: &'a str,
    /// Extra attributes (already safe), e.g. ` required`.
    pub(super) extra: &'a str,
    /// A hint under the label, already escaped (linked with `aria-describedby`).
    pub(super) hint: Option<&'a str>,
    /// Why the last value was refused, already escaped: `role="alert"`, `aria-invalid`, and
    /// `aria-describedby` pointing at it.
    pub(super) error: Option<&'a str>,
}

impl Field<'_> {
    /// The label, the input, its hint and its error.
    pub(super) fn html(&self) -> String {
        let mut described = Vec::new();
        let hint = self.hint.map_or_else(String::new, |h| {
            described.push(format!("{}-hint", self.name));
            format!("<p id=\"{}-hint\" class=\"muted\">{h}</p>\n", self.name)
        });
        let error = self.error.map_or_else(String::new, |e| {
            described.push(format!("{}-error", self.name));
            format!(
                "<p id=\"{}-error\" class=\"alert\" role=\"alert\">{e}</p>\n",
                self.name
            )
        });
        let aria = if described.is_empty() {
            String::new()
        } else {
            format!(" aria-describedby=\"{}\"", described.join(" "))
        };
        let invalid = if self.error.is_some() {
            " aria-invalid=\"true\" autofocus"
        } else {
            ""
        };
        let value = if self.value.is_empty() {
            String::new()
        } else {
            format!(" value=\"{}\"", Escaped(self.value))
        };
        format!(
            concat!(
                "<label for=\"{name}\">{label}</label>\n",
                "{hint}",
                "<input id=\"{name}\" name=\"{name}\" type=\"{kind}\" ",
                "autocomplete=\"{autocomplete}\"{value}{extra}{aria}{invalid}>\n",
                "{error}"
            ),
            name = self.name,
            label = self.label,
            hint = hint,
            kind = self.kind,
            autocomplete = self.autocomplete,
            value = value,
            extra = self.extra,
            aria = aria,
            invalid = invalid,
            error = error,
        )
    }
}

/// The hidden `return_to` input, when there is one.
pub(super) fn return_to_input(return_to: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(r) = return_to {
        let _ = hidden_input(&mut out, "return_to", r);
    }
    out
}
