//! `biomatch image ...`: decoding fingerprint images.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use biomatch::finger::image::{PpiSource, decode_bytes_detailed, encode_png, resample_to_500_ppi};

#[derive(clap::Subcommand)]
pub enum ImageCmd {
    /// Decode an image (WSQ, PNG, TIFF, BMP, JPEG, PGM) and write it as 8-bit grayscale PNG.
    Decode {
        /// The encoded image.
        input: PathBuf,
        /// Where to write the PNG (its pHYs chunk records the resolution).
        output: PathBuf,
        /// Resolution in pixels per inch, overriding the file's (250..=1500).
        #[arg(long)]
        ppi: Option<f32>,
        /// Write the raster resampled to 500 ppi instead of the decoded one.
        #[arg(long)]
        resample: bool,
    },
}

pub fn run(cmd: ImageCmd) -> anyhow::Result<()> {
    match cmd {
        ImageCmd::Decode {
            input,
            output,
            ppi,
            resample,
        } => {
            let data =
                std::fs::read(&input).with_context(|| format!("reading {}", input.display()))?;
            let started = Instant::now();
            let decoded = decode_bytes_detailed(&data, ppi)
                .with_context(|| format!("decoding {}", input.display()))?;
            let elapsed = started.elapsed();
            let raster = &decoded.raster;
            let source = match decoded.ppi_source {
                PpiSource::Caller => "given",
                PpiSource::File => "from the file",
                PpiSource::Default => "assumed default",
            };
            eprintln!(
                "{}: {:?}, {} x {} pixels, {} ppi ({source}), decoded in {:.1} ms",
                input.display(),
                decoded.format,
                raster.width,
                raster.height,
                raster.ppi,
                elapsed.as_secs_f64() * 1e3
            );
            let png = if resample {
                let r = resample_to_500_ppi(raster)?;
                eprintln!(
                    "resampled to {} x {} at 500 ppi (scale {:.4} x {:.4})",
                    r.raster.width, r.raster.height, r.scale_x, r.scale_y
                );
                encode_png(&r.raster)?
            } else {
                encode_png(raster)?
            };
            std::fs::write(&output, png)
                .with_context(|| format!("writing {}", output.display()))?;
            Ok(())
        }
    }
}
