//! The minutiae of ANSI/NIST-ITL Type-9 records in the traditional (tagged ASCII) encoding:
//! the legacy NIST standard fields 9.010 (count), 9.011 (ridge counts present) and 9.012
//! (one subfield per minutia: index, `XXXXYYYYTTT`, quality, type, `neighbour,ridgecount`
//! items), with cores 9.008 and deltas 9.009.
//!
//! Legacy coordinates are in 0.01 mm from the **bottom-left** corner and theta is in degrees
//! pointing opposite to ISO, as in NIST `.xyt`. Converting to pixels needs the resolution
//! (Type-1 field 1.011, native scanning resolution in pixels per mm, else
//! [`ReadOptions::resolution`], else 500 ppi) and the image height
//! ([`ReadOptions::image_height`], else the image record with the same IDC; without either
//! the smallest height holding every minutia, a warning in lenient mode and an error in
//! strict mode). Quality 2..=63 (2 best) is mapped linearly onto 100..=0; 0 and 1 mean "not
//! reported".
//!
//! Extended Feature Set minutiae (9.331, when there is no 9.012) are read too: `x~y~theta~type`
//! per subfield, x and y in 10 µm from the **top-left** corner, theta in degrees in the ISO
//! sense, type `E` (ending), `B` (bifurcation) or `X` (unknown); the image size comes from
//! the region of interest 9.300 (`width~height~...` in 10 µm). Type-9 records that carry
//! neither block (vendor or INCITS 378 fields only) are reported and skipped.

use super::bytes::{Diag, describe_start};
use super::{FormatError, ReadOptions};
use crate::finger::template::{
    FingerPosition, FingerTemplate, FingerView, ImpressionType, Minutia, MinutiaKind,
    MinutiaQuality, RecordInfo, Resolution, RidgeCount, RidgeCountData, SingularPoint,
};

const FS: u8 = 0x1c;
const GS: u8 = 0x1d;
const RS: u8 = 0x1e;
const US: u8 = 0x1f;

/// True when the bytes start like a traditional-encoding Type-1 record (`1.001:` / `1.01:`).
pub(super) fn looks_like_an2k(bytes: &[u8]) -> bool {
    let Some(rest) = bytes.strip_prefix(b"1.") else {
        return false;
    };
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    (1..=3).contains(&digits)
        && rest[..digits].iter().all(|&b| b == b'0' || b == b'1')
        && rest[digits - 1] == b'1'
        && rest.get(digits) == Some(&b':')
}

/// One tagged field: record type, field number, value bytes, absolute offset.
struct Field<'a> {
    record_type: u32,
    number: u32,
    value: &'a [u8],
    offset: usize,
}

/// The tagged fields of one record, stopping before a binary `.999` image field.
fn tagged_fields(record: &[u8], base: usize) -> Result<Vec<Field<'_>>, FormatError> {
    let mut fields = Vec::new();
    let mut pos = 0;
    while pos < record.len() {
        let colon = record[pos..]
            .iter()
            .position(|&b| b == b':')
            .ok_or_else(|| invalid("field tag", base + pos, "no ':' after a field tag"))?;
        let tag = std::str::from_utf8(&record[pos..pos + colon])
            .map_err(|_| invalid("field tag", base + pos, "tag is not ASCII"))?;
        let (t, n) = tag
            .split_once('.')
            .ok_or_else(|| invalid("field tag", base + pos, &format!("{tag:?} is not T.NNN")))?;
        let parse = |s: &str| {
            s.trim()
                .parse::<u32>()
                .map_err(|_| invalid("field tag", base + pos, &format!("{tag:?} is not T.NNN")))
        };
        let (record_type, number) = (parse(t)?, parse(n)?);
        let vstart = pos + colon + 1;
        if number == 999 {
            break;
        }
        let vlen = record[vstart..]
            .iter()
            .position(|&b| b == GS || b == FS)
            .unwrap_or(record.len() - vstart);
        fields.push(Field {
            record_type,
            number,
            value: &record[vstart..vstart + vlen],
            offset: base + pos,
        });
        pos = vstart + vlen + 1;
        if record.get(vstart + vlen) == Some(&FS) {
            break;
        }
    }
    Ok(fields)
}

fn invalid(field: &'static str, offset: usize, reason: &str) -> FormatError {
    FormatError::Invalid {
        field,
        offset,
        reason: reason.to_string(),
    }
}

fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).trim().to_string()
}

fn num(v: &[u8]) -> Option<i64> {
    let t = text(v);
    if t.is_empty() || t.len() > 12 {
        return None;
    }
    t.parse().ok()
}

/// The length of the tagged record at `at` from its `T.001:LEN` field.
fn tagged_len(bytes: &[u8], at: usize) -> Result<usize, FormatError> {
    let head = &bytes[at..bytes.len().min(at + 32)];
    let colon = head
        .iter()
        .position(|&b| b == b':')
        .ok_or_else(|| invalid("record length", at, "no LEN field at the start of a record"))?;
    let end = head[colon..]
        .iter()
        .position(|&b| b == GS || b == FS)
        .map(|p| colon + p)
        .ok_or_else(|| invalid("record length", at, "LEN field not terminated"))?;
    let len = num(&head[colon + 1..end])
        .filter(|&l| l > 0)
        .ok_or_else(|| invalid("record length", at, "LEN is not a positive number"))?;
    usize::try_from(len).map_err(|_| invalid("record length", at, "LEN too large"))
}

struct Record<'a> {
    record_type: u32,
    idc: i64,
    bytes: &'a [u8],
    offset: usize,
}

pub(super) fn read(
    bytes: &[u8],
    options: &ReadOptions,
    diag: &mut Diag,
) -> Result<(FingerTemplate, String), FormatError> {
    if !looks_like_an2k(bytes) {
        return Err(FormatError::Unrecognised(format!(
            "not an ANSI/NIST-ITL transaction (no Type-1 record): {}",
            describe_start(bytes)
        )));
    }
    let records = split_records(bytes, diag)?;
    let type1 = tagged_fields(records[0].bytes, 0)?;
    let get1 = |n: u32| type1.iter().find(|f| f.number == n).map(|f| f.value);
    let version = get1(2).map(text).unwrap_or_default();
    let nsr = get1(11)
        .map(text)
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|&v| v > 0.0 && v < 1000.0);
    let resolution = match (options.resolution, nsr) {
        (Some(r), _) => r,
        (None, Some(ppmm)) => Resolution::from_ppi((ppmm * 25.4) as f32),
        (None, None) => {
            diag.deviation(
                0,
                "no native scanning resolution (1.011 missing or 0); assumed 500 ppi",
            )?;
            Resolution::PPI_500
        }
    };
    let mut views: Vec<FingerView> = Vec::new();
    let mut per_finger = [0u8; 256];
    for rec in records.iter().filter(|r| r.record_type == 9) {
        if let Some(mut view) = read_type9(rec, &records, resolution, options, diag)? {
            let count = &mut per_finger[usize::from(view.finger_position.0)];
            view.view_number = *count;
            *count = count.saturating_add(1);
            views.push(view);
        }
    }
    let template = FingerTemplate {
        record: RecordInfo::default(),
        views,
    };
    Ok((template, format!("ANSI/NIST-ITL {version}")))
}

/// Splits the transaction into records, following the Type-1 content list (1.003).
fn split_records<'a>(bytes: &'a [u8], diag: &mut Diag) -> Result<Vec<Record<'a>>, FormatError> {
    let len1 = tagged_len(bytes, 0)?;
    if len1 > bytes.len() {
        return Err(FormatError::Truncated {
            offset: 0,
            needed: len1,
            available: bytes.len(),
        });
    }
    let type1 = tagged_fields(&bytes[..len1], 0)?;
    let cnt = type1
        .iter()
        .find(|f| f.number == 3)
        .ok_or_else(|| invalid("1.003 CNT", 0, "the Type-1 record has no content list"))?;
    let mut list = Vec::new();
    for (i, sub) in cnt.value.split(|&b| b == RS).enumerate() {
        let mut items = sub.split(|&b| b == US);
        let t = items.next().and_then(num);
        let idc = items.next().and_then(num);
        match (i, t, idc) {
            (0, ..) => {}
            (_, Some(t), Some(idc)) => list.push((t, idc)),
            _ => {
                return Err(invalid(
                    "1.003 CNT",
                    cnt.offset,
                    &format!("content list entry {i} is not `type<US>IDC`"),
                ));
            }
        }
    }
    let mut records = vec![Record {
        record_type: 1,
        idc: 0,
        bytes: &bytes[..len1],
        offset: 0,
    }];
    let mut at = len1;
    for (t, idc) in list {
        if at >= bytes.len() {
            return Err(FormatError::Truncated {
                offset: at,
                needed: 1,
                available: 0,
            });
        }
        let len = if (3..=8).contains(&t) {
            if bytes.len() - at < 4 {
                return Err(FormatError::Truncated {
                    offset: at,
                    needed: 4,
                    available: bytes.len() - at,
                });
            }
            u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize
        } else {
            tagged_len(bytes, at)?
        };
        if len == 0 || len > bytes.len() - at {
            return Err(FormatError::Truncated {
                offset: at,
                needed: len.max(1),
                available: bytes.len() - at,
            });
        }
        records.push(Record {
            record_type: u32::try_from(t).unwrap_or(u32::MAX),
            idc,
            bytes: &bytes[at..at + len],
            offset: at,
        });
        at += len;
    }
    if at < bytes.len() {
        diag.deviation(
            at,
            format!("{} bytes after the last listed record", bytes.len() - at),
        )?;
    }
    Ok(records)
}

