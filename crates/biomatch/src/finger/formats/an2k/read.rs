//! The traditional-encoding reader: Type-1, the content listing, then each listed record.

use super::{
    An2kError, BINARY_IMAGE_HEADER, BinaryImageRecord, Decoded, FS, Field, GS,
    MAX_TRANSACTION_BYTES, RS, Record, TaggedRecord, Transaction, US, parse_int,
};
use crate::finger::formats::{Deviation, Mode};

/// Collects deviations: the first is an error in strict mode.
struct Diag {
    mode: Mode,
    warnings: Vec<Deviation>,
}

impl Diag {
    fn deviation(&mut self, offset: usize, message: String) -> Result<(), An2kError> {
        let d = Deviation { offset, message };
        match self.mode {
            Mode::Strict => Err(An2kError::NonConforming(d)),
            Mode::Lenient => {
                self.warnings.push(d);
                Ok(())
            }
        }
    }
}

/// Where in the transaction a reading step is (for error messages).
#[derive(Clone, Copy)]
struct At {
    record: usize,
    record_type: u32,
}

impl At {
    fn invalid(self, field: &str, offset: usize, reason: impl Into<String>) -> An2kError {
        An2kError::Invalid {
            record: self.record,
            record_type: self.record_type,
            field: field.to_string(),
            offset,
            reason: reason.into(),
        }
    }

    fn truncated(self, field: &str, offset: usize, needed: u64, available: usize) -> An2kError {
        An2kError::Truncated {
            record: self.record,
            record_type: self.record_type,
            field: field.to_string(),
            offset,
            needed,
            available,
        }
    }
}

pub(super) fn read(bytes: &[u8], mode: Mode) -> Result<Decoded, An2kError> {
    if bytes.len() > MAX_TRANSACTION_BYTES {
        return Err(An2kError::TooLarge(bytes.len()));
    }
    if !crate::finger::formats::type9::looks_like_an2k(bytes) {
        return Err(An2kError::NotTransaction(
            crate::finger::formats::bytes::describe_start(bytes),
        ));
    }
    let mut diag = Diag {
        mode,
        warnings: Vec::new(),
    };
    let at1 = At {
        record: 0,
        record_type: 1,
    };
    let len1 = tagged_len(bytes, 0, at1)?;
    let (type1, len1) = tagged_record(bytes, 0, len1, 1, at1, &mut diag)?;
    for n in [1, 2, 3, 4, 5, 7, 8, 9, 11, 12] {
        if type1.field(n).is_none() {
            diag.deviation(0, format!("Type-1 record has no mandatory field 1.{n:03}"))?;
        }
    }
    let listing = content_listing(&type1, at1, &mut diag)?;
    let mut records = vec![Record::Tagged(type1)];
    let mut pos = len1;
    for (i, &(listed_type, listed_idc, offset)) in listing.iter().enumerate() {
        let at = At {
            record: i + 1,
            record_type: listed_type,
        };
        if pos >= bytes.len() {
            return Err(at.truncated("record", pos, 1, 0));
        }
        let (record, len) = if (3..=8).contains(&listed_type) {
            binary_record(bytes, pos, listed_type as u8, at)?
        } else {
            let len = tagged_len(bytes, pos, at)?;
            let (rec, len) = tagged_record(&bytes[pos..], pos, len, listed_type, at, &mut diag)?;
            (Record::Tagged(rec), len)
        };
        if let Some(idc) = record.idc()
            && idc != listed_idc
        {
            diag.deviation(
                offset,
                format!(
                    "1.003 lists record {} as Type-{listed_type} IDC {listed_idc} but the record \
                     says IDC {idc}",
                    i + 1
                ),
            )?;
        }
        records.push(record);
        pos += len;
    }
    // Records after the listed ones: read tagged ones (lenient), report the rest.
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        let tag_type = leading_tag_type(rest);
        match tag_type {
            Some(t) if rest.contains(&FS) && !(3..=8).contains(&t) => {
                diag.deviation(
                    pos,
                    format!("a Type-{t} record follows the records 1.003 lists; read it too"),
                )?;
                let at = At {
                    record: records.len(),
                    record_type: t,
                };
                let len = tagged_len(bytes, pos, at)?;
                let (rec, len) = tagged_record(&bytes[pos..], pos, len, t, at, &mut diag)?;
                records.push(Record::Tagged(rec));
                pos += len;
            }
            _ => {
                diag.deviation(
                    pos,
                    format!(
                        "{} bytes after the last record 1.003 lists (dropped)",
                        rest.len()
                    ),
                )?;
                break;
            }
        }
    }
    Ok(Decoded {
        transaction: Transaction { records },
        warnings: diag.warnings,
    })
}

