//! ISO/IEC 19794-2:2011 finger minutiae record (version `030`): a 15-byte general header,
//! then one finger representation per view, each with its own length, capture date and
//! device, quality and certification blocks, image geometry, 5- or 6-byte minutiae
//! (angles in 360/256-degree units) and an extended data block.

use super::FormatError;
use super::bytes::{Diag, Reader, Writer, check_record_end};
use super::edb::{self, Style};
use super::fmr::{self, AngleUnit, QualityCoding};
use crate::finger::template::{
    CaptureDateTime, CertificationBlock, FingerPosition, FingerTemplate, FingerView,
    ImpressionType, QualityBlock, RecordInfo, Resolution,
};

/// Impression types ISO 2011 defines.
const IMPRESSIONS: [std::ops::RangeInclusive<u8>; 3] = [0..=9, 24..=24, 28..=29];

pub(super) fn read(bytes: &[u8], diag: &mut Diag) -> Result<(FingerTemplate, String), FormatError> {
    let mut r = Reader::new(bytes);
    if r.take(4)? != b"FMR\0" {
        return Err(FormatError::Unrecognised(
            "the record does not start with the FMR\\0 magic".into(),
        ));
    }
    let version = r.take(4)?;
    if version != b"030\0" {
        return Err(FormatError::Unrecognised(format!(
            "version bytes {version:02x?} are not \"030\\0\""
        )));
    }
    let length = r.u32()?;
    let n_reps = r.u16()?;
    if n_reps == 0 {
        diag.deviation(12, "the record holds no finger representations")?;
    }
    let cert_flag = r.u8()?;
    if cert_flag > 1 {
        diag.deviation(14, format!("certification flag {cert_flag} is not 0 or 1"))?;
    }
    let mut views = Vec::new();
    for _ in 0..n_reps {
        views.push(read_representation(&mut r, cert_flag != 0, diag)?);
    }
    let mut seen = [false; 256];
    for v in &views {
        if std::mem::replace(&mut seen[usize::from(v.view_number)], true) {
            diag.deviation(
                0,
                format!("representation number {} is used twice", v.view_number),
            )?;
        }
    }
    check_record_end(diag, 8, u64::from(length), r.pos(), bytes)?;
    let template = FingerTemplate {
        record: RecordInfo {
            has_certification_blocks: cert_flag != 0,
            ..RecordInfo::default()
        },
        views,
    };
    Ok((template, "030".to_string()))
}

fn read_representation(
    r: &mut Reader<'_>,
    has_certs: bool,
    diag: &mut Diag,
) -> Result<FingerView, FormatError> {
    let start = r.pos();
    let at = r.offset();
    let rep_len = r.u32()?;
    let dt = r.take(9)?;
    let date_time = if dt.iter().all(|&b| b == 0xff) {
        None
    } else {
        Some(CaptureDateTime {
            year: u16::from_be_bytes([dt[0], dt[1]]),
            month: dt[2],
            day: dt[3],
            hour: dt[4],
            minute: dt[5],
            second: dt[6],
            millisecond: u16::from_be_bytes([dt[7], dt[8]]),
        })
    };
    if let Some(d) = date_time {
        let fields = [
            ("month", u16::from(d.month), 1..=12),
            ("day", u16::from(d.day), 1..=31),
            ("hour", u16::from(d.hour), 0..=23),
            ("minute", u16::from(d.minute), 0..=59),
            ("second", u16::from(d.second), 0..=59),
            ("millisecond", d.millisecond, 0..=999),
        ];
        for (name, value, range) in fields {
            // All ones means "not given" field by field.
            let unset = if name == "millisecond" { 0xffff } else { 0xff };
            if value != unset && !range.contains(&value) {
                diag.deviation(at + 4, format!("capture {name} {value} is out of range"))?;
            }
        }
    }
    let device_technology = r.u8()?;
    let device_vendor = r.u16()?;
    let device_type = r.u16()?;
    let n_quality = r.u8()?;
    let mut quality_blocks = Vec::with_capacity(usize::from(n_quality));
    for _ in 0..n_quality {
        let qat = r.offset();
        let score = r.u8()?;
        if score > 100 && score != 255 {
            diag.deviation(qat, format!("quality score {score} is not 0..=100 or 255"))?;
        }
        quality_blocks.push(QualityBlock {
            score,
            vendor: r.u16()?,
            algorithm: r.u16()?,
        });
    }
    let mut certifications = Vec::new();
    if has_certs {
        let n = r.u8()?;
        for _ in 0..n {
            certifications.push(CertificationBlock {
                authority: r.u16()?,
                scheme: r.u8()?,
            });
        }
    }
    let pos_at = r.offset();
    let position = r.u8()?;
    fmr::check_code(
        "finger position",
        position,
        &[0..=15, 40..=50],
        pos_at,
        diag,
    )?;
    let view_number = r.u8()?;
    let resolution = Resolution {
        x_ppcm: r.u16()?,
        y_ppcm: r.u16()?,
    };
    if resolution.x_ppcm == 0 || resolution.y_ppcm == 0 {
        diag.deviation(pos_at + 2, "image resolution is 0 pixels per centimetre")?;
    }
    let impression = r.u8()?;
    fmr::check_code(
        "impression type",
        impression,
        &IMPRESSIONS,
        pos_at + 6,
        diag,
    )?;
    let width = r.u16()?;
    let height = r.u16()?;
    let field_at = r.offset();
    let field = r.u8()?;
    let field_len = field >> 4;
    let ridge_ending_type = field & 0x0f;
    let quality = match field_len {
        5 => None,
        6 => Some(QualityCoding::Modern),
        other => {
            return Err(FormatError::Invalid {
                field: "minutia field length",
                offset: field_at,
                reason: format!("{other} is not 5 or 6 bytes"),
            });
        }
    };
    if ridge_ending_type > 1 {
        diag.deviation(
            field_at,
            format!("ridge-ending type {ridge_ending_type} is not 0 or 1"),
        )?;
    }
    let mut view = FingerView::new(width, height, resolution);
    view.finger_position = FingerPosition(position);
    view.view_number = view_number;
    view.impression_type = ImpressionType(impression);
    view.finger_quality = quality_blocks
        .first()
        .map_or(0, |q| if q.score <= 100 { q.score } else { 0 });
    let n = r.u8()?;
    for _ in 0..n {
        view.minutiae
            .push(fmr::read_minutia(r, AngleUnit::Iso, quality, diag)?);
    }
    fmr::check_minutiae_inside(&view, at, diag)?;
    view.extended = edb::read_block(r, Style::Iso2011, diag)?;
    view.capture = crate::finger::template::CaptureInfo {
        date_time,
        device_technology,
        device_vendor,
        device_type,
        quality_blocks,
        certifications,
        ridge_ending_type,
        minutia_quality_omitted: quality.is_none(),
    };
    let used = r.pos() - start;
    if used as u64 != u64::from(rep_len) {
        diag.deviation(
            at,
            format!("representation length field says {rep_len} bytes but it occupies {used}"),
        )?;
    }
    Ok(view)
}

