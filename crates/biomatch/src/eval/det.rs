//! DET curves (FNMR against FMR, both on log10 axes) drawn as a standalone SVG, one line per
//! database, with a legend and the FMR = FNMR diagonal (where the line crosses it is the EER).
//!
//! Log axes cannot show a rate of 0: a line is drawn from its last point with FNMR 0 to its
//! first point with FMR 0, and those two ends sit on the axis floors, the decade at or below
//! the smallest rate the data can resolve (one impostor for FMR, one genuine comparison for
//! FNMR) and never below 1e-6.

use std::fmt::Write;

use super::metrics::VerificationCurve;

/// Line colours, cycled.
const PALETTE: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 540.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 30.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 60.0;
const LOWEST_DECADE: i32 = -6;

/// One line of a DET plot.
#[derive(Clone, Copy, Debug)]
pub struct DetSeries<'a> {
    /// Legend label (a database name).
    pub name: &'a str,
    /// The operating points to draw.
    pub curve: &'a VerificationCurve,
}

/// Log10 axes of a DET plot, from `10^min_decade` to 1 on each axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DetAxes {
    /// Lowest FMR decade shown (e.g. -3 for 0.1 %).
    pub fmr_decade: i32,
    /// Lowest FNMR decade shown.
    pub fnmr_decade: i32,
}

impl DetAxes {
    /// Axes wide enough for every series' resolution.
    pub fn fit(series: &[DetSeries<'_>]) -> DetAxes {
        let decade = |n: usize| -> i32 {
            let resolution = 1.0 / n.max(1) as f64;
            (resolution.log10().floor() as i32).clamp(LOWEST_DECADE, -1)
        };
        DetAxes {
            fmr_decade: series
                .iter()
                .map(|s| decade(s.curve.impostor_count()))
                .min()
                .unwrap_or(-3),
            fnmr_decade: series
                .iter()
                .map(|s| decade(s.curve.genuine_count()))
                .min()
                .unwrap_or(-2),
        }
    }

    /// The SVG position of an operating point (rates clamped to the axis range).
    pub fn position(&self, fmr: f64, fnmr: f64) -> (f64, f64) {
        let frac = |rate: f64, decade: i32| {
            let lo = f64::from(decade);
            let l = if rate > 0.0 { rate.log10() } else { lo };
            ((l.clamp(lo, 0.0) - lo) / -lo).clamp(0.0, 1.0)
        };
        let x = LEFT + frac(fmr, self.fmr_decade) * (WIDTH - LEFT - RIGHT);
        let y = HEIGHT - BOTTOM - frac(fnmr, self.fnmr_decade) * (HEIGHT - TOP - BOTTOM);
        (x, y)
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// `10^decade` as a percentage label ("0.01%", "1%", "100%").
fn percent_label(decade: i32) -> String {
    let places = (-decade - 2).max(0) as usize;
    format!("{:.*}%", places, 10f64.powi(decade + 2))
}

/// Draws the DET curves of `series` as an SVG document.
pub fn det_svg(series: &[DetSeries<'_>], title: &str) -> String {
    let axes = DetAxes::fit(series);
    let (x0, y0) = (LEFT, HEIGHT - BOTTOM);
    let (x1, y1) = (WIDTH - RIGHT, TOP);
    let mut svg = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        svg,
        r#"<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="white"/>"#
    );
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="24" text-anchor="middle" font-size="15">{}</text>"#,
        (x0 + x1) / 2.0,
        escape(title)
    );
    // Grid and tick labels, one per decade.
    for d in axes.fmr_decade..=0 {
        let (x, _) = axes.position(10f64.powi(d), 1.0);
        let _ = writeln!(
            svg,
            r##"<line x1="{x:.1}" y1="{y0}" x2="{x:.1}" y2="{y1}" stroke="#dddddd"/><text x="{x:.1}" y="{}" text-anchor="middle">{}</text>"##,
            y0 + 16.0,
            percent_label(d)
        );
    }
    for d in axes.fnmr_decade..=0 {
        let (_, y) = axes.position(1.0, 10f64.powi(d));
        let _ = writeln!(
            svg,
            r##"<line x1="{x0}" y1="{y:.1}" x2="{x1}" y2="{y:.1}" stroke="#dddddd"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
            x0 - 6.0,
            y + 4.0,
            percent_label(d)
        );
    }
    let _ = writeln!(
        svg,
        r#"<rect x="{x0}" y="{y1}" width="{}" height="{}" fill="none" stroke="black"/>"#,
        x1 - x0,
        y0 - y1
    );
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="middle">FMR (false match rate, log scale)</text>"#,
        (x0 + x1) / 2.0,
        HEIGHT - 18.0
    );
    let _ = writeln!(
        svg,
        r#"<text x="18" y="{}" text-anchor="middle" transform="rotate(-90 18 {})">FNMR (false non-match rate, log scale)</text>"#,
        (y0 + y1) / 2.0,
        (y0 + y1) / 2.0
    );
    // The EER diagonal FMR = FNMR over the range both axes share.
    let lo = 10f64.powi(axes.fmr_decade.max(axes.fnmr_decade));
    let (dx0, dy0) = axes.position(lo, lo);
    let (dx1, dy1) = axes.position(1.0, 1.0);
    let _ = writeln!(
        svg,
        r##"<line x1="{dx0:.1}" y1="{dy0:.1}" x2="{dx1:.1}" y2="{dy1:.1}" stroke="#999999" stroke-dasharray="4 4"/>"##
    );
    // One polyline per series, through its operating points (FMR falling, FNMR rising).
    for (k, s) in series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let mut coords = String::new();
        let mut last: Option<(String, String)> = None;
        let points = s.curve.points();
        // Runs along an axis floor (FNMR 0 at the start, FMR 0 at the end) are drawn only up
        // to the point where they reach it.
        let first = points.iter().rposition(|p| p.fnmr == 0.0).unwrap_or(0);
        let end = points
            .iter()
            .position(|p| p.fmr == 0.0)
            .unwrap_or(points.len() - 1);
        for p in &points[first..=end.max(first)] {
            let (x, y) = axes.position(p.fmr, p.fnmr);
            let cell = (format!("{x:.1}"), format!("{y:.1}"));
            if last.as_ref() != Some(&cell) {
                let _ = write!(coords, "{},{} ", cell.0, cell.1);
                last = Some(cell);
            }
        }
        let _ = writeln!(
            svg,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="1.8" points="{}"><title>{}</title></polyline>"#,
            coords.trim_end(),
            escape(s.name)
        );
    }
    // Legend, top right inside the plot.
    let row = 18.0;
    let longest = series
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(0);
    let box_w = 40.0 + 7.0 * longest as f64;
    let (lx, ly) = (x1 - box_w - 8.0, y1 + 8.0);
    if !series.is_empty() {
        let _ = writeln!(
            svg,
            r##"<rect x="{lx:.1}" y="{ly:.1}" width="{box_w:.1}" height="{:.1}" fill="white" fill-opacity="0.9" stroke="#888888"/>"##,
            row * series.len() as f64 + 8.0
        );
    }
    for (k, s) in series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let y = ly + 4.0 + row * (k as f64 + 0.5);
        let _ = writeln!(
            svg,
            r#"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{colour}" stroke-width="2.5"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            lx + 6.0,
            lx + 28.0,
            lx + 34.0,
            y + 4.0,
            escape(s.name)
        );
    }
    svg.push_str("</svg>\n");
    svg
}
