//! The extended data block of a finger view: ridge counts (area type 0x0001), cores and
//! deltas (0x0002) and other areas kept as bytes.
//!
//! Reading tries, in order: area lengths that count the 4-byte area header and tile the
//! block exactly; (ISO 2005 only) lengths that count only the payload; then, in lenient
//! mode, an area-by-area walk that decodes cores and deltas by their counts and stops at the
//! end of the block (NIST's own vectors need it). Writing always counts the header.

use super::FormatError;
use super::bytes::{Diag, Reader, Writer};
use super::fmr::{AngleUnit, encode_coordinate};
use crate::finger::template::{
    ExtendedArea, ExtendedData, RidgeCount, RidgeCountData, SingularPoint,
};

const RIDGE_COUNTS: u16 = 0x0001;
const CORES_DELTAS: u16 = 0x0002;

/// Which record family the block belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    /// ISO 19794-2:2005: ISO core/delta layout, either reading of the area length.
    Iso2005,
    /// ISO 19794-2:2011: ISO core/delta layout, header-inclusive lengths.
    Iso2011,
    /// ANSI 378: per-list angle flag, 2-degree angles, header-inclusive lengths.
    Ansi,
}

impl Style {
    fn unit(self) -> AngleUnit {
        match self {
            Style::Ansi => AngleUnit::Ansi,
            _ => AngleUnit::Iso,
        }
    }
}

/// A deviation noted while decoding an attempt; emitted only for the attempt that is kept.
type Notes = Vec<(usize, String)>;

/// Reads the u16 block length and the block; leaves `r` after the block.
pub(crate) fn read_block(
    r: &mut Reader<'_>,
    style: Style,
    diag: &mut Diag,
) -> Result<ExtendedData, FormatError> {
    let len_at = r.offset();
    let declared = usize::from(r.u16()?);
    if declared == 0 {
        return Ok(ExtendedData::default());
    }
    let base = r.offset();
    let tail = r.rest();
    let block = if declared > r.remaining() {
        let available = r.remaining();
        if available == 0 {
            return Err(FormatError::Truncated {
                offset: base,
                needed: declared,
                available,
            });
        }
        diag.deviation(
            len_at,
            format!(
                "extended data block length {declared} runs past the end of the data \
                 ({available} bytes left)"
            ),
        )?;
        r.take(available)?
    } else {
        r.take(declared)?
    };

    let exact = decode_tiled(block, base, style, true);
    let exact_err = match exact {
        Ok((data, notes)) => {
            emit(diag, notes)?;
            return Ok(data);
        }
        Err(reason) => reason,
    };
    if style == Style::Iso2005
        && let Ok((data, notes)) = decode_tiled(block, base, style, false)
    {
        diag.deviation(
            base,
            "extended data area lengths count only the payload (the FingerprintIO \
                 reading); ISO 19794-2 counts the 4-byte area header too",
        )?;
        emit(diag, notes)?;
        return Ok(data);
    }
    let recovery = if diag.strict() {
        ""
    } else {
        "; decoded area by area"
    };
    diag.deviation(
        base,
        format!("extended data block is inconsistent ({exact_err}){recovery}"),
    )?;
    let (data, notes, end) = decode_walk(block, tail, base, style);
    emit(diag, notes)?;
    if end > block.len() {
        diag.deviation(
            base + block.len(),
            format!(
                "core/delta counts run {} bytes past the end of the extended data block",
                end - block.len()
            ),
        )?;
        r.seek(r.pos() + (end - block.len()));
    }
    Ok(data)
}

fn emit(diag: &mut Diag, notes: Notes) -> Result<(), FormatError> {
    for (offset, message) in notes {
        diag.deviation(offset, message)?;
    }
    Ok(())
}

