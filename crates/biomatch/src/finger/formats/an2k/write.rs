//! The traditional-encoding writer: fields as stored, record lengths recomputed.

use super::{An2kError, BINARY_IMAGE_HEADER, FS, GS, Record, TaggedRecord, Transaction};

pub(super) fn write(t: &Transaction) -> Result<Vec<u8>, An2kError> {
    match t.records.first() {
        Some(Record::Tagged(r)) if r.record_type == 1 => {}
        _ => {
            return Err(An2kError::Unrepresentable(
                "the first record must be a tagged Type-1 record".into(),
            ));
        }
    }
    let mut out = Vec::new();
    for (i, record) in t.records.iter().enumerate() {
        match record {
            Record::Tagged(r) => tagged(r, i, &mut out)?,
            Record::BinaryImage(b) => {
                let len = BINARY_IMAGE_HEADER + b.data.len();
                let len = u32::try_from(len).map_err(|_| {
                    An2kError::Unrepresentable(format!(
                        "record {i}: {len} bytes do not fit a 4-byte length"
                    ))
                })?;
                out.extend_from_slice(&len.to_be_bytes());
                out.push(b.idc);
                out.push(b.impression);
                out.extend_from_slice(&b.positions);
                out.push(b.scanning_resolution);
                out.extend_from_slice(&b.width.to_be_bytes());
                out.extend_from_slice(&b.height.to_be_bytes());
                out.push(b.compression);
                out.extend_from_slice(&b.data);
            }
            Record::Opaque { bytes, .. } => {
                let len = u32::try_from(bytes.len()).ok().filter(|_| bytes.len() >= 5);
                let Some(len) = len else {
                    return Err(An2kError::Unrepresentable(format!(
                        "record {i}: binary record of {} bytes",
                        bytes.len()
                    )));
                };
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(&bytes[4..]);
            }
        }
    }
    Ok(out)
}

/// Writes one tagged record; the LEN field (the first field, number 1) gets the record's
/// length, which counts its own digits.
fn tagged(r: &TaggedRecord, index: usize, out: &mut Vec<u8>) -> Result<(), An2kError> {
    let Some(first) = r.fields.first().filter(|f| f.number == 1) else {
        return Err(An2kError::Unrepresentable(format!(
            "record {index} (Type-{}): the first field must be LEN ({}.001)",
            r.record_type, r.record_type
        )));
    };
    for f in &r.fields {
        if f.value.iter().any(|&b| b == GS || b == FS) {
            return Err(An2kError::Unrepresentable(format!(
                "record {index} field {}: the value holds a GS or FS separator",
                f.tag
            )));
        }
    }
    // Everything but the LEN digits.
    let mut rest = 0usize;
    for f in &r.fields[1..] {
        rest += f.tag.len() + 1 + f.value.len() + 1;
    }
    if let Some((tag, data)) = &r.data {
        rest += tag.len() + 1 + data.len() + 1;
    }
    let fixed = first.tag.len() + 1 + 1 + rest;
    // LEN = fixed + digits(LEN): find the fixed point.
    let mut digits = 1;
    let len = loop {
        let len = fixed + digits;
        let d = len.to_string().len();
        if d == digits {
            break len;
        }
        digits = d;
    };
    let start = out.len();
    out.extend_from_slice(first.tag.as_bytes());
    out.push(b':');
    out.extend_from_slice(len.to_string().as_bytes());
    for f in &r.fields[1..] {
        out.push(GS);
        out.extend_from_slice(f.tag.as_bytes());
        out.push(b':');
        out.extend_from_slice(&f.value);
    }
    if let Some((tag, data)) = &r.data {
        out.push(GS);
        out.extend_from_slice(tag.as_bytes());
        out.push(b':');
        out.extend_from_slice(data);
    }
    out.push(FS);
    debug_assert_eq!(out.len() - start, len);
    Ok(())
}
