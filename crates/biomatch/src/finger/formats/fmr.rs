//! Pieces shared by the binary finger minutiae records (ISO 19794-2 2005/2011, ANSI 378
//! 2004/2009): the 6-byte minutia, angle units, quality codes and view checks.

use super::FormatError;
use super::bytes::{Diag, Reader, Writer};
use crate::finger::template::{FingerView, Minutia, MinutiaKind, MinutiaQuality};

/// The angle unit of a binary record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AngleUnit {
    /// ISO: 360/256 degrees, 0..=255.
    Iso,
    /// ANSI 378: 2 degrees, 0..=179.
    Ansi,
}

impl AngleUnit {
    /// Degrees per unit.
    pub(crate) fn degrees(self) -> f32 {
        match self {
            AngleUnit::Iso => 360.0 / 256.0,
            AngleUnit::Ansi => 2.0,
        }
    }

    /// Number of units in a full turn.
    fn turn(self) -> u32 {
        match self {
            AngleUnit::Iso => 256,
            AngleUnit::Ansi => 180,
        }
    }

    /// Decodes a stored angle into degrees in `[0, 360)`; out-of-range ANSI values are a
    /// deviation and wrap around.
    pub(crate) fn decode(
        self,
        raw: u8,
        offset: usize,
        diag: &mut Diag,
    ) -> Result<f32, FormatError> {
        if u32::from(raw) >= self.turn() {
            diag.deviation(
                offset,
                format!(
                    "angle {raw} is out of range for 2-degree ANSI units (0..=179); wrapped \
                     around the circle"
                ),
            )?;
        }
        Ok(((f32::from(raw) * self.degrees()) % 360.0 + 360.0) % 360.0)
    }

    /// Encodes degrees, rounding to the nearest unit and wrapping (never clamping).
    pub(crate) fn encode(self, degrees: f32) -> Result<u8, FormatError> {
        if !degrees.is_finite() {
            return Err(FormatError::Unrepresentable(format!(
                "angle {degrees} is not a finite number"
            )));
        }
        let units = (f64::from(degrees) / f64::from(self.degrees())).round();
        Ok(units.rem_euclid(f64::from(self.turn())) as u8)
    }
}

/// How a record codes minutia quality.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum QualityCoding {
    /// 2004/2005: 0 = not reported, 1..=100 scores.
    Legacy,
    /// 2009/2011: 0..=100 scores, 254 = not computed, 255 = failed.
    Modern,
}

impl QualityCoding {
    pub(crate) fn decode(
        self,
        q: u8,
        offset: usize,
        diag: &mut Diag,
    ) -> Result<MinutiaQuality, FormatError> {
        Ok(match (self, q) {
            (QualityCoding::Legacy, 0) => MinutiaQuality::Unknown,
            (_, 0..=100) => MinutiaQuality::Score(q),
            (QualityCoding::Modern, 254) => MinutiaQuality::Unknown,
            (QualityCoding::Modern, 255) => MinutiaQuality::Failed,
            _ => {
                diag.deviation(offset, format!("minutia quality {q} is above 100"))?;
                MinutiaQuality::Score(q)
            }
        })
    }

    pub(crate) fn encode(self, q: MinutiaQuality) -> Result<u8, FormatError> {
        match (self, q) {
            (QualityCoding::Legacy, MinutiaQuality::Unknown | MinutiaQuality::Failed) => Ok(0),
            (QualityCoding::Modern, MinutiaQuality::Unknown) => Ok(254),
            (QualityCoding::Modern, MinutiaQuality::Failed) => Ok(255),
            (_, MinutiaQuality::Score(s)) if s <= 100 => Ok(s),
            (_, MinutiaQuality::Score(s)) => Err(FormatError::Unrepresentable(format!(
                "minutia quality score {s} is above 100"
            ))),
        }
    }
}

/// Reads one minutia: `[type 2b | x 14b] [reserved 2b | y 14b] angle [quality]`.
pub(crate) fn read_minutia(
    r: &mut Reader<'_>,
    unit: AngleUnit,
    quality: Option<QualityCoding>,
    diag: &mut Diag,
) -> Result<Minutia, FormatError> {
    let at = r.offset();
    let xw = r.u16()?;
    let yw = r.u16()?;
    let a = r.u8()?;
    let q = match quality {
        Some(coding) => {
            let raw = r.u8()?;
            coding.decode(raw, at + 5, diag)?
        }
        None => MinutiaQuality::Unknown,
    };
    let kind = MinutiaKind::from_code((xw >> 14) as u8);
    if kind == MinutiaKind::Reserved {
        diag.deviation(at, "minutia type code 11 is reserved")?;
    }
    if yw >> 14 != 0 {
        diag.deviation(
            at + 2,
            "reserved bits above the minutia y coordinate are set",
        )?;
    }
    Ok(Minutia {
        x: f32::from(xw & 0x3fff),
        y: f32::from(yw & 0x3fff),
        angle: unit.decode(a, at + 4, diag)?,
        kind,
        quality: q,
    })
}

