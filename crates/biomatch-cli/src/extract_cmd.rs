//! `biomatch extract IMAGE OUT [--ppi N] [--format iso2005|ansi2004|xyt] [--overlay FILE.png]`

use std::path::{Path, PathBuf};

use anyhow::Context;
use biomatch::finger::extract::{ExtractParams, extract};
use biomatch::finger::image::Raster;
use biomatch::finger::{FingerView, MinutiaKind, MinutiaQuality};

/// Output template format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutFormat {
    /// ISO/IEC 19794-2:2005.
    Iso2005,
    /// ANSI INCITS 378-2004.
    Ansi2004,
    /// NIST xyt text (x, y from the bottom, direction + 180 degrees, quality).
    Xyt,
}

/// Arguments.
#[derive(clap::Args)]
pub struct Args {
    /// Fingerprint image (TIFF, PNG, BMP, JPEG, PNM), converted to 8-bit grey.
    image: PathBuf,
    /// Where to write the template.
    out: PathBuf,
    /// Resolution of the image in pixels per inch (default: 500).
    #[arg(long)]
    ppi: Option<f32>,
    /// Template format.
    #[arg(long, value_enum, default_value = "iso2005")]
    format: OutFormat,
    /// Also write a PNG with the minutiae drawn over the image.
    #[arg(long)]
    overlay: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let raster = load_raster(&args.image, args.ppi.unwrap_or(500.0))?;
    let view = extract(&raster, &ExtractParams::default())
        .with_context(|| format!("extracting {}", args.image.display()))?;
    let bytes = match args.format {
        OutFormat::Iso2005 => write_record(&view, RecordKind::Iso2005),
        OutFormat::Ansi2004 => write_record(&view, RecordKind::Ansi2004),
        OutFormat::Xyt => write_xyt(&view).into_bytes(),
    };
    std::fs::write(&args.out, bytes).with_context(|| format!("writing {}", args.out.display()))?;
    if let Some(path) = &args.overlay {
        draw_overlay(&raster, &view)
            .save(path)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    println!(
        "{}: {} minutiae, finger quality {}",
        args.image.display(),
        view.minutiae.len(),
        view.finger_quality
    );
    Ok(())
}

/// Decodes an image file into an 8-bit grey raster.
fn load_raster(path: &Path, ppi: f32) -> anyhow::Result<Raster> {
    let img = ::image::open(path)
        .with_context(|| format!("decoding {}", path.display()))?
        .to_luma8();
    let (width, height) = (img.width() as usize, img.height() as usize);
    Ok(Raster {
        width,
        height,
        ppi,
        pixels: img.into_raw(),
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RecordKind {
    Iso2005,
    Ansi2004,
}

/// A single-view ISO 19794-2:2005 or ANSI 378-2004 record (a small private writer until
/// `finger::formats::write` lands).
fn write_record(view: &FingerView, kind: RecordKind) -> Vec<u8> {
    let minutiae = &view.minutiae[..view.minutiae.len().min(255)];
    let body = 4 + 6 * minutiae.len() + 2;
    let header = if kind == RecordKind::Iso2005 { 24 } else { 26 };
    let mut out = Vec::with_capacity(header + body);
    out.extend_from_slice(b"FMR\0 20\0");
    let total = header + body;
    match kind {
        RecordKind::Iso2005 => out.extend_from_slice(&(total as u32).to_be_bytes()),
        RecordKind::Ansi2004 => {
            // At most 255 minutiae: always the short length form.
            out.extend_from_slice(&(total as u16).to_be_bytes());
            out.extend_from_slice(&[0, 0, 0, 0]); // CBEFF owner and type not registered
        }
    }
    out.extend_from_slice(&[0, 0]); // capture equipment unknown, not certified
    for v in [
        view.width,
        view.height,
        view.resolution.x_ppcm,
        view.resolution.y_ppcm,
    ] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.extend_from_slice(&[1, 0]);
    out.push(view.finger_position.0);
    out.push((view.view_number & 0x0f) << 4 | (view.impression_type.0 & 0x0f));
    out.push(view.finger_quality.min(100));
    out.push(minutiae.len() as u8);
    for m in minutiae {
        let x = (m.x.round().max(0.0) as u16).min(0x3fff);
        let y = (m.y.round().max(0.0) as u16).min(0x3fff);
        out.extend_from_slice(&((m.kind.code() as u16) << 14 | x).to_be_bytes());
        out.extend_from_slice(&y.to_be_bytes());
        out.push(match kind {
            RecordKind::Iso2005 => ((m.angle * 256.0 / 360.0).round() as u32 % 256) as u8,
            RecordKind::Ansi2004 => ((m.angle / 2.0).round() as u32 % 180) as u8,
        });
        out.push(match m.quality {
            MinutiaQuality::Score(q) => q.min(100),
            _ => 0,
        });
    }
    out.extend_from_slice(&[0, 0]);
    out
}

/// NIST xyt text: `x y theta quality`, y from the bottom (H - y), theta = ISO + 180.
fn write_xyt(view: &FingerView) -> String {
    let mut s = String::new();
    for m in &view.minutiae {
        let theta = ((m.angle + 180.0).round() as i32).rem_euclid(360);
        let q = match m.quality {
            MinutiaQuality::Score(q) => q,
            _ => 0,
        };
        s.push_str(&format!(
            "{} {} {} {}\n",
            m.x.round() as i32,
            view.height as i32 - m.y.round() as i32,
            theta,
            q
        ));
    }
    s
}

/// The image in colour with each minutia drawn: a circle at its position, a tick along its
/// direction; red for ridge endings, blue for bifurcations, green for other kinds.
fn draw_overlay(raster: &Raster, view: &FingerView) -> ::image::RgbImage {
    let mut img = ::image::RgbImage::from_fn(raster.width as u32, raster.height as u32, |x, y| {
        let g = raster.get(x as usize, y as usize);
        ::image::Rgb([g, g, g])
    });
    let mut plot = |x: f32, y: f32, c: [u8; 3]| {
        let (xi, yi) = (x.round() as i64, y.round() as i64);
        if xi >= 0 && yi >= 0 && (xi as u32) < img.width() && (yi as u32) < img.height() {
            img.put_pixel(xi as u32, yi as u32, ::image::Rgb(c));
        }
    };
    for m in &view.minutiae {
        let colour = match m.kind {
            MinutiaKind::RidgeEnding => [230, 20, 20],
            MinutiaKind::Bifurcation => [20, 60, 240],
            _ => [20, 180, 20],
        };
        let r = 4.0;
        for k in 0..48 {
            let t = k as f32 * std::f32::consts::TAU / 48.0;
            plot(m.x + r * t.cos(), m.y + r * t.sin(), colour);
        }
        // Direction: counter-clockwise on screen, so y decreases with the sine.
        let (s, c) = m.angle.to_radians().sin_cos();
        for k in 0..=28 {
            let d = r + k as f32 * 0.5;
            plot(m.x + d * c, m.y - d * s, colour);
        }
    }
    img
}
