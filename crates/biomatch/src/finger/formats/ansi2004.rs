//! ANSI INCITS 378-2004 finger minutiae record: like ISO 2005 but with a 2-byte record
//! length (or `0x0000` and a 4-byte length from 64 KiB on), a CBEFF product identifier,
//! angles in 2-degree units and header-inclusive extended area lengths.

use super::FormatError;
use super::bytes::{Diag, Reader, Writer, check_record_end};
use super::edb::Style;
use super::fmr::{self, AngleUnit};
use super::iso2005::{read_geometry, read_magic_2005};
use crate::finger::template::{FingerTemplate, RecordInfo};

/// Impression types ANSI 378-2004 defines (9 = live-scan contactless).
const IMPRESSIONS: [std::ops::RangeInclusive<u8>; 2] = [0..=3, 8..=9];

pub(super) fn read(bytes: &[u8], diag: &mut Diag) -> Result<(FingerTemplate, String), FormatError> {
    let mut r = Reader::new(bytes);
    let version = read_magic_2005(&mut r, diag)?;
    let short = r.u16()?;
    let length = if short == 0 {
        let long = r.u32()?;
        if long < 0x10000 {
            diag.deviation(
                10,
                format!("6-byte length form used for a {long}-byte record"),
            )?;
        }
        u64::from(long)
    } else {
        if short < 26 {
            return Err(FormatError::Invalid {
                field: "record length",
                offset: 8,
                reason: format!("{short} is below the 26-byte header (is this ISO 19794-2:2005?)"),
            });
        }
        u64::from(short)
    };
    let cbeff_at = r.offset();
    let cbeff_owner = r.u16()?;
    let cbeff_type = r.u16()?;
    if cbeff_owner == 0 {
        diag.deviation(
            cbeff_at,
            "CBEFF product owner is 0 (must be an IBIA vendor ID)",
        )?;
    }
    let eq_at = r.offset();
    let (certified, capture_device_id) = fmr::split_equipment(r.u16()?, eq_at, diag)?;
    let (geometry, n_views) = read_geometry(&mut r, diag)?;
    let mut views = Vec::with_capacity(usize::from(n_views));
    for _ in 0..n_views {
        views.push(fmr::read_legacy_view(
            &mut r,
            geometry,
            AngleUnit::Ansi,
            Style::Ansi,
            &IMPRESSIONS,
            diag,
        )?);
    }
    fmr::check_view_numbers(&views, diag)?;
    check_record_end(diag, 8, length, r.pos(), bytes)?;
    let template = FingerTemplate {
        record: RecordInfo {
            capture_device_id,
            certified,
            cbeff_owner,
            cbeff_type,
            ..RecordInfo::default()
        },
        views,
    };
    Ok((template, version.to_string()))
}

pub(super) fn write(t: &FingerTemplate) -> Result<Vec<u8>, FormatError> {
    let (width, height, res) = fmr::shared_geometry(&t.views, "ANSI INCITS 378-2004")?;
    let mut body = Writer::default();
    body.u16(t.record.cbeff_owner);
    body.u16(t.record.cbeff_type);
    body.u16(fmr::equipment_word(&t.record)?);
    body.u16(width);
    body.u16(height);
    body.u16(res.x_ppcm);
    body.u16(res.y_ppcm);
    body.u8(fmr::count_u8(t.views.len(), "views")?);
    body.u8(0);
    let numbers = fmr::per_finger_view_numbers(&t.views)?;
    for (v, &number) in t.views.iter().zip(&numbers) {
        fmr::write_legacy_view(&mut body, v, number, AngleUnit::Ansi, Style::Ansi)?;
    }
    let mut w = Writer::default();
    w.put(b"FMR\0 20\0");
    let short_total = body.len() + 10;
    if short_total <= 0xffff {
        w.u16(short_total as u16);
    } else {
        let long_total = u32::try_from(body.len() + 14)
            .map_err(|_| FormatError::Unrepresentable("record longer than 4 GiB".into()))?;
        w.u16(0);
        w.u32(long_total);
    }
    w.put(&body.bytes);
    Ok(w.bytes)
}
