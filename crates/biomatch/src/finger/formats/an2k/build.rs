//! Assembling a new transaction: Type-1 header, Type-2 text, Type-14 fingerprint images,
//! Type-10 face photos and Type-9 legacy minutiae, with the content listing and IDCs filled
//! in.

use super::{Compression, Field, RS, Record, TaggedRecord, Transaction, US};
use crate::finger::template::{FingerView, MinutiaKind, MinutiaQuality};

/// Builds a transaction (ANSI/NIST-ITL 1-2011 Update 2013, version `0502`).
///
/// Records get consecutive IDCs from 1 in the order added, except that a Type-9 record
/// added with [`Builder::minutiae`] takes the IDC of the image it describes. Type-1 fields
/// default to: 1.002 `0502`, 1.004 the type of transaction, 1.005 today (UTC), 1.007/1.008
/// `biomatch`, 1.009 a control number from the clock, 1.011/1.012 `00.00`, 1.013 `NORAM`;
/// [`Builder::type1_field`] overrides any of them.
#[derive(Clone, Debug)]
pub struct Builder {
    type1: TaggedRecord,
    records: Vec<Record>,
    next_idc: u32,
}

/// A fingerprint image for a Type-14 record.
#[derive(Clone, Debug)]
pub struct FingerImage<'a> {
    /// Finger position code (1..=10, 0 unknown).
    pub position: u8,
    /// Impression type (0 live-scan plain, 1 live-scan rolled, 2 non-live plain, ...).
    pub impression: u8,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Resolution in pixels per inch.
    pub ppi: f32,
    /// How `data` is compressed.
    pub compression: Compression,
    /// The encoded image (or raw 8-bit pixels for [`Compression::None`]).
    pub data: &'a [u8],
}

impl Builder {
    /// A builder with the default Type-1 fields and the given type of transaction (1.004).
    pub fn new(type_of_transaction: &str) -> Builder {
        let (date, stamp) = today_utc();
        let mut type1 = TaggedRecord {
            record_type: 1,
            fields: vec![Field::new(1, 1, "0")],
            data: None,
        };
        type1.set(2, "0502");
        type1.set(3, format!("1{}0", US as char));
        type1.set(4, type_of_transaction);
        type1.set(5, date);
        type1.set(7, "biomatch");
        type1.set(8, "biomatch");
        type1.set(9, format!("BM{stamp}"));
        type1.set(11, "00.00");
        type1.set(12, "00.00");
        type1.set(13, format!("NORAM{}", US as char));
        Builder {
            type1,
            records: Vec::new(),
            next_idc: 1,
        }
    }

    /// Sets a Type-1 field (not LEN or the content listing, which the builder writes).
    pub fn type1_field(mut self, number: u32, value: impl Into<Vec<u8>>) -> Builder {
        if number != 1 && number != 3 {
            self.type1.set(number, value);
        }
        self
    }

    fn take_idc(&mut self) -> u32 {
        let idc = self.next_idc;
        self.next_idc = (self.next_idc + 1).min(99);
        idc
    }

    /// Adds a Type-2 record with these (number, value) fields (2.001 and 2.002 are written
    /// by the builder).
    pub fn text_record(mut self, fields: &[(u32, String)]) -> Builder {
        let idc = self.take_idc();
        let mut r = TaggedRecord {
            record_type: 2,
            fields: vec![Field::new(2, 1, "0"), Field::new(2, 2, format!("{idc:02}"))],
            data: None,
        };
        for (n, v) in fields {
            if *n > 2 {
                r.set(*n, v.as_bytes());
            }
        }
        self.records.push(Record::Tagged(r));
        self
    }

    /// The value of Type-1 field `1.NNN`, empty when absent (dates and agency ids that image
    /// records repeat).
    fn type1_value(&self, field: u32) -> Vec<u8> {
        self.type1
            .field(field)
            .map(|f| f.value.clone())
            .unwrap_or_default()
    }

    /// Adds a Type-14 fingerprint image record; returns the builder and the record's IDC.
    pub fn finger_image(mut self, image: &FingerImage<'_>) -> (Builder, u32) {
        let idc = self.take_idc();
        let (date, src) = (self.type1_value(5), self.type1_value(8));
        let mut r = TaggedRecord {
            record_type: 14,
            fields: vec![Field::new(14, 1, "0")],
            data: Some(("14.999".into(), image.data.to_vec())),
        };
        r.set(2, format!("{idc:02}"));
        r.set(3, image.impression.to_string());
        r.set(4, src);
        r.set(5, date);
        r.set(6, image.width.to_string());
        r.set(7, image.height.to_string());
        r.set(8, "1");
        let ppi = image.ppi.round().clamp(1.0, 99999.0) as u32;
        r.set(9, ppi.to_string());
        r.set(10, ppi.to_string());
        r.set(11, image.compression.name());
        r.set(12, "8");
        r.set(13, image.position.to_string());
        self.records.push(Record::Tagged(r));
        (self, idc)
    }

