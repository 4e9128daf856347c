//! Fuzz target: the ANSI 378-2004 reader. Any input must give a template or an error, never a panic; a template
//! that reads must write back (when the format is writable) into bytes that read again.
#![no_main]

use biomatch::finger::formats::{self, Format, Mode, ReadOptions, XytFlavour};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for mode in [Mode::Strict, Mode::Lenient] {
        #[allow(unused_variables)]
        for flavour in [XytFlavour::NistInternal, XytFlavour::M1] {
            let options = ReadOptions {
                mode,
                format: Some(Format::Ansi2004),
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
                let again = ReadOptions {
                    mode: Mode::Lenient,
                    format: Some(decoded.format),
                    image_width: decoded.template.views.first().map(|v| v.width),
                    image_height: decoded.template.views.first().map(|v| v.height),
                    resolution: decoded.template.views.first().map(|v| v.resolution),
                    ..ReadOptions::default()
                };
                let reread = formats::read(&bytes, &again).unwrap_or_else(|e| {
                    panic!("written {} does not read back: {e}", decoded.format)
                });
                assert_eq!(reread.template.views.len(), decoded.template.views.len());
            }
        }
    }
});
