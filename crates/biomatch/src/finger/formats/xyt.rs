//! NIST `.xyt` text: one minutia per line, `x y theta [quality]`, integers separated by
//! white space. The file carries no header, no minutia type and no image size.
//!
//! * [`XytFlavour::NistInternal`] (the default `mindtct` output, BOZORTH3's input): origin
//!   bottom-left with `y_xyt = H - y` (H = image height), theta in integer degrees pointing
//!   opposite to ISO (ISO + 180).
//! * [`XytFlavour::M1`] (`mindtct -m1`): ISO/ANSI geometry, origin top-left, y down, theta
//!   in 2-degree ANSI units 0..=179.
//!
//! The file cannot tell the flavours apart; the caller says which. Image width, height and
//! resolution come from [`ReadOptions`]; without them the width (and the M1 height) is the
//! smallest image holding every minutia, the resolution is 197 ppcm (500 ppi), and a
//! NIST-internal height is the largest y (a warning in lenient mode, an error in strict
//! mode, because the y flip cannot be undone without it).

use super::bytes::Diag;
use super::{FormatError, ReadOptions, XytFlavour};
use crate::finger::template::{
    FingerTemplate, FingerView, Minutia, MinutiaKind, MinutiaQuality, Resolution,
};

/// Lines longer than this many minutiae are refused (BOZORTH3 reads at most 1000 lines).
const MAX_LINES: usize = 100_000;

/// True when every non-blank line holds 3 or 4 integers (the detection test).
pub(super) fn looks_like_xyt(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let mut any = false;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if !(3..=4).contains(&fields.len()) || fields.iter().any(|f| f.parse::<i64>().is_err()) {
            return false;
        }
        any = true;
    }
    any
}