/// The record type of a `T.NNN:` tag at the start of `bytes`, if there is one.
fn leading_tag_type(bytes: &[u8]) -> Option<u32> {
    let head = &bytes[..bytes.len().min(16)];
    let colon = head.iter().position(|&b| b == b':')?;
    let (t, _) = std::str::from_utf8(&head[..colon]).ok()?.split_once('.')?;
    if t.is_empty() || t.len() > 3 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// The content listing 1.003: `(type, IDC, offset)` for every record after Type-1.
fn content_listing(
    type1: &TaggedRecord,
    at: At,
    diag: &mut Diag,
) -> Result<Vec<(u32, i64, usize)>, An2kError> {
    let Some(cnt) = type1.field(3) else {
        return Err(at.invalid("1.003", 0, "the Type-1 record has no content listing"));
    };
    let mut out = Vec::new();
    let mut declared = None;
    for (i, sub) in cnt.value.split(|&b| b == RS).enumerate() {
        let mut items = sub.split(|&b| b == US);
        let first = items.next().and_then(parse_int);
        let second = items.next().and_then(parse_int);
        if items.next().is_some() {
            diag.deviation(0, format!("1.003 subfield {i} has more than two items"))?;
        }
        match (i, first, second) {
            (0, Some(1), Some(n)) => declared = Some(n),
            (0, ..) => diag.deviation(0, "1.003 does not start with `1<US>count`".into())?,
            (_, Some(t), Some(idc)) if (2..=99).contains(&t) && (0..=255).contains(&idc) => {
                out.push((t as u32, idc, 0))
            }
            _ => {
                return Err(at.invalid(
                    "1.003",
                    0,
                    format!(
                        "content listing entry {i} is not `type<US>IDC` with type 2..=99 and \
                         IDC 0..=255"
                    ),
                ));
            }
        }
    }
    if let Some(n) = declared
        && n != out.len() as i64
    {
        diag.deviation(
            0,
            format!(
                "1.003 says {n} records follow Type-1 but lists {}",
                out.len()
            ),
        )?;
    }
    Ok(out)
}

/// The length of the tagged record at `pos` from its leading `T.001:LEN` field, checked
/// against the bytes left.
fn tagged_len(bytes: &[u8], pos: usize, at: At) -> Result<usize, An2kError> {
    let head = &bytes[pos..bytes.len().min(pos + 32)];
    let colon = head
        .iter()
        .position(|&b| b == b':')
        .ok_or_else(|| at.invalid("LEN", pos, "the record does not start with a T.001 tag"))?;
    let end = head[colon..]
        .iter()
        .position(|&b| b == GS || b == FS)
        .map(|p| colon + p)
        .ok_or_else(|| at.invalid("LEN", pos, "LEN field not terminated by GS"))?;
    let len = std::str::from_utf8(&head[colon + 1..end])
        .ok()
        .and_then(|t| t.trim().parse::<u64>().ok())
        .ok_or_else(|| at.invalid("LEN", pos, "LEN is not a number"))?;
    if len <= end as u64 {
        return Err(at.invalid(
            "LEN",
            pos,
            format!("LEN {len} is shorter than the LEN field itself"),
        ));
    }
    let available = bytes.len() - pos;
    if len > available as u64 {
        return Err(at.truncated("LEN", pos, len, available));
    }
    Ok(len as usize)
}

/// Parses the fields of the tagged record at the start of `area` (which runs to the end of
/// the input, from absolute offset `base`) whose LEN says `len`. Returns the record and the
/// bytes it occupies: `len`, or, leniently, up to the FS that ends a record without binary
/// data when that disagrees with LEN.
fn tagged_record(
    area: &[u8],
    base: usize,
    len: usize,
    record_type: u32,
    at: At,
    diag: &mut Diag,
) -> Result<(TaggedRecord, usize), An2kError> {
    let mut fields = Vec::new();
    let mut data = None;
    let mut pos = 0;
    let mut end = None;
    while pos < area.len() && end.is_none() {
        let off = base + pos;
        let colon = area[pos..area.len().min(pos + 16)]
            .iter()
            .position(|&b| b == b':')
            .ok_or_else(|| at.invalid("tag", off, "no `T.NNN:` tag where a field should start"))?;
        let tag = std::str::from_utf8(&area[pos..pos + colon])
            .map_err(|_| at.invalid("tag", off, "the tag is not ASCII"))?;
        let (t, n) = parse_tag(tag).ok_or_else(|| {
            at.invalid(
                "tag",
                off,
                format!("{tag:?} is not `type.number` in digits"),
            )
        })?;
        if t != record_type {
            diag.deviation(
                off,
                format!(
                    "field tagged {tag} inside a Type-{record_type} record (record {})",
                    at.record
                ),
            )?;
        }
        let vstart = pos + colon + 1;
        if n == 999 {
            // Binary data to the end of the record as LEN gives it, which must end with FS.
            if vstart >= len {
                return Err(at.invalid(
                    tag,
                    off,
                    format!("the image field starts at or after the record's LEN {len}"),
                ));
            }
            let rec = &area[..len];
            let (value, last) = match rec.split_last() {
                Some((&FS, body)) => (&body[vstart..], true),
                _ => (&rec[vstart..], false),
            };
            if !last {
                diag.deviation(
                    base + len,
                    format!(
                        "{tag} image data does not end with FS (record {})",
                        at.record
                    ),
                )?;
            }
            data = Some((tag.to_string(), value.to_vec()));
            end = Some(len);
            break;
        }
        let vlen = area[vstart..]
            .iter()
            .position(|&b| b == GS || b == FS)
            .ok_or_else(|| at.invalid(tag, off, "field not terminated by GS or FS"))?;
        fields.push(Field {
            tag: tag.to_string(),
            record_type: t,
            number: n,
            value: area[vstart..vstart + vlen].to_vec(),
        });
        pos = vstart + vlen + 1;
        if area[vstart + vlen] == FS {
            end = Some(pos);
        }
    }
    let end = end.ok_or_else(|| at.invalid("FS", base + pos, "the record does not end with FS"))?;
    if end != len {
        diag.deviation(
            base,
            format!(
                "record {} (Type-{record_type}): LEN says {len} bytes but its FS ends it after \
                 {end}; used {end}",
                at.record
            ),
        )?;
    }
    let mut tags: Vec<(u32, u32)> = fields.iter().map(|f| (f.record_type, f.number)).collect();
    tags.sort_unstable();
    for (i, &(t, n)) in tags.iter().enumerate() {
        // Report each repeated tag once, at its second occurrence.
        if i > 0 && tags[i - 1] == (t, n) && (i < 2 || tags[i - 2] != (t, n)) {
            diag.deviation(
                base,
                format!(
                    "record {}: field {t}.{n:03} appears more than once",
                    at.record
                ),
            )?;
        }
    }
    if fields.first().map(|f| f.number) != Some(1) {
        diag.deviation(
            base,
            format!("record {}: the first field is not LEN (T.001)", at.record),
        )?;
    }
    if record_type != 1 && !fields.iter().any(|f| f.number == 2) {
        diag.deviation(
            base,
            format!("record {} has no IDC field ({record_type}.002)", at.record),
        )?;
    }
    Ok((
        TaggedRecord {
            record_type,
            fields,
            data,
        },
        end,
    ))
}

/// `"9.012"` -> (9, 12); both parts 1..=3 (type) and 1..=9 (number) digits.
fn parse_tag(tag: &str) -> Option<(u32, u32)> {
    let (t, n) = tag.trim().split_once('.')?;
    let ok = |s: &str, max: usize| {
        !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !ok(t, 3) || !ok(n, 9) {
        return None;
    }
    Some((t.parse().ok()?, n.parse().ok()?))
}

/// Reads the binary record of type 3..=8 at `pos`.
fn binary_record(
    bytes: &[u8],
    pos: usize,
    record_type: u8,
    at: At,
) -> Result<(Record, usize), An2kError> {
    let available = bytes.len() - pos;
    if available < 5 {
        return Err(at.truncated("LEN", pos, 5, available));
    }
    let len = u32::from_be_bytes([bytes[pos], bytes[pos + 1], bytes[pos + 2], bytes[pos + 3]]);
    if u64::from(len) > available as u64 {
        return Err(at.truncated("LEN", pos, u64::from(len), available));
    }
    let len = len as usize;
    let rec = &bytes[pos..pos + len];
    if (3..=6).contains(&record_type) {
        if len < BINARY_IMAGE_HEADER {
            return Err(at.invalid(
                "LEN",
                pos,
                format!("LEN {len} is shorter than the {BINARY_IMAGE_HEADER}-byte header"),
            ));
        }
        let u16at = |i: usize| u16::from_be_bytes([rec[i], rec[i + 1]]);
        let mut positions = [0u8; 6];
        positions.copy_from_slice(&rec[6..12]);
        let record = BinaryImageRecord {
            record_type,
            idc: rec[4],
            impression: rec[5],
            positions,
            scanning_resolution: rec[12],
            width: u16at(13),
            height: u16at(15),
            compression: rec[17],
            data: rec[BINARY_IMAGE_HEADER..].to_vec(),
        };
        Ok((Record::BinaryImage(record), len))
    } else {
        if len < 5 {
            return Err(at.invalid("LEN", pos, format!("LEN {len} is shorter than 5 bytes")));
        }
        Ok((
            Record::Opaque {
                record_type,
                bytes: rec.to_vec(),
            },
            len,
        ))
    }
}
