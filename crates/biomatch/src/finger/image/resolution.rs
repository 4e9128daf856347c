//! Reading the stated resolution from common image headers, without decoding the pixels.
//!
//! Every reader is bounds-checked and returns `None` when the header is absent, malformed, or
//! states no physical unit.

use super::decode::SourceFormat;

const METRES_PER_INCH: f64 = 0.0254;
const CM_PER_INCH: f64 = 2.54;

/// The resolution `data` states, in pixels per inch, if any.
pub(crate) fn file_ppi(data: &[u8], format: SourceFormat) -> Option<f32> {
    let ppi = match format {
        SourceFormat::Png => png_ppi(data),
        SourceFormat::Tiff => tiff_ppi(data),
        SourceFormat::Jpeg => jfif_ppi(data),
        SourceFormat::Bmp => bmp_ppi(data),
        SourceFormat::Pnm | SourceFormat::Wsq => None,
    }?;
    // Metric units cannot express whole ppi exactly (500 ppi is 19685.04 per metre): snap
    // values within 0.05 of a whole number to it.
    let ppi = if (ppi - ppi.round()).abs() < 0.05 {
        ppi.round()
    } else {
        ppi
    } as f32;
    (ppi.is_finite() && ppi > 0.0).then_some(ppi)
}

fn be32(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

fn be16(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(d.get(at..at + 2)?.try_into().ok()?))
}

/// PNG `pHYs` chunk with unit "metre".
fn png_ppi(d: &[u8]) -> Option<f64> {
    let mut at = 8;
    loop {
        let len = be32(d, at)? as usize;
        let kind = d.get(at + 4..at + 8)?;
        match kind {
            b"pHYs" => {
                let x = be32(d, at + 8)?;
                let unit = *d.get(at + 16)?;
                return (unit == 1).then_some(x as f64 * METRES_PER_INCH);
            }
            b"IDAT" | b"IEND" => return None,
            _ => at = at.checked_add(12)?.checked_add(len)?,
        }
    }
}

/// TIFF `XResolution` with `ResolutionUnit` inch (the default) or centimetre, first IFD.
fn tiff_ppi(d: &[u8]) -> Option<f64> {
    let little = match d.get(0..4)? {
        b"II*\0" => true,
        b"MM\0*" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b: [u8; 2] = d.get(at..at + 2)?.try_into().ok()?;
        Some(if little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = d.get(at..at + 4)?.try_into().ok()?;
        Some(if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    };
    let ifd = u32_at(4)? as usize;
    let count = u16_at(ifd)? as usize;
    let mut x_res = None;
    let mut unit = 2u16;
    for i in 0..count {
        let entry = ifd.checked_add(2 + 12 * i)?;
        let tag = u16_at(entry)?;
        let kind = u16_at(entry + 2)?;
        match (tag, kind) {
            (282, 5) => {
                let at = u32_at(entry + 8)? as usize;
                let (num, den) = (u32_at(at)?, u32_at(at.checked_add(4)?)?);
                if den != 0 {
                    x_res = Some(num as f64 / den as f64);
                }
            }
            (296, 3) => unit = u16_at(entry + 8)?,
            _ => {}
        }
    }
    match unit {
        2 => x_res,
        3 => x_res.map(|r| r * CM_PER_INCH),
        _ => None,
    }
}

/// JPEG JFIF APP0 density with unit dots per inch or per centimetre.
fn jfif_ppi(d: &[u8]) -> Option<f64> {
    if be16(d, 0)? != 0xFFD8 {
        return None;
    }
    let mut at = 2;
    loop {
        let marker = be16(d, at)?;
        if marker == 0xFFDA || marker & 0xFF00 != 0xFF00 {
            return None;
        }
        let len = be16(d, at + 2)? as usize;
        if marker == 0xFFE0 && d.get(at + 4..at + 9)? == b"JFIF\0" {
            let unit = *d.get(at + 11)?;
            let x = be16(d, at + 12)? as f64;
            return match unit {
                1 => Some(x),
                2 => Some(x * CM_PER_INCH),
                _ => None,
            };
        }
        at = at.checked_add(2)?.checked_add(len)?;
    }
}

/// BMP `biXPelsPerMeter` (BITMAPINFOHEADER or later).
fn bmp_ppi(d: &[u8]) -> Option<f64> {
    let header_size = u32::from_le_bytes(d.get(14..18)?.try_into().ok()?);
    if header_size < 40 {
        return None;
    }
    let ppm = i32::from_le_bytes(d.get(38..42)?.try_into().ok()?);
    (ppm > 0).then_some(ppm as f64 * METRES_PER_INCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiff_resolution_in_inches_and_centimetres() {
        // Little-endian TIFF, IFD at 8 with two entries, rational at 38.
        let mut d = b"II*\0".to_vec();
        d.extend(8u32.to_le_bytes());
        d.extend(2u16.to_le_bytes());
        d.extend(282u16.to_le_bytes());
        d.extend(5u16.to_le_bytes());
        d.extend(1u32.to_le_bytes());
        d.extend(38u32.to_le_bytes());
        d.extend(296u16.to_le_bytes());
        d.extend(3u16.to_le_bytes());
        d.extend(1u32.to_le_bytes());
        d.extend(3u32.to_le_bytes()); // centimetres
        d.extend(0u32.to_le_bytes()); // next IFD
        assert_eq!(d.len(), 38);
        d.extend(3937u32.to_le_bytes());
        d.extend(10u32.to_le_bytes());
        let ppi = tiff_ppi(&d).unwrap();
        assert!((ppi - 393.7 * 2.54).abs() < 1e-6);
        assert_eq!(tiff_ppi(&d[..20]), None);
    }

    #[test]
    fn malformed_headers_give_none() {
        assert_eq!(png_ppi(b"\x89PNG\r\n\x1a\n\xff\xff\xff\xffpHY"), None);
        assert_eq!(jfif_ppi(&[0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xFF]), None);
        assert_eq!(bmp_ppi(b"BM"), None);
    }
}