pub(super) fn read(
    bytes: &[u8],
    flavour: XytFlavour,
    options: &ReadOptions,
    diag: &mut Diag,
) -> Result<(FingerTemplate, String), FormatError> {
    let text = std::str::from_utf8(bytes).map_err(|e| FormatError::Invalid {
        field: "xyt text",
        offset: e.valid_up_to(),
        reason: "not valid UTF-8/ASCII text".into(),
    })?;
    let mut rows: Vec<[i64; 4]> = Vec::new();
    let mut columns = None;
    let mut offset = 0;
    for (line_no, line) in text.split_inclusive('\n').enumerate() {
        let line_at = offset;
        offset += line.len();
        if line.trim().is_empty() {
            continue;
        }
        if rows.len() >= MAX_LINES {
            return Err(FormatError::Invalid {
                field: "xyt line count",
                offset: line_at,
                reason: format!("more than {MAX_LINES} minutiae"),
            });
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        if !(3..=4).contains(&fields.len()) {
            return Err(FormatError::Invalid {
                field: "xyt line",
                offset: line_at,
                reason: format!(
                    "line {} has {} fields, expected `x y theta [quality]`",
                    line_no + 1,
                    fields.len()
                ),
            });
        }
        if *columns.get_or_insert(fields.len()) != fields.len() {
            return Err(FormatError::Invalid {
                field: "xyt line",
                offset: line_at,
                reason: format!(
                    "line {} has {} fields but earlier lines have {}",
                    line_no + 1,
                    fields.len(),
                    columns.unwrap_or(0)
                ),
            });
        }
        let mut row = [0i64; 4];
        for (slot, f) in row.iter_mut().zip(&fields) {
            *slot = f.parse::<i64>().map_err(|_| FormatError::Invalid {
                field: "xyt number",
                offset: line_at,
                reason: format!("line {}: {f:?} is not an integer", line_no + 1),
            })?;
            if slot.abs() > 1_000_000 {
                return Err(FormatError::Invalid {
                    field: "xyt number",
                    offset: line_at,
                    reason: format!("line {}: {f} is out of range", line_no + 1),
                });
            }
        }
        if row[0] < 0 || row[1] < 0 {
            diag.deviation(
                line_at,
                format!("line {}: negative coordinate", line_no + 1),
            )?;
        }
        if fields.len() == 4 && !(0..=100).contains(&row[3]) {
            diag.deviation(
                line_at,
                format!("line {}: quality {} is not 0..=100", line_no + 1, row[3]),
            )?;
        }
        if flavour == XytFlavour::M1 && !(0..180).contains(&row[2]) {
            diag.deviation(
                line_at,
                format!(
                    "line {}: theta {} is not a 2-degree unit 0..=179 (-m1 flavour)",
                    line_no + 1,
                    row[2]
                ),
            )?;
        }
        row[3] = if fields.len() == 4 { row[3] } else { -1 };
        rows.push(row);
    }
    let max_x = rows.iter().map(|r| r[0]).max().unwrap_or(0);
    let max_y = rows.iter().map(|r| r[1]).max().unwrap_or(0);
    let clamp = |v: i64| v.clamp(0, i64::from(u16::MAX)) as u16;
    let width = options.image_width.unwrap_or(clamp(max_x + 1));
    let height = match (flavour, options.image_height) {
        (_, Some(h)) => h,
        (XytFlavour::M1, None) => clamp(max_y + 1),
        (XytFlavour::NistInternal, None) => {
            if diag.strict() {
                return Err(FormatError::MissingContext(
                    "NIST-internal xyt measures y from the bottom edge; give the image height \
                     (ReadOptions::image_height, CLI --height) to undo the flip"
                        .into(),
                ));
            }
            let h = clamp(max_y.max(1));
            diag.deviation(
                0,
                format!(
                    "image height not given; assumed {h} (the largest y) to undo the \
                     bottom-left origin"
                ),
            )?;
            h
        }
    };
    let resolution = options.resolution.unwrap_or(Resolution::PPI_500);
    let mut view = FingerView::new(width, height, resolution);
    for r in rows {
        let (y, angle) = match flavour {
            XytFlavour::NistInternal => (i64::from(height) - r[1], (r[2] + 180).rem_euclid(360)),
            XytFlavour::M1 => (r[1], (2 * r[2]).rem_euclid(360)),
        };
        view.minutiae.push(Minutia {
            x: r[0] as f32,
            y: y as f32,
            angle: angle as f32,
            kind: MinutiaKind::Other,
            quality: match r[3] {
                -1 => MinutiaQuality::Unknown,
                q => MinutiaQuality::Score(q.clamp(0, 255) as u8),
            },
        });
    }
    let version = match flavour {
        XytFlavour::NistInternal => "NIST internal",
        XytFlavour::M1 => "mindtct -m1",
    };
    Ok((FingerTemplate::single(view), version.to_string()))
}

pub(super) fn write(t: &FingerTemplate, flavour: XytFlavour) -> Result<Vec<u8>, FormatError> {
    let [view] = t.views.as_slice() else {
        return Err(FormatError::Unrepresentable(format!(
            "xyt holds exactly one view; the template has {}",
            t.views.len()
        )));
    };
    let with_quality = view
        .minutiae
        .iter()
        .any(|m| m.quality != MinutiaQuality::Unknown);
    let mut out = String::new();
    for m in &view.minutiae {
        if !(m.x.is_finite() && m.y.is_finite() && m.angle.is_finite()) {
            return Err(FormatError::Unrepresentable(
                "minutia with a non-finite coordinate or angle".into(),
            ));
        }
        let x = m.x.round() as i64;
        let (y, theta) = match flavour {
            XytFlavour::NistInternal => (
                i64::from(view.height) - m.y.round() as i64,
                (f64::from(m.angle) + 180.0).round().rem_euclid(360.0) as i64,
            ),
            XytFlavour::M1 => (
                m.y.round() as i64,
                (f64::from(m.angle) / 2.0).round().rem_euclid(180.0) as i64,
            ),
        };
        out.push_str(&format!("{x} {y} {theta}"));
        if with_quality {
            let q = match m.quality {
                MinutiaQuality::Score(s) => s,
                MinutiaQuality::Unknown | MinutiaQuality::Failed => 0,
            };
            out.push_str(&format!(" {q}"));
        }
        out.push('\n');
    }
    Ok(out.into_bytes())
}
