//! Bar charts drawn on the server as inline SVG: no script, no library, nothing fetched.
//! Each chart is `role="img"` with a `<title>` and `<desc>` it is labelled by, and comes with
//! its numbers as a table (in a `<details>`) for anyone who cannot see it.
//!
//! Colours are SVG presentation attributes, which the pages' CSP (no inline styles) allows.

use super::render::when;
use crate::http::pages::{Escaped, Ui};
use tessera_domain::UnixTime;

/// One series of a chart: its name and one value per hour.
pub(super) struct Series<'a> {
    /// Shown in the legend and the table header.
    pub name: &'a str,
    /// One value per hour.
    pub values: &'a [u64],
    /// The bars' fill (`#rrggbb`).
    pub colour: &'static str,
}

const WIDTH: u64 = 720;
const HEIGHT: u64 = 180;
const TOP: u64 = 16;
const LEFT: u64 = 40;

/// A stacked bar chart of `series` over `hours` (the first second of each), named `title`.
pub(super) fn bar_chart(
    ui: &Ui,
    id: &str,
    title: &str,
    hours: &[i64],
    series: &[Series<'_>],
) -> String {
    let n = hours.len().max(1) as u64;
    let totals: Vec<u64> = (0..hours.len())
        .map(|i| {
            series
                .iter()
                .map(|s| s.values.get(i).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    let max = totals.iter().copied().max().unwrap_or(0).max(1);
    let sum: u64 = totals.iter().sum();
    let plot_w = WIDTH - LEFT;
    let plot_h = HEIGHT - TOP;
    let slot = plot_w as f64 / n as f64;
    let bar = (slot * 0.8).max(1.0);
    let mut bars = String::new();
    for (i, _) in hours.iter().enumerate() {
        let mut base = 0_u64;
        for s in series {
            let v = s.values.get(i).copied().unwrap_or(0);
            if v == 0 {
                continue;
            }
            let y0 = HEIGHT as f64 - (base as f64 / max as f64) * plot_h as f64;
            let y1 = HEIGHT as f64 - ((base + v) as f64 / max as f64) * plot_h as f64;
            bars.push_str(&format!(
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"/>",
                LEFT as f64 + i as f64 * slot + (slot - bar) / 2.0,
                y1,
                bar,
                (y0 - y1).max(0.5),
                s.colour
            ));
            base += v;
        }
    }
    let desc = ui.fill(
        "console.chart_desc",
        &[
            ("total", &sum.to_string()),
            ("max", &max.to_string()),
            ("hours", &hours.len().to_string()),
        ],
    );
    let legend: String = series
        .iter()
        .map(|s| {
            format!(
                "<li><svg width=\"12\" height=\"12\" aria-hidden=\"true\" focusable=\"false\"><rect width=\"12\" height=\"12\" fill=\"{}\"/></svg> {}</li>",
                s.colour,
                Escaped(s.name)
            )
        })
        .collect();
    let head: String = series
        .iter()
        .map(|s| format!("<th scope=\"col\">{}</th>", Escaped(s.name)))
        .collect();
    let rows: String = hours
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let cells: String = series
                .iter()
                .map(|s| format!("<td>{}</td>", s.values.get(i).copied().unwrap_or(0)))
                .collect();
            format!(
                "<tr><th scope=\"row\">{}</th>{cells}</tr>",
                Escaped(&when(UnixTime::from_secs(*h)))
            )
        })
        .collect();
    format!(
        concat!(
            "<figure>",
            "<svg id=\"{id}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" viewBox=\"0 0 {w} {h}\" width=\"100%\" preserveAspectRatio=\"none\">",
            "<title id=\"{id}-title\">{title}</title><desc id=\"{id}-desc\">{desc}</desc>",
            "<line x1=\"{left}\" y1=\"{h}\" x2=\"{w}\" y2=\"{h}\" stroke=\"currentColor\"/>",
            "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{h}\" stroke=\"currentColor\"/>",
            "<text x=\"{label_x}\" y=\"{top_text}\" font-size=\"12\" text-anchor=\"end\" fill=\"currentColor\">{max}</text>",
            "<text x=\"{label_x}\" y=\"{h}\" font-size=\"12\" text-anchor=\"end\" fill=\"currentColor\">0</text>",
            "{bars}</svg>",
            "<figcaption><ul class=\"items\">{legend}</ul></figcaption>",
            "</figure>",
            "<details><summary>{table_label}</summary><table><caption>{title}</caption>",
            "<thead><tr><th scope=\"col\">{hour}</th>{head}</tr></thead><tbody>{rows}</tbody></table></details>\n"
        ),
        id = Escaped(id),
        w = WIDTH,
        h = HEIGHT,
        top = TOP,
        left = LEFT,
        label_x = LEFT - 4,
        top_text = TOP + 4,
        title = Escaped(title),
        desc = Escaped(&desc),
        max = max,
        bars = bars,
        legend = legend,
        table_label = ui.h("console.chart_table"),
        hour = ui.h("console.chart_hour"),
        head = head,
        rows = rows,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_is_an_accessible_image_with_its_numbers() {
        let ui = Ui::default();
        let hours = [0, 3600, 7200];
        let svg = bar_chart(
            &ui,
            "c",
            "Sign-ins <per hour>",
            &hours,
            &[
                Series {
                    name: "ok",
                    values: &[1, 0, 4],
                    colour: "#15803d",
                },
                Series {
                    name: "failed",
                    values: &[2, 0, 0],
                    colour: "#b91c1c",
                },
            ],
        );
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("aria-labelledby=\"c-title c-desc\""));
        assert!(svg.contains("<title id=\"c-title\">Sign-ins &lt;per hour&gt;</title>"));
        assert_eq!(
            svg.matches("<rect x=").count(),
            3,
            "one bar per non-zero value"
        );
        assert!(svg.contains("<td>4</td>"));
        assert!(!svg.contains("style="), "the CSP forbids inline styles");
    }

    #[test]
    fn an_empty_window_draws_no_bars() {
        let ui = Ui::default();
        let svg = bar_chart(
            &ui,
            "e",
            "t",
            &[0],
            &[Series {
                name: "x",
                values: &[0],
                colour: "#000000",
            }],
        );
        assert_eq!(svg.matches("<rect x=").count(), 0);
    }
}