/// Decodes a block whose areas tile it exactly, every known area decoding to its length.
fn decode_tiled(
    block: &[u8],
    base: usize,
    style: Style,
    header_inclusive: bool,
) -> Result<(ExtendedData, Notes), String> {
    let mut data = ExtendedData::default();
    let mut notes = Notes::new();
    let mut pos = 0;
    while pos < block.len() {
        if block.len() - pos < 4 {
            return Err(format!(
                "{} bytes left at offset {} are too few for an area header",
                block.len() - pos,
                base + pos
            ));
        }
        let type_id = u16::from_be_bytes([block[pos], block[pos + 1]]);
        let len = usize::from(u16::from_be_bytes([block[pos + 2], block[pos + 3]]));
        let payload_len = if header_inclusive {
            len.checked_sub(4).ok_or_else(|| {
                format!("area length {len} at offset {} is below 4", base + pos + 2)
            })?
        } else {
            len
        };
        let start = pos + 4;
        let end = start + payload_len;
        if end > block.len() {
            return Err(format!(
                "area of type 0x{type_id:04x} at offset {} claims {len} bytes, past the end of \
                 the block",
                base + pos
            ));
        }
        let payload = &block[start..end];
        match type_id {
            RIDGE_COUNTS => {
                if payload.is_empty() || !(payload.len() - 1).is_multiple_of(3) {
                    return Err(format!(
                        "ridge-count area at offset {} has {} payload bytes, not 1 + 3n",
                        base + pos,
                        payload.len()
                    ));
                }
                merge_ridge_counts(&mut data, ridge_counts(payload));
            }
            CORES_DELTAS => {
                let mut r = Reader::with_base(payload, base + start);
                let (cores, deltas) = cores_deltas(&mut r, style, &mut notes)
                    .map_err(|e| format!("core/delta area: {e}"))?;
                if r.remaining() != 0 {
                    return Err(format!(
                        "core/delta area at offset {} has {} bytes after its last point",
                        base + pos,
                        r.remaining()
                    ));
                }
                data.cores.extend(cores);
                data.deltas.extend(deltas);
            }
            _ => {
                note_type(&mut notes, type_id, base + pos);
                data.other.push(ExtendedArea {
                    type_id,
                    data: payload.to_vec(),
                });
            }
        }
        pos = end;
    }
    Ok((data, notes))
}

/// Area-by-area recovery: cores and deltas by counts (which may run past the block into
/// `tail`, the rest of the record from the block's start), other areas by their (clamped)
/// lengths. Returns the data, the notes and where the last area ended.
fn decode_walk(
    block: &[u8],
    tail: &[u8],
    base: usize,
    style: Style,
) -> (ExtendedData, Notes, usize) {
    let mut furthest = 0;
    let mut data = ExtendedData::default();
    let mut notes = Notes::new();
    let mut pos = 0;
    while pos + 4 <= block.len() {
        let type_id = u16::from_be_bytes([block[pos], block[pos + 1]]);
        let len = usize::from(u16::from_be_bytes([block[pos + 2], block[pos + 3]]));
        if type_id == 0 && len == 0 {
            break; // zero fill
        }
        let start = pos + 4;
        let claimed_end = (pos + len.max(4)).min(block.len());
        let end = match type_id {
            CORES_DELTAS => {
                let mut r = Reader::with_base(&tail[start..], base + start);
                match cores_deltas(&mut r, style, &mut notes) {
                    Ok((cores, deltas)) => {
                        data.cores.extend(cores);
                        data.deltas.extend(deltas);
                        let end = start + r.pos();
                        if end != pos + len {
                            notes.push((
                                base + pos + 2,
                                format!(
                                    "core/delta area claims {len} bytes but its counts occupy {}",
                                    end - pos
                                ),
                            ));
                        }
                        end
                    }
                    Err(e) => {
                        notes.push((base + pos, format!("core/delta area dropped: {e}")));
                        claimed_end
                    }
                }
            }
            RIDGE_COUNTS => {
                let payload = &block[start.min(claimed_end)..claimed_end];
                if !payload.is_empty() {
                    merge_ridge_counts(&mut data, ridge_counts(payload));
                }
                claimed_end
            }
            _ => {
                note_type(&mut notes, type_id, base + pos);
                data.other.push(ExtendedArea {
                    type_id,
                    data: block[start.min(claimed_end)..claimed_end].to_vec(),
                });
                claimed_end
            }
        };
        furthest = furthest.max(end);
        pos = end.max(pos + 4);
    }
    (data, notes, furthest)
}

