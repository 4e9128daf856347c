//! `biomatch image ...`: decoding fingerprint images and encoding them as WSQ.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use biomatch::finger::image::wsq::{self, WsqEncodeOptions};
use biomatch::finger::image::{
    PpiSource, Raster, decode_bytes_detailed, encode_png, resample_to_500_ppi,
};

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
    /// Encode an image (any format `decode` reads) as WSQ.
    Encode {
        /// The image to encode.
        input: PathBuf,
        /// Where to write the WSQ file.
        output: PathBuf,
        /// Bit rate of the WSQ allocation model in bits per pixel (0.75 = the FBI's usual
        /// setting; NIST's encoder and ours write about 0.5 bit/pixel at 0.75 on FVC images).
        #[arg(long, default_value_t = 0.75)]
        bitrate: f32,
        /// Instead of --bitrate: the largest file wanted, in bytes (the bit rate is searched
        /// by bisection for the largest file not above it).
        #[arg(long, conflicts_with = "bitrate")]
        max_bytes: Option<usize>,
        /// Resolution in pixels per inch, overriding the file's (written in the NISTCOM PPI).
        #[arg(long)]
        ppi: Option<f32>,
    },
}

/// Encodes at the bit rate whose output is the largest not above `max_bytes` (bisection over
/// 0.05..=8 bits per pixel, 24 steps).
pub fn encode_to_size(raster: &Raster, max_bytes: usize) -> anyhow::Result<(Vec<u8>, f32)> {
    let (mut lo, mut hi) = (0.05f32, 8.0f32);
    let mut best = wsq::encode(raster, &WsqEncodeOptions { bitrate: lo })?;
    let mut best_rate = lo;
    anyhow::ensure!(
        best.len() <= max_bytes,
        "even the lowest bit rate gives {} bytes, above {max_bytes}",
        best.len()
    );
    for _ in 0..24 {
        let mid = 0.5 * (lo + hi);
        let bytes = wsq::encode(raster, &WsqEncodeOptions { bitrate: mid })?;
        if bytes.len() <= max_bytes {
            (best, best_rate, lo) = (bytes, mid, mid);
        } else {
            hi = mid;
        }
    }
    Ok((best, best_rate))
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
        ImageCmd::Encode {
            input,
            output,
            bitrate,
            max_bytes,
            ppi,
        } => {
            let data =
                std::fs::read(&input).with_context(|| format!("reading {}", input.display()))?;
            let raster = decode_bytes_detailed(&data, ppi)
                .with_context(|| format!("decoding {}", input.display()))?
                .raster;
            let started = Instant::now();
            let (bytes, rate) = match max_bytes {
                Some(max) => encode_to_size(&raster, max)?,
                None => (
                    wsq::encode(&raster, &WsqEncodeOptions { bitrate })
                        .with_context(|| format!("encoding {}", input.display()))?,
                    bitrate,
                ),
            };
            let elapsed = started.elapsed();
            let pixels = (raster.width * raster.height) as f64;
            eprintln!(
                "{}: {} x {} at {} ppi -> {} bytes, {:.3} bit/pixel (model rate {rate:.3}), \
                 {:.1} ms",
                input.display(),
                raster.width,
                raster.height,
                raster.ppi,
                bytes.len(),
                bytes.len() as f64 * 8.0 / pixels,
                elapsed.as_secs_f64() * 1e3
            );
            std::fs::write(&output, bytes)
                .with_context(|| format!("writing {}", output.display()))?;
            Ok(())
        }
    }
}
