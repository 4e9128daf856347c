//! The body every template-reader fuzz target shares: any input must give a template or an
//! error, never a panic; a template that reads must write back (when the format is writable)
//! into bytes that read again with the same number of views.

use biomatch::finger::formats::{self, Format, Mode, ReadOptions, XytFlavour};

/// Reads `data` in both modes (and both xyt flavours) with the format `format_for` picks
/// (`None` detects it), and checks the write-back of whatever reads.
pub fn check_reader(data: &[u8], format_for: impl Fn(XytFlavour) -> Option<Format>) {
    for mode in [Mode::Strict, Mode::Lenient] {
        for flavour in [XytFlavour::NistInternal, XytFlavour::M1] {
            let options = ReadOptions {
                mode,
                format: format_for(flavour),
                xyt_flavour: flavour,
                ..ReadOptions::default()
            };
            let Ok(decoded) = formats::read(data, &options) else {
                continue;
            };
            if !decoded.format.is_writable() {
                continue;
            }
            if let Ok(bytes) = formats::write(&decoded.template, decoded.format) {
                let first = decoded.template.views.first();
                let again = ReadOptions {
                    mode: Mode::Lenient,
                    format: Some(decoded.format),
                    image_width: first.map(|v| v.width),
                    image_height: first.map(|v| v.height),
                    resolution: first.map(|v| v.resolution),
                    ..ReadOptions::default()
                };
                let reread = formats::read(&bytes, &again).unwrap_or_else(|e| {
                    panic!("written {} does not read back: {e}", decoded.format)
                });
                assert_eq!(reread.template.views.len(), decoded.template.views.len());
            }
        }
    }
}