fn note_type(notes: &mut Notes, type_id: u16, offset: usize) {
    if type_id == 0 {
        notes.push((offset, "extended data area type 0x0000 is reserved".into()));
    }
}

fn merge_ridge_counts(data: &mut ExtendedData, rc: RidgeCountData) {
    match &mut data.ridge_counts {
        Some(existing) => existing.counts.extend(rc.counts),
        None => data.ridge_counts = Some(rc),
    }
}

/// Method byte then (index, index, count) triples; a partial triple at the end is ignored.
fn ridge_counts(payload: &[u8]) -> RidgeCountData {
    RidgeCountData {
        method: payload[0],
        counts: payload[1..]
            .chunks_exact(3)
            .map(|t| RidgeCount {
                a: u16::from(t[0]),
                b: u16::from(t[1]),
                count: t[2],
            })
            .collect(),
    }
}

fn cores_deltas(
    r: &mut Reader<'_>,
    style: Style,
    notes: &mut Notes,
) -> Result<(Vec<SingularPoint>, Vec<SingularPoint>), FormatError> {
    let unit = style.unit();
    let mut cores = Vec::new();
    let mut deltas = Vec::new();
    for (list, angles_per_point) in [(&mut cores, 1usize), (&mut deltas, 3)] {
        let at = r.offset();
        let head = r.u8()?;
        let (count, list_flag) = match style {
            Style::Ansi => {
                let mask = if angles_per_point == 1 { 0x0f } else { 0x3f };
                if angles_per_point == 1 && head & 0x30 != 0 {
                    notes.push((at, "reserved bits of the core count byte are set".into()));
                }
                (head & mask, Some(head >> 6))
            }
            _ => {
                if head & 0xc0 != 0 {
                    notes.push((
                        at,
                        "reserved bits of the core/delta count byte are set".into(),
                    ));
                }
                (head & 0x3f, None)
            }
        };
        if let Some(flag) = list_flag
            && flag > 1
        {
            notes.push((at, format!("core/delta type {flag} is not 00 or 01")));
        }
        for _ in 0..count {
            let pat = r.offset();
            let xw = r.u16()?;
            let yw = r.u16()?;
            if yw >> 14 != 0 {
                notes.push((pat + 2, "reserved bits above a core/delta y are set".into()));
            }
            let has_angle = match list_flag {
                Some(flag) => {
                    if xw >> 14 != 0 {
                        notes.push((pat, "reserved bits above a core/delta x are set".into()));
                    }
                    flag == 1
                }
                None => {
                    let t = xw >> 14;
                    if t > 1 {
                        notes.push((pat, format!("core/delta type {t} is not 00 or 01")));
                    }
                    t == 1
                }
            };
            let mut angles = Vec::new();
            if has_angle {
                for _ in 0..angles_per_point {
                    let raw = r.u8()?;
                    if style == Style::Ansi && raw >= 180 {
                        notes.push((r.offset() - 1, format!("core/delta angle {raw} above 179")));
                    }
                    angles.push((f32::from(raw) * unit.degrees()) % 360.0);
                }
            }
            list.push(SingularPoint {
                x: f32::from(xw & 0x3fff),
                y: f32::from(yw & 0x3fff),
                angles,
            });
        }
    }
    Ok((cores, deltas))
}