    /// Adds a Type-10 face photo (JPEG or PNG bytes as they are); returns the builder and
    /// the record's IDC.
    pub fn face_image(
        mut self,
        width: u32,
        height: u32,
        compression: Compression,
        colour_space: &str,
        data: &[u8],
    ) -> (Builder, u32) {
        let idc = self.take_idc();
        let (date, src) = (self.type1_value(5), self.type1_value(8));
        let mut r = TaggedRecord {
            record_type: 10,
            fields: vec![Field::new(10, 1, "0")],
            data: Some(("10.999".into(), data.to_vec())),
        };
        r.set(2, format!("{idc:02}"));
        r.set(3, "FACE");
        r.set(4, src);
        r.set(5, date);
        r.set(6, width.to_string());
        r.set(7, height.to_string());
        r.set(8, "0");
        r.set(9, "1");
        r.set(10, "1");
        r.set(11, compression.name());
        r.set(12, colour_space);
        self.records.push(Record::Tagged(r));
        (self, idc)
    }

    /// Adds a Type-9 record with the view's minutiae in the legacy fields (9.004 `S`):
    /// coordinates in 0.01 mm from the bottom-left corner, theta in degrees opposite to ISO,
    /// quality 0..=100 mapped onto 63..=2 (unknown 0), ridge endings `A`, bifurcations `B`,
    /// others `D`. `idc` links the minutiae to the image record they came from.
    pub fn minutiae(mut self, view: &FingerView, idc: u32) -> Builder {
        let ppmm_x = f64::from(view.resolution.x_ppcm.max(1)) / 10.0;
        // The legacy fields are in millimetres; the reader converts with 1.011.
        if self
            .type1
            .field(11)
            .is_none_or(|f| f.text().parse::<f64>().unwrap_or(0.0) <= 0.0)
        {
            self.type1.set(11, format!("{ppmm_x:05.2}"));
            self.type1.set(12, format!("{ppmm_x:05.2}"));
        }
        let ppmm_y = f64::from(view.resolution.y_ppcm.max(1)) / 10.0;
        let h = f64::from(view.height);
        let mut mrc = String::new();
        for (i, m) in view.minutiae.iter().enumerate() {
            if i > 0 {
                mrc.push(RS as char);
            }
            let x = (f64::from(m.x) / ppmm_x * 100.0).round().clamp(0.0, 9999.0) as u32;
            let y = ((h - 1.0 - f64::from(m.y)) / ppmm_y * 100.0)
                .round()
                .clamp(0.0, 9999.0) as u32;
            let theta = ((f64::from(m.angle) + 180.0).round() as i64).rem_euclid(360);
            let q = match m.quality {
                MinutiaQuality::Score(s) => 63 - (i64::from(s.min(100)) * 61 + 50) / 100,
                _ => 0,
            };
            let kind = match m.kind {
                MinutiaKind::RidgeEnding => 'A',
                MinutiaKind::Bifurcation => 'B',
                _ => 'D',
            };
            let us = US as char;
            mrc.push_str(&format!(
                "{:03}{us}{x:04}{y:04}{theta:03}{us}{q}{us}{kind}",
                i + 1
            ));
        }
        let mut r = TaggedRecord {
            record_type: 9,
            fields: vec![Field::new(9, 1, "0")],
            data: None,
        };
        r.set(2, format!("{idc:02}"));
        r.set(3, view.impression_type.0.to_string());
        r.set(4, "S");
        r.set(5, format!("biomatch{}A", US as char));
        r.set(6, view.finger_position.0.to_string());
        r.set(7, format!("T{}UN", US as char));
        r.set(10, view.minutiae.len().to_string());
        r.set(11, "0");
        if !view.minutiae.is_empty() {
            r.set(12, mrc);
        }
        self.records.push(Record::Tagged(r));
        self
    }

    /// The transaction, with the content listing (1.003) written.
    pub fn build(self) -> Transaction {
        let mut records = vec![Record::Tagged(self.type1)];
        records.extend(self.records);
        let mut t = Transaction { records };
        t.update_content_listing();
        t
    }
}

/// Today's date (`YYYYMMDD`) and a `YYYYMMDDhhmmss` stamp, in UTC, from the system clock.
fn today_utc() -> (String, String) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let (y, m, d) = civil_from_days(days);
    let rem = secs % 86_400;
    let date = format!("{y:04}{m:02}{d:02}");
    let stamp = format!(
        "{date}{:02}{:02}{:02}",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    );
    (date, stamp)
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn civil_dates_match_known_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        // 2000-03-01 is day 11017; 2024-02-29 is day 19782.
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }
}