pub(super) fn write(t: &FingerTemplate) -> Result<Vec<u8>, FormatError> {
    if t.views.is_empty() {
        return Err(FormatError::Unrepresentable(
            "ISO 19794-2:2011 needs at least one representation".into(),
        ));
    }
    let has_certs = t.record.has_certification_blocks
        || t.views.iter().any(|v| !v.capture.certifications.is_empty());
    let mut w = Writer::default();
    w.put(b"FMR\x00030\x00");
    w.u32(0);
    w.u16(u16::try_from(t.views.len()).map_err(|_| {
        FormatError::Unrepresentable(format!("{} representations are too many", t.views.len()))
    })?);
    w.u8(u8::from(has_certs));
    // Representation numbers are unique in the record; views numbered per finger (2004/2005
    // records) are renumbered in record order.
    let mut seen = [false; 256];
    let unique = t
        .views
        .iter()
        .all(|v| !std::mem::replace(&mut seen[usize::from(v.view_number)], true));
    for (i, v) in t.views.iter().enumerate() {
        let start = w.len();
        w.u32(0);
        let c = &v.capture;
        match c.date_time {
            Some(d) => {
                w.u16(d.year);
                w.put(&[d.month, d.day, d.hour, d.minute, d.second]);
                w.u16(d.millisecond);
            }
            None => w.put(&[0xff; 9]),
        }
        w.u8(c.device_technology);
        w.u16(c.device_vendor);
        w.u16(c.device_type);
        let implied;
        let blocks: &[QualityBlock] = if c.quality_blocks.is_empty() && v.finger_quality != 0 {
            implied = [QualityBlock {
                score: v.finger_quality,
                vendor: 0,
                algorithm: 0,
            }];
            &implied
        } else {
            &c.quality_blocks
        };
        w.u8(fmr::count_u8(blocks.len(), "quality blocks")?);
        for q in blocks {
            w.u8(q.score);
            w.u16(q.vendor);
            w.u16(q.algorithm);
        }
        if has_certs {
            w.u8(fmr::count_u8(
                c.certifications.len(),
                "certification blocks",
            )?);
            for cb in &c.certifications {
                w.u16(cb.authority);
                w.u8(cb.scheme);
            }
        }
        w.u8(v.finger_position.0);
        w.u8(if unique {
            v.view_number
        } else {
            fmr::count_u8(i, "representations")?
        });
        w.u16(v.resolution.x_ppcm);
        w.u16(v.resolution.y_ppcm);
        w.u8(v.impression_type.0);
        w.u16(v.width);
        w.u16(v.height);
        if c.ridge_ending_type > 15 {
            return Err(FormatError::Unrepresentable(format!(
                "ridge-ending type {} does not fit 4 bits",
                c.ridge_ending_type
            )));
        }
        let quality = if c.minutia_quality_omitted {
            None
        } else {
            Some(QualityCoding::Modern)
        };
        w.u8(if quality.is_some() { 0x60 } else { 0x50 } | c.ridge_ending_type);
        w.u8(fmr::count_u8(v.minutiae.len(), "minutiae")?);
        for m in &v.minutiae {
            fmr::write_minutia(&mut w, m, AngleUnit::Iso, quality)?;
        }
        edb::write_block(&mut w, &v.extended, Style::Iso2011)?;
        let rep_len = u32::try_from(w.len() - start)
            .map_err(|_| FormatError::Unrepresentable("representation too long".into()))?;
        w.patch_u32(start, rep_len);
    }
    let len = u32::try_from(w.len())
        .map_err(|_| FormatError::Unrepresentable("record longer than 4 GiB".into()))?;
    w.patch_u32(8, len);
    Ok(w.bytes)
}
