//! ANSI INCITS 378-2009 (version `030`) and its amendment 1 (`035`): a 21-byte header with a
//! 4-byte length, a CBEFF product identifier, a 1-byte certification flag and a 2-byte
//! capture device ID; 17-byte view headers carrying each view's quality algorithm, image
//! size and resolution; 6-byte minutiae in 2-degree units with 2009 quality codes.
//!
//! NIST's "ANSI 2007" reading of `030` (libbiomeval, BiomDI) has a 20-byte header where the
//! certification and device ID share one 2-byte word, as in 2004. The reader tries the
//! 21-byte header first and keeps whichever layout ends where the record does.

use super::FormatError;
use super::bytes::{Diag, Reader, Writer, check_record_end};
use super::edb::{self, Style};
use super::fmr::{self, AngleUnit, QualityCoding};
use crate::finger::template::{
    FingerPosition, FingerTemplate, FingerView, ImpressionType, QualityBlock, RecordInfo,
    Resolution,
};

/// Impression types ANSI 378-2009 defines.
const IMPRESSIONS: [std::ops::RangeInclusive<u8>; 4] = [0..=3, 8..=8, 10..=11, 20..=29];

/// Which `030`/`035` header layout a record uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Header {
    /// The published 21-byte header.
    Published,
    /// NIST's 20-byte header.
    Nist2007,
}

pub(super) fn read(
    bytes: &[u8],
    diag: &mut Diag,
    amendment: bool,
) -> Result<(FingerTemplate, String), FormatError> {
    let mut r = Reader::new(bytes);
    if r.take(4)? != b"FMR\0" {
        return Err(FormatError::Unrecognised(
            "the record does not start with the FMR\\0 magic".into(),
        ));
    }
    let want: &[u8] = if amendment { b"035\0" } else { b"030\0" };
    let version = r.take(4)?;
    if version != want {
        return Err(FormatError::Unrecognised(format!(
            "version bytes {version:02x?} are not {:?}",
            String::from_utf8_lossy(want)
        )));
    }
    let length = r.u32()?;
    // Try both header layouts without reporting, keep the one that fits, then re-read it
    // with the caller's diagnostics.
    let fits = |h: Header| {
        let mut probe = Diag::new(super::Mode::Lenient);
        parse_after_length(bytes, h, &mut probe)
            .map(|(_, end)| end == bytes.len() || end as u64 == u64::from(length))
    };
    let header = match (fits(Header::Published), fits(Header::Nist2007)) {
        (Ok(true), _) => Header::Published,
        (_, Ok(true)) => Header::Nist2007,
        (Ok(false), _) => Header::Published,
        (Err(e), Ok(false)) | (Err(e), Err(_)) => return Err(e),
    };
    let (template, end) = parse_after_length(bytes, header, diag)?;
    check_record_end(diag, 8, u64::from(length), end, bytes)?;
    let v = if amendment { "035" } else { "030" };
    let version = match header {
        Header::Published => v.to_string(),
        Header::Nist2007 => format!("{v} (NIST 20-byte header)"),
    };
    Ok((template, version))
}

fn parse_after_length(
    bytes: &[u8],
    header: Header,
    diag: &mut Diag,
) -> Result<(FingerTemplate, usize), FormatError> {
    let mut r = Reader::new(bytes);
    r.seek(12);
    let cbeff_owner = r.u16()?;
    let cbeff_type = r.u16()?;
    if cbeff_owner == 0 {
        diag.deviation(12, "CBEFF product owner is 0 (must be an IBIA vendor ID)")?;
    }
    let (certified, capture_device_id) = match header {
        Header::Published => {
            let flag = r.u8()?;
            if flag & 0x7f != 0 {
                diag.deviation(
                    16,
                    format!("certification flag 0x{flag:02x} is not 0x00 or 0x80"),
                )?;
            }
            (flag & 0x80 != 0, r.u16()?)
        }
        Header::Nist2007 => fmr::split_equipment(r.u16()?, 16, diag)?,
    };
    let count_at = r.offset();
    let n_views = r.u8()?;
    if n_views == 0 {
        diag.deviation(count_at, "the record holds no finger views")?;
    }
    if r.u8()? != 0 {
        diag.deviation(count_at + 1, "reserved header byte is not 0")?;
    }
    let mut views = Vec::with_capacity(usize::from(n_views));
    for _ in 0..n_views {
        views.push(read_view(&mut r, diag)?);
    }
    fmr::check_view_numbers(&views, diag)?;
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
    Ok((template, r.pos()))
}