/// A coordinate as a 14-bit field value.
pub(crate) fn encode_coordinate(v: f32, what: &str) -> Result<u16, FormatError> {
    if !v.is_finite() || !(-0.5..16383.5).contains(&v) {
        return Err(FormatError::Unrepresentable(format!(
            "{what} {v} does not fit the 14-bit pixel range 0..=16383"
        )));
    }
    Ok(v.round() as u16)
}

/// Writes one minutia (see [`read_minutia`]).
pub(crate) fn write_minutia(
    w: &mut Writer,
    m: &Minutia,
    unit: AngleUnit,
    quality: Option<QualityCoding>,
) -> Result<(), FormatError> {
    let x = encode_coordinate(m.x, "minutia x")?;
    let y = encode_coordinate(m.y, "minutia y")?;
    w.u16(u16::from(m.kind.code()) << 14 | x);
    w.u16(y);
    w.u8(unit.encode(m.angle)?);
    if let Some(coding) = quality {
        w.u8(coding.encode(m.quality)?);
    }
    Ok(())
}

/// Checks that the minutiae lie inside the image (when its size is known).
pub(crate) fn check_minutiae_inside(
    view: &FingerView,
    offset: usize,
    diag: &mut Diag,
) -> Result<(), FormatError> {
    if view.width == 0 || view.height == 0 {
        return Ok(());
    }
    for (i, m) in view.minutiae.iter().enumerate() {
        if m.x >= f32::from(view.width) || m.y >= f32::from(view.height) {
            diag.deviation(
                offset,
                format!(
                    "minutia {i} at ({}, {}) lies outside the {}x{} image",
                    m.x, m.y, view.width, view.height
                ),
            )?;
        }
    }
    Ok(())
}

/// Checks the view numbering rule of 2004/2005/2009 records: per finger position, view
/// numbers start at 0 and rise by one, in record order.
pub(crate) fn check_view_numbers(views: &[FingerView], diag: &mut Diag) -> Result<(), FormatError> {
    let expected = per_finger_counts(views);
    for (i, (v, &expected)) in views.iter().zip(&expected).enumerate() {
        if usize::from(v.view_number) != expected {
            diag.deviation(
                0,
                format!(
                    "view {i} (finger position {}) has view number {}, expected {expected} \
                     (view numbers of one finger start at 0 and rise by one)",
                    v.finger_position.0, v.view_number
                ),
            )?;
        }
    }
    Ok(())
}

/// For each view, how many earlier views share its finger position.
fn per_finger_counts(views: &[FingerView]) -> Vec<usize> {
    let mut seen = [0usize; 256];
    views
        .iter()
        .map(|v| {
            let slot = &mut seen[usize::from(v.finger_position.0)];
            *slot += 1;
            *slot - 1
        })
        .collect()
}

/// The view numbers a 2004/2005/2009 writer stores: per finger position 0, 1, 2, ... in
/// record order. Views that already follow the rule keep their numbers; others (e.g. ISO
/// 2011 representation numbers, unique across the record) are renumbered.
pub(crate) fn per_finger_view_numbers(views: &[FingerView]) -> Result<Vec<u8>, FormatError> {
    per_finger_counts(views)
        .into_iter()
        .map(|n| count_u8(n, "views of one finger"))
        .collect()
}

/// A value in one of the allowed codes, else a deviation.
pub(crate) fn check_code(
    what: &str,
    value: u8,
    allowed: &[std::ops::RangeInclusive<u8>],
    offset: usize,
    diag: &mut Diag,
) -> Result<(), FormatError> {
    if !allowed.iter().any(|r| r.contains(&value)) {
        diag.deviation(
            offset,
            format!("{what} {value} is not a code the format defines"),
        )?;
    }
    Ok(())
}

