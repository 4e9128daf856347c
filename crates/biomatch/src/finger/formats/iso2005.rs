//! ISO/IEC 19794-2:2005 record format.

use super::{Decoded, Deviation, Format, FormatError, Mode};
use crate::finger::template::*;

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], FormatError> {
        let available = self.bytes.len().saturating_sub(self.pos);
        if n > available {
            return Err(FormatError::Truncated {
                offset: self.pos,
                needed: n,
                available,
            });
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, FormatError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, FormatError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, FormatError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// Minimal reader: header, views, minutiae; the extended data block is skipped by length.
pub(super) fn read(bytes: &[u8], mode: Mode) -> Result<Decoded, FormatError> {
    let mut c = Cursor { bytes, pos: 0 };
    if c.take(4)? != b"FMR\0" {
        return Err(FormatError::Unrecognised("no FMR magic".into()));
    }
    let version = c.take(4)?;
    if version != b" 20\0" {
        return Err(FormatError::Unrecognised(format!(
            "version bytes {version:?}"
        )));
    }
    let length = c.u32()? as usize;
    let mut warnings = Vec::new();
    if length != bytes.len() {
        let msg = format!(
            "record length field {length} but buffer holds {}",
            bytes.len()
        );
        if mode == Mode::Strict {
            return Err(FormatError::NonConforming(msg));
        }
        warnings.push(Deviation {
            offset: 8,
            message: msg,
        });
    }
    let equipment = c.u16()?;
    let width = c.u16()?;
    let height = c.u16()?;
    let resolution = Resolution {
        x_ppcm: c.u16()?,
        y_ppcm: c.u16()?,
    };
    let n_views = c.u8()?;
    let _reserved = c.u8()?;
    let mut views = Vec::with_capacity(n_views as usize);
    for _ in 0..n_views {
        let mut view = FingerView::new(width, height, resolution);
        view.finger_position = FingerPosition(c.u8()?);
        let vi = c.u8()?;
        view.view_number = vi >> 4;
        view.impression_type = ImpressionType(vi & 15);
        view.finger_quality = c.u8()?;
        let n = c.u8()?;
        for _ in 0..n {
            let xw = c.u16()?;
            let yw = c.u16()?;
            let a = c.u8()?;
            let q = c.u8()?;
            view.minutiae.push(Minutia {
                x: (xw & 0x3fff) as f32,
                y: (yw & 0x3fff) as f32,
                angle: a as f32 * (360.0 / 256.0),
                kind: MinutiaKind::from_code((xw >> 14) as u8),
                quality: if q == 0 {
                    MinutiaQuality::Unknown
                } else {
                    MinutiaQuality::Score(q)
                },
            });
        }
        let edb = c.u16()? as usize;
        c.take(edb)?;
        views.push(view);
    }
    Ok(Decoded {
        template: FingerTemplate {
            record: RecordInfo {
                capture_device_id: equipment & 0x0fff,
                certified: equipment & 0x8000 != 0,
                cbeff_owner: 0,
                cbeff_type: 0,
            },
            views,
        },
        format: Format::Iso2005,
        warnings,
    })
}