fn read_view(r: &mut Reader<'_>, diag: &mut Diag) -> Result<FingerView, FormatError> {
    let at = r.offset();
    let position = r.u8()?;
    fmr::check_code("finger position", position, &[0..=10, 13..=15], at, diag)?;
    let view_number = r.u8()?;
    let impression = r.u8()?;
    fmr::check_code("impression type", impression, &IMPRESSIONS, at + 2, diag)?;
    let quality = r.u8()?;
    if quality > 100 && quality < 254 {
        diag.deviation(
            at + 3,
            format!("finger quality {quality} is not 0..=100, 254 or 255"),
        )?;
    }
    let vendor = r.u16()?;
    let algorithm = r.u16()?;
    let width = r.u16()?;
    let height = r.u16()?;
    let resolution = Resolution {
        x_ppcm: r.u16()?,
        y_ppcm: r.u16()?,
    };
    if resolution.x_ppcm == 0 || resolution.y_ppcm == 0 {
        diag.deviation(at + 12, "image resolution is 0 pixels per centimetre")?;
    }
    let mut view = FingerView::new(width, height, resolution);
    view.finger_position = FingerPosition(position);
    view.view_number = view_number;
    view.impression_type = ImpressionType(impression);
    view.finger_quality = quality;
    view.capture.quality_blocks = vec![QualityBlock {
        score: quality,
        vendor,
        algorithm,
    }];
    let n = r.u8()?;
    for _ in 0..n {
        view.minutiae.push(fmr::read_minutia(
            r,
            AngleUnit::Ansi,
            Some(QualityCoding::Modern),
            diag,
        )?);
    }
    fmr::check_minutiae_inside(&view, at, diag)?;
    view.extended = edb::read_block(r, Style::Ansi, diag)?;
    Ok(view)
}

pub(super) fn write(t: &FingerTemplate, amendment: bool) -> Result<Vec<u8>, FormatError> {
    if t.views.is_empty() {
        return Err(FormatError::Unrepresentable(
            "ANSI 378-2009 needs at least one view".into(),
        ));
    }
    let mut w = Writer::default();
    w.put(if amendment {
        b"FMR\x00035\x00"
    } else {
        b"FMR\x00030\x00"
    });
    w.u32(0);
    w.u16(t.record.cbeff_owner);
    w.u16(t.record.cbeff_type);
    w.u8(if t.record.certified { 0x80 } else { 0 });
    w.u16(t.record.capture_device_id);
    w.u8(fmr::count_u8(t.views.len(), "views")?);
    w.u8(0);
    let numbers = fmr::per_finger_view_numbers(&t.views)?;
    for (v, &number) in t.views.iter().zip(&numbers) {
        let (vendor, algorithm) = v
            .capture
            .quality_blocks
            .first()
            .map_or((0, 0), |q| (q.vendor, q.algorithm));
        w.u8(v.finger_position.0);
        w.u8(number);
        w.u8(v.impression_type.0);
        w.u8(v.finger_quality);
        w.u16(vendor);
        w.u16(algorithm);
        w.u16(v.width);
        w.u16(v.height);
        w.u16(v.resolution.x_ppcm);
        w.u16(v.resolution.y_ppcm);
        w.u8(fmr::count_u8(v.minutiae.len(), "minutiae")?);
        for m in &v.minutiae {
            fmr::write_minutia(&mut w, m, AngleUnit::Ansi, Some(QualityCoding::Modern))?;
        }
        edb::write_block(&mut w, &v.extended, Style::Ansi)?;
    }
    let len = u32::try_from(w.len())
        .map_err(|_| FormatError::Unrepresentable("record longer than 4 GiB".into()))?;
    w.patch_u32(8, len);
    Ok(w.bytes)
}
