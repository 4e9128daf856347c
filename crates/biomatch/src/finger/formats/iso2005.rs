//! ISO/IEC 19794-2:2005 finger minutiae record: a 24-byte header (4-byte length, one image
//! size and resolution for every view), 4-byte view headers, 6-byte minutiae with angles in
//! 360/256-degree units, and an extended data block per view.

use super::FormatError;
use super::bytes::{Diag, Reader, Writer, check_record_end};
use super::edb::Style;
use super::fmr::{self, AngleUnit};
use crate::finger::template::{FingerTemplate, RecordInfo, Resolution};

/// Impression types ISO 2005 defines.
const IMPRESSIONS: [std::ops::RangeInclusive<u8>; 2] = [0..=3, 8..=8];

/// Checks the `FMR\0` magic and the ` 20\0` version (lenient: `020\0`); returns the version.
pub(super) fn read_magic_2005(
    r: &mut Reader<'_>,
    diag: &mut Diag,
) -> Result<&'static str, FormatError> {
    if r.take(4)? != b"FMR\0" {
        return Err(FormatError::Unrecognised(
            "the record does not start with the FMR\\0 magic".into(),
        ));
    }
    match r.take(4)? {
        b" 20\0" => Ok("20"),
        b"020\0" => {
            diag.deviation(4, "version bytes read \"020\\0\" instead of \" 20\\0\"")?;
            Ok("020")
        }
        other => Err(FormatError::Unrecognised(format!(
            "version bytes {other:02x?} are not \" 20\\0\" (2004/2005 records)"
        ))),
    }
}

/// Reads the header fields both 2004 and 2005 records share after the length:
/// image size, resolution, view count and the reserved byte.
pub(super) fn read_geometry(
    r: &mut Reader<'_>,
    diag: &mut Diag,
) -> Result<((u16, u16, Resolution), u8), FormatError> {
    let at = r.offset();
    let width = r.u16()?;
    let height = r.u16()?;
    let resolution = Resolution {
        x_ppcm: r.u16()?,
        y_ppcm: r.u16()?,
    };
    if resolution.x_ppcm == 0 || resolution.y_ppcm == 0 {
        diag.deviation(at + 4, "image resolution is 0 pixels per centimetre")?;
    }
    let n_views = r.u8()?;
    if n_views == 0 {
        diag.deviation(at + 8, "the record holds no finger views")?;
    }
    if r.u8()? != 0 {
        diag.deviation(at + 9, "reserved header byte is not 0")?;
    }
    Ok(((width, height, resolution), n_views))
}

pub(super) fn read(bytes: &[u8], diag: &mut Diag) -> Result<(FingerTemplate, String), FormatError> {
    let mut r = Reader::new(bytes);
    let version = read_magic_2005(&mut r, diag)?;
    let length = r.u32()?;
    if length < 24 {
        return Err(FormatError::Invalid {
            field: "record length",
            offset: 8,
            reason: format!("{length} is below the 24-byte header (is this ANSI 378-2004?)"),
        });
    }
    let (certified, capture_device_id) = fmr::split_equipment(r.u16()?, 12, diag)?;
    let (geometry, n_views) = read_geometry(&mut r, diag)?;
    let mut views = Vec::with_capacity(usize::from(n_views));
    for _ in 0..n_views {
        views.push(fmr::read_legacy_view(
            &mut r,
            geometry,
            AngleUnit::Iso,
            Style::Iso2005,
            &IMPRESSIONS,
            diag,
        )?);
    }
    fmr::check_view_numbers(&views, diag)?;
    check_record_end(diag, 8, u64::from(length), r.pos(), bytes)?;
    let template = FingerTemplate {
        record: RecordInfo {
            capture_device_id,
            certified,
            ..RecordInfo::default()
        },
        views,
    };
    Ok((template, version.to_string()))
}

pub(super) fn write(t: &FingerTemplate) -> Result<Vec<u8>, FormatError> {
    let (width, height, res) = fmr::shared_geometry(&t.views, "ISO 19794-2:2005")?;
    let mut w = Writer::default();
    w.put(b"FMR\0 20\0");
    w.u32(0);
    w.u16(fmr::equipment_word(&t.record)?);
    w.u16(width);
    w.u16(height);
    w.u16(res.x_ppcm);
    w.u16(res.y_ppcm);
    w.u8(fmr::count_u8(t.views.len(), "views")?);
    w.u8(0);
    let numbers = fmr::per_finger_view_numbers(&t.views)?;
    for (v, &number) in t.views.iter().zip(&numbers) {
        fmr::write_legacy_view(&mut w, v, number, AngleUnit::Iso, Style::Iso2005)?;
    }
    let len = u32::try_from(w.len())
        .map_err(|_| FormatError::Unrepresentable("record longer than 4 GiB".into()))?;
    w.patch_u32(8, len);
    Ok(w.bytes)
}