/// Writes the u16 block length and the areas (ridge counts, cores/deltas, others).
pub(crate) fn write_block(
    w: &mut Writer,
    ext: &ExtendedData,
    style: Style,
) -> Result<(), FormatError> {
    let mut areas = Writer::default();
    if let Some(rc) = &ext.ridge_counts {
        let mut p = Writer::default();
        p.u8(rc.method);
        for c in &rc.counts {
            let idx = |v: u16| {
                u8::try_from(v).map_err(|_| {
                    FormatError::Unrepresentable(format!(
                        "ridge-count minutia index {v} does not fit one byte"
                    ))
                })
            };
            p.u8(idx(c.a)?);
            p.u8(idx(c.b)?);
            p.u8(c.count);
        }
        area(&mut areas, RIDGE_COUNTS, &p.bytes)?;
    }
    if !ext.cores.is_empty() || !ext.deltas.is_empty() {
        let mut p = Writer::default();
        write_points(&mut p, &ext.cores, 1, style)?;
        write_points(&mut p, &ext.deltas, 3, style)?;
        area(&mut areas, CORES_DELTAS, &p.bytes)?;
    }
    for o in &ext.other {
        if o.type_id == RIDGE_COUNTS || o.type_id == CORES_DELTAS {
            return Err(FormatError::Unrepresentable(format!(
                "an uninterpreted extended area may not use the type 0x{:04x}",
                o.type_id
            )));
        }
        area(&mut areas, o.type_id, &o.data)?;
    }
    let len = u16::try_from(areas.len()).map_err(|_| {
        FormatError::Unrepresentable(format!(
            "extended data of {} bytes exceeds the 65535-byte block",
            areas.len()
        ))
    })?;
    w.u16(len);
    w.put(&areas.bytes);
    Ok(())
}

fn area(w: &mut Writer, type_id: u16, payload: &[u8]) -> Result<(), FormatError> {
    let len = u16::try_from(payload.len() + 4).map_err(|_| {
        FormatError::Unrepresentable(format!(
            "extended area 0x{type_id:04x} of {} bytes is too long",
            payload.len()
        ))
    })?;
    w.u16(type_id);
    w.u16(len);
    w.put(payload);
    Ok(())
}

fn write_points(
    w: &mut Writer,
    points: &[SingularPoint],
    angles_per_point: usize,
    style: Style,
) -> Result<(), FormatError> {
    let what = if angles_per_point == 1 {
        "core"
    } else {
        "delta"
    };
    let max = match (style, angles_per_point) {
        (Style::Ansi, 1) => 15,
        _ => 63,
    };
    if points.len() > max {
        return Err(FormatError::Unrepresentable(format!(
            "{} {what}s exceed the format's limit of {max}",
            points.len()
        )));
    }
    for p in points {
        if !p.angles.is_empty() && p.angles.len() != angles_per_point {
            return Err(FormatError::Unrepresentable(format!(
                "a {what} carries {} angles; the format stores 0 or {angles_per_point}",
                p.angles.len()
            )));
        }
    }
    let unit = style.unit();
    let count = points.len() as u8;
    let list_has_angles = match style {
        Style::Ansi => {
            let with = points.iter().filter(|p| !p.angles.is_empty()).count();
            if with != 0 && with != points.len() {
                return Err(FormatError::Unrepresentable(format!(
                    "ANSI 378 stores {what} angles for all {what}s of a view or for none; \
                     {with} of {} have them",
                    points.len()
                )));
            }
            let flag = u8::from(with != 0 && !points.is_empty());
            w.u8(flag << 6 | count);
            flag == 1
        }
        _ => {
            w.u8(count);
            false
        }
    };
    for p in points {
        let x = encode_coordinate(p.x, "core/delta x")?;
        let y = encode_coordinate(p.y, "core/delta y")?;
        let type_bits = if style != Style::Ansi && !p.angles.is_empty() {
            1u16 << 14
        } else {
            0
        };
        w.u16(type_bits | x);
        w.u16(y);
        if list_has_angles || (style != Style::Ansi && !p.angles.is_empty()) {
            for &a in &p.angles {
                w.u8(unit.encode(a)?);
            }
        }
    }
    Ok(())
}