/// The views of a 2004/2005 record share one image size and resolution; returns them.
pub(crate) fn shared_geometry(
    views: &[FingerView],
    format: &str,
) -> Result<(u16, u16, crate::finger::template::Resolution), FormatError> {
    let Some(first) = views.first() else {
        return Err(FormatError::Unrepresentable(format!(
            "{format} needs at least one view"
        )));
    };
    for v in views {
        if (v.width, v.height, v.resolution) != (first.width, first.height, first.resolution) {
            return Err(FormatError::Unrepresentable(format!(
                "{format} stores one image size and resolution for all views, but the views \
                 differ ({}x{} @ {:?} vs {}x{} @ {:?})",
                first.width, first.height, first.resolution, v.width, v.height, v.resolution
            )));
        }
    }
    Ok((first.width, first.height, first.resolution))
}

/// A count as a u8 field, or an error naming it.
pub(crate) fn count_u8(n: usize, what: &str) -> Result<u8, FormatError> {
    u8::try_from(n)
        .map_err(|_| FormatError::Unrepresentable(format!("{n} {what} do not fit a 1-byte count")))
}

/// Reads a 2004/2005 finger view: position, view number / impression nibbles, finger
/// quality, minutiae, extended data. The image geometry comes from the record header.
pub(crate) fn read_legacy_view(
    r: &mut Reader<'_>,
    geometry: (u16, u16, crate::finger::template::Resolution),
    unit: AngleUnit,
    style: super::edb::Style,
    impressions: &[std::ops::RangeInclusive<u8>],
    diag: &mut Diag,
) -> Result<FingerView, FormatError> {
    let (width, height, resolution) = geometry;
    let at = r.offset();
    let mut view = FingerView::new(width, height, resolution);
    view.finger_position = crate::finger::template::FingerPosition(r.u8()?);
    check_code(
        "finger position",
        view.finger_position.0,
        &[0..=10],
        at,
        diag,
    )?;
    let vi = r.u8()?;
    view.view_number = vi >> 4;
    view.impression_type = crate::finger::template::ImpressionType(vi & 15);
    check_code("impression type", vi & 15, impressions, at + 1, diag)?;
    view.finger_quality = r.u8()?;
    if view.finger_quality > 100 {
        diag.deviation(
            at + 2,
            format!("finger quality {} is above 100", view.finger_quality),
        )?;
    }
    let n = r.u8()?;
    for _ in 0..n {
        view.minutiae
            .push(read_minutia(r, unit, Some(QualityCoding::Legacy), diag)?);
    }
    check_minutiae_inside(&view, at, diag)?;
    view.extended = super::edb::read_block(r, style, diag)?;
    Ok(view)
}

/// Writes a 2004/2005 finger view (see [`read_legacy_view`]).
pub(crate) fn write_legacy_view(
    w: &mut Writer,
    view: &FingerView,
    view_number: u8,
    unit: AngleUnit,
    style: super::edb::Style,
) -> Result<(), FormatError> {
    if view_number > 15 || view.impression_type.0 > 15 {
        return Err(FormatError::Unrepresentable(format!(
            "view number {view_number} / impression type {} do not fit the 4-bit fields",
            view.impression_type.0
        )));
    }
    w.u8(view.finger_position.0);
    w.u8(view_number << 4 | view.impression_type.0);
    w.u8(view.finger_quality);
    w.u8(count_u8(view.minutiae.len(), "minutiae")?);
    for m in &view.minutiae {
        write_minutia(w, m, unit, Some(QualityCoding::Legacy))?;
    }
    super::edb::write_block(w, &view.extended, style)
}

/// The 12-bit capture device ID with the certification flag in bit 15.
pub(crate) fn equipment_word(
    record: &crate::finger::template::RecordInfo,
) -> Result<u16, FormatError> {
    if record.capture_device_id > 0x0fff {
        return Err(FormatError::Unrepresentable(format!(
            "capture device ID {} does not fit 12 bits",
            record.capture_device_id
        )));
    }
    Ok(u16::from(record.certified) << 15 | record.capture_device_id)
}

/// Splits the capture-equipment word; reserved bits 14-12 must be 0.
pub(crate) fn split_equipment(
    word: u16,
    offset: usize,
    diag: &mut Diag,
) -> Result<(bool, u16), FormatError> {
    if word & 0x7000 != 0 {
        diag.deviation(offset, "reserved capture-equipment bits 14-12 are set")?;
    }
    Ok((word & 0x8000 != 0, word & 0x0fff))
}