/// Image width and height (pixels) of the image record with this IDC, if there is one.
fn image_size(records: &[Record<'_>], idc: i64) -> Option<(u16, u16)> {
    let rec = records
        .iter()
        .find(|r| r.idc == idc && matches!(r.record_type, 3..=8 | 13..=15))?;
    if (3..=8).contains(&rec.record_type) {
        let b = rec.bytes;
        if b.len() < 17 {
            return None;
        }
        return Some((
            u16::from_be_bytes([b[13], b[14]]),
            u16::from_be_bytes([b[15], b[16]]),
        ));
    }
    let fields = tagged_fields(rec.bytes, rec.offset).ok()?;
    let get = |n: u32| {
        fields
            .iter()
            .find(|f| f.number == n)
            .and_then(|f| num(f.value))
    };
    let w = u16::try_from(get(6)?).ok()?;
    let h = u16::try_from(get(7)?).ok()?;
    Some((w, h))
}

fn read_type9(
    rec: &Record<'_>,
    records: &[Record<'_>],
    resolution: Resolution,
    options: &ReadOptions,
    diag: &mut Diag,
) -> Result<Option<FingerView>, FormatError> {
    let fields = tagged_fields(rec.bytes, rec.offset)?;
    for f in &fields {
        if f.record_type != 9 {
            diag.deviation(
                f.offset,
                format!(
                    "field tagged {}.{:03} inside a Type-9 record",
                    f.record_type, f.number
                ),
            )?;
        }
    }
    let get = |n: u32| fields.iter().find(|f| f.record_type == 9 && f.number == n);
    let Some(mrc) = get(12) else {
        if let Some(efs) = get(331) {
            return read_efs(rec, efs, get(300), get(302), resolution, diag).map(Some);
        }
        diag.deviation(
            rec.offset,
            format!(
                "Type-9 record (IDC {}) has no legacy minutiae (9.012); its other blocks are \
                 not decoded",
                rec.idc
            ),
        )?;
        return Ok(None);
    };
    let ppcm = f64::from(resolution.x_ppcm.max(1));
    let ppcm_y = f64::from(resolution.y_ppcm.max(1));
    // (x units, y units, theta, quality, type, neighbours)
    struct Raw {
        x: i64,
        y: i64,
        theta: i64,
        quality: MinutiaQuality,
        kind: MinutiaKind,
        index: i64,
        neighbours: Vec<(i64, i64)>,
    }
    let mut raws = Vec::new();
    for sub in mrc.value.split(|&b| b == RS) {
        if sub.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        let items: Vec<&[u8]> = sub.split(|&b| b == US).collect();
        let index = items.first().and_then(|v| num(v)).unwrap_or(0);
        let xyt = items.get(1).map(|v| text(v)).unwrap_or_default();
        if xyt.len() < 11 || !xyt.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(
                "9.012 minutia",
                mrc.offset,
                &format!("minutia {index}: {xyt:?} is not XXXXYYYYTTT"),
            ));
        }
        if xyt.len() != 11 {
            diag.deviation(
                mrc.offset,
                format!(
                    "minutia {index}: XXXXYYYYTTT item {xyt:?} has {} digits, not 11; read the \
                     first 11",
                    xyt.len()
                ),
            )?;
        }
        let d = |r: std::ops::Range<usize>| xyt[r].parse::<i64>().unwrap_or(0);
        let (x, y, theta) = (d(0..4), d(4..8), d(8..11));
        if theta > 359 {
            diag.deviation(
                mrc.offset,
                format!("minutia {index}: theta {theta} above 359"),
            )?;
        }
        let quality = match items.get(2).and_then(|v| num(v)) {
            Some(0 | 1) | None => MinutiaQuality::Unknown,
            Some(q @ 2..=63) => MinutiaQuality::Score((((63 - q) * 100 + 30) / 61) as u8),
            Some(q) => {
                diag.deviation(
                    mrc.offset,
                    format!("minutia {index}: quality {q} not 0..=63"),
                )?;
                MinutiaQuality::Unknown
            }
        };
        let kind = match items.get(3).map(|v| text(v)).as_deref() {
            Some("A") => MinutiaKind::RidgeEnding,
            Some("B") => MinutiaKind::Bifurcation,
            Some("C" | "D") => MinutiaKind::Other,
            other => {
                diag.deviation(
                    mrc.offset,
                    format!("minutia {index}: type {other:?} is not A, B, C or D"),
                )?;
                MinutiaKind::Other
            }
        };
        let neighbours = items
            .iter()
            .skip(4)
            .filter_map(|v| {
                let t = text(v);
                let (n, c) = t.split_once(',')?;
                Some((n.trim().parse().ok()?, c.trim().parse().ok()?))
            })
            .collect();
        raws.push(Raw {
            x,
            y,
            theta,
            quality,
            kind,
            index,
            neighbours,
        });
    }
    if let Some(count) = get(10).and_then(|f| num(f.value))
        && count != raws.len() as i64
    {
        diag.deviation(
            rec.offset,
            format!("9.010 says {count} minutiae but 9.012 lists {}", raws.len()),
        )?;
    }
    let points = |n: u32| -> Vec<(i64, i64)> {
        get(n)
            .map(|f| {
                f.value
                    .split(|&b| b == RS)
                    .filter_map(|s| {
                        let t = text(s.split(|&b| b == US).next().unwrap_or(&[]));
                        (t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()))
                            .then(|| (t[..4].parse().unwrap_or(0), t[4..].parse().unwrap_or(0)))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let cores = points(8);
    let deltas = points(9);

    let linked = image_size(records, rec.idc);
    let max_y_units = raws
        .iter()
        .map(|r| r.y)
        .chain(cores.iter().chain(&deltas).map(|p| p.1))
        .max()
        .unwrap_or(0);
    let max_x_units = raws
        .iter()
        .map(|r| r.x)
        .chain(cores.iter().chain(&deltas).map(|p| p.0))
        .max()
        .unwrap_or(0);
    let to_px = |units: i64, ppcm: f64| units as f64 * ppcm / 1000.0;
    let height = match (options.image_height, linked) {
        (Some(h), _) => h,
        (None, Some((_, h))) => h,
        (None, None) => {
            if diag.strict() {
                return Err(FormatError::MissingContext(format!(
                    "Type-9 record (IDC {}) measures y from the bottom edge and no image \
                     record gives the height; pass it (ReadOptions::image_height, CLI --height)",
                    rec.idc
                )));
            }
            let h = to_px(max_y_units + 1, ppcm_y).ceil().clamp(0.0, 65535.0) as u16;
            diag.deviation(
                rec.offset,
                format!("image height unknown; assumed {h} px, the smallest holding every point"),
            )?;
            h
        }
    };
    let width = match (options.image_width, linked) {
        (Some(w), _) => w,
        (None, Some((w, _))) => w,
        (None, None) => to_px(max_x_units + 1, ppcm).ceil().clamp(0.0, 65535.0) as u16,
    };
    let h_units = (f64::from(height) * 1000.0 / ppcm_y).round() as i64;
    let flip = |y_units: i64| to_px(h_units - 1 - y_units, ppcm_y) as f32;

    let mut view = FingerView::new(width, height, resolution);
    view.impression_type = ImpressionType(
        get(3)
            .and_then(|f| num(f.value))
            .and_then(|v| u8::try_from(v).ok())
            .unwrap_or(0),
    );
    view.finger_position = FingerPosition(
        get(6)
            .and_then(|f| f.value.split(|&b| b == RS).next().and_then(num))
            .and_then(|v| u8::try_from(v).ok())
            .unwrap_or(0),
    );
    let mut ridge_counts = Vec::new();
    for r in &raws {
        view.minutiae.push(Minutia {
            x: to_px(r.x, ppcm) as f32,
            y: flip(r.y),
            angle: ((r.theta + 180).rem_euclid(360)) as f32,
            kind: r.kind,
            quality: r.quality,
        });
        for &(n, c) in &r.neighbours {
            if n > 0 {
                ridge_counts.push(RidgeCount {
                    a: r.index.clamp(0, i64::from(u16::MAX)) as u16,
                    b: n.clamp(0, i64::from(u16::MAX)) as u16,
                    count: c.clamp(0, 255) as u8,
                });
            }
        }
    }
    if !ridge_counts.is_empty() {
        view.extended.ridge_counts = Some(RidgeCountData {
            method: 0,
            counts: ridge_counts,
        });
    }
    let point = |&(x, y): &(i64, i64)| SingularPoint {
        x: to_px(x, ppcm) as f32,
        y: flip(y),
        angles: Vec::new(),
    };
    view.extended.cores = cores.iter().map(point).collect();
    view.extended.deltas = deltas.iter().map(point).collect();
    Ok(Some(view))
}

/// Reads the EFS minutiae (9.331) of a Type-9 record, with the region of interest 9.300.
fn read_efs(
    rec: &Record<'_>,
    efs: &Field<'_>,
    roi: Option<&Field<'_>>,
    fpp: Option<&Field<'_>>,
    resolution: Resolution,
    diag: &mut Diag,
) -> Result<FingerView, FormatError> {
    let ppcm_x = f64::from(resolution.x_ppcm.max(1));
    let ppcm_y = f64::from(resolution.y_ppcm.max(1));
    // 10 µm units -> pixels: units / 1000 cm * ppcm.
    let to_px = |units: i64, ppcm: f64| units as f64 * ppcm / 1000.0;
    let mut minutiae = Vec::new();
    let (mut max_x, mut max_y) = (0i64, 0i64);
    for (i, sub) in efs.value.split(|&b| b == RS).enumerate() {
        if sub.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        let items: Vec<&[u8]> = sub.split(|&b| b == US).collect();
        let (Some(x), Some(y), Some(theta)) = (
            items.first().and_then(|v| num(v)),
            items.get(1).and_then(|v| num(v)),
            items.get(2).and_then(|v| num(v)),
        ) else {
            return Err(invalid(
                "9.331 EFS minutia",
                efs.offset,
                &format!("minutia {i} is not `x<US>y<US>theta<US>type`"),
            ));
        };
        if x < 0 || y < 0 || !(0..=359).contains(&theta) {
            diag.deviation(
                efs.offset,
                format!("EFS minutia {i}: ({x}, {y}, {theta}) out of range"),
            )?;
        }
        let kind = match items.get(3).map(|v| text(v)).as_deref() {
            Some("E") => MinutiaKind::RidgeEnding,
            Some("B") => MinutiaKind::Bifurcation,
            Some("X") => MinutiaKind::Other,
            other => {
                diag.deviation(
                    efs.offset,
                    format!("EFS minutia {i}: type {other:?} is not E, B or X"),
                )?;
                MinutiaKind::Other
            }
        };
        max_x = max_x.max(x);
        max_y = max_y.max(y);
        minutiae.push(Minutia {
            x: to_px(x, ppcm_x) as f32,
            y: to_px(y, ppcm_y) as f32,
            angle: theta.rem_euclid(360) as f32,
            kind,
            quality: MinutiaQuality::Unknown,
        });
    }
    let roi_size = roi.and_then(|f| {
        let mut items = f.value.split(|&b| b == US);
        Some((items.next().and_then(num)?, items.next().and_then(num)?))
    });
    let (w_units, h_units) = roi_size.unwrap_or((max_x + 1, max_y + 1));
    let size = |u: i64, ppcm: f64| to_px(u, ppcm).ceil().clamp(1.0, 65535.0) as u16;
    let mut view = FingerView::new(size(w_units, ppcm_x), size(h_units, ppcm_y), resolution);
    view.minutiae = minutiae;
    // 9.302 FPP: finger position first.
    view.finger_position = FingerPosition(
        fpp.and_then(|f| f.value.split(|&b| b == US).next().and_then(num))
            .and_then(|v| u8::try_from(v).ok())
            .unwrap_or(0),
    );
    let _ = rec;
    Ok(view)
}
