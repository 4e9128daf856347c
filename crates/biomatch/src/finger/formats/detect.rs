//! Telling the formats apart from the bytes.
//!
//! * `FMR\0` + ` 20\0` is ISO 19794-2:2005 or ANSI 378-2004: the u16 at offset 8 decides
//!   (ANSI's 2-byte length is at least 26; ISO's 4-byte length has a zero high word unless
//!   the record reaches 64 KiB, and then its high word is below 26), as FingerprintIO does.
//! * `FMR\0` + `030\0` is ISO 19794-2:2011 when the representation lengths add up to the
//!   record (15-byte header plus each representation), else ANSI 378-2009 when its views
//!   parse; otherwise the error says what both readings found.
//! * `FMR\0` + `035\0` is ANSI 378-2009 amendment 1.
//! * Text starting with a Type-1 `1.001:` field is an ANSI/NIST-ITL transaction.
//! * Text whose lines all hold 3 or 4 integers is NIST xyt. The flavour cannot be seen in
//!   the file: [`detect`] reports [`XytFlavour::NistInternal`] and [`super::read`] uses the
//!   caller's [`super::ReadOptions::xyt_flavour`].

use super::bytes::{Diag, describe_start};
use super::{Format, FormatError, Mode, XytFlavour, ansi2009, iso2011, type9, xyt};

/// Detects the format of a template from its bytes.
pub fn detect(bytes: &[u8]) -> Result<Format, FormatError> {
    if bytes.is_empty() {
        return Err(FormatError::Unrecognised("the input is empty".into()));
    }
    if let Some(rest) = bytes.strip_prefix(b"FMR\0") {
        if rest.len() < 4 {
            return Err(FormatError::Truncated {
                offset: 4,
                needed: 4,
                available: rest.len(),
            });
        }
        return match &rest[..4] {
            b" 20\0" | b"020\0" => legacy(bytes),
            b"030\0" => version_030(bytes),
            b"035\0" => Ok(Format::Ansi2009Am1),
            v => Err(FormatError::Unrecognised(format!(
                "FMR record with version bytes {v:02x?} (\"{}\"); known versions are \" 20\" \
                 (ISO 2005 / ANSI 2004), \"030\" (ISO 2011 / ANSI 2009) and \"035\" (ANSI \
                 2009 Amd 1)",
                String::from_utf8_lossy(&v[..3])
            ))),
        };
    }
    if type9::looks_like_an2k(bytes) {
        return Ok(Format::Type9);
    }
    if xyt::looks_like_xyt(bytes) {
        return Ok(Format::Xyt(XytFlavour::NistInternal));
    }
    Err(FormatError::Unrecognised(format!(
        "not a minutiae template this library knows: {}",
        describe_start(bytes)
    )))
}

/// ISO 2005 or ANSI 2004 from the length field (see the module docs).
fn legacy(bytes: &[u8]) -> Result<Format, FormatError> {
    if bytes.len() < 12 {
        return Err(FormatError::Ambiguous(format!(
            "an FMR \" 20\" record of only {} bytes: too short to tell ISO 19794-2:2005 from \
             ANSI 378-2004 (the length field at offset 8 decides)",
            bytes.len()
        )));
    }
    let b01 = u16::from_be_bytes([bytes[8], bytes[9]]);
    let b23 = u16::from_be_bytes([bytes[10], bytes[11]]);
    Ok(match (b01, b23) {
        (26.., _) => Format::Ansi2004,
        (1..=25, _) => Format::Iso2005,
        (0, 24..) => Format::Iso2005,
        (0, _) => Format::Ansi2004,
    })
}

/// ISO 2011 or ANSI 2009 by structure.
fn version_030(bytes: &[u8]) -> Result<Format, FormatError> {
    let iso_walk = iso2011_walk(bytes);
    if iso_walk.is_ok() {
        return Ok(Format::Iso2011);
    }
    let mut probe = Diag::new(Mode::Lenient);
    let ansi = ansi2009::read(bytes, &mut probe, false);
    if ansi.is_ok() {
        return Ok(Format::Ansi2009);
    }
    let mut probe = Diag::new(Mode::Lenient);
    let iso = iso2011::read(bytes, &mut probe);
    if iso.is_ok() {
        return Ok(Format::Iso2011);
    }
    Err(FormatError::Ambiguous(format!(
        "version \"030\" is shared by ISO 19794-2:2011 and ANSI 378-2009 and neither reading \
         fits: as ISO 2011 {}; as ANSI 2009 {}",
        iso.err().map(|e| e.to_string()).unwrap_or_default(),
        ansi.err().map(|e| e.to_string()).unwrap_or_default()
    )))
}

/// Checks that 15 + the representation lengths reaches the record length (or the buffer).
fn iso2011_walk(bytes: &[u8]) -> Result<(), ()> {
    if bytes.len() < 15 {
        return Err(());
    }
    let length = u64::from(u32::from_be_bytes([
        bytes[8], bytes[9], bytes[10], bytes[11],
    ]));
    let n = u16::from_be_bytes([bytes[12], bytes[13]]);
    if n == 0 {
        return Err(());
    }
    let mut pos: u64 = 15;
    for _ in 0..n {
        let p = usize::try_from(pos).map_err(|_| ())?;
        if p + 4 > bytes.len() {
            return Err(());
        }
        let rep = u32::from_be_bytes([bytes[p], bytes[p + 1], bytes[p + 2], bytes[p + 3]]);
        if rep < 32 {
            return Err(());
        }
        pos += u64::from(rep);
    }
    if pos == length || pos == bytes.len() as u64 {
        Ok(())
    } else {
        Err(())
    }
}
