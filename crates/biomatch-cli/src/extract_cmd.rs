//! `biomatch extract IMAGE OUT [--ppi N] [--format iso2005|ansi2004|xyt] [--overlay FILE.png]`

use std::path::{Path, PathBuf};

use anyhow::Context;
use biomatch::finger::extract::{DebugSink, ExtractParams, extract, extract_with_sink};
use biomatch::finger::formats::{Format, XytFlavour, write};
use biomatch::finger::image::{Raster, decode_bytes};
use biomatch::finger::{FingerTemplate, FingerView, Minutia, MinutiaKind};

/// Output template format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutFormat {
    /// ISO/IEC 19794-2:2005.
    Iso2005,
    /// ANSI INCITS 378-2004.
    Ansi2004,
    /// NIST xyt text, NIST-internal flavour (y from the bottom, direction + 180 degrees).
    Xyt,
}

/// Arguments.
#[derive(clap::Args)]
pub struct Args {
    /// Fingerprint image (TIFF, PNG, BMP, JPEG, PNM), converted to 8-bit grey.
    image: PathBuf,
    /// Where to write the template.
    out: PathBuf,
    /// Resolution of the image in pixels per inch (default: the file's, else 500).
    #[arg(long)]
    ppi: Option<f32>,
    /// Template format.
    #[arg(long, value_enum, default_value = "iso2005")]
    format: OutFormat,
    /// Also write a PNG with the minutiae drawn over the image.
    #[arg(long)]
    overlay: Option<PathBuf>,
    /// Also write every stage's intermediate image as PNG files into this folder.
    #[arg(long)]
    debug: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let raster = load_raster(&args.image, args.ppi)?;
    let params = ExtractParams::default();
    let view = match &args.debug {
        None => extract(&raster, &params),
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            let mut sink = PngSink {
                dir: dir.clone(),
                errors: Vec::new(),
            };
            let view = extract_with_sink(&raster, &params, &mut sink);
            if let Some(e) = sink.errors.first() {
                anyhow::bail!("writing debug images: {e}");
            }
            view
        }
    }
    .with_context(|| format!("extracting {}", args.image.display()))?;
    let format = match args.format {
        OutFormat::Iso2005 => Format::Iso2005,
        OutFormat::Ansi2004 => Format::Ansi2004,
        OutFormat::Xyt => Format::Xyt(XytFlavour::NistInternal),
    };
    let minutiae = view.minutiae.len();
    let finger_quality = view.finger_quality;
    let bytes = write(&FingerTemplate::single(view.clone()), format)
        .with_context(|| format!("encoding the template as {format:?}"))?;
    std::fs::write(&args.out, bytes).with_context(|| format!("writing {}", args.out.display()))?;
    if let Some(path) = &args.overlay {
        draw_overlay(&raster, &view)
            .save(path)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    println!(
        "{}: {} minutiae, finger quality {}",
        args.image.display(),
        minutiae,
        finger_quality
    );
    Ok(())
}

/// Decodes an image file (WSQ or a common format) into an 8-bit grey raster; `ppi`, when
/// given, overrides the file's resolution.
fn load_raster(path: &Path, ppi: Option<f32>) -> anyhow::Result<Raster> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    decode_bytes(&bytes, ppi).with_context(|| format!("decoding {}", path.display()))
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

/// Writes each stage's image, mask or block map as a grey PNG named after its key.
struct PngSink {
    dir: PathBuf,
    errors: Vec<String>,
}

impl PngSink {
    fn save(&mut self, key: &str, width: usize, height: usize, grey: Vec<u8>) {
        let path = self.dir.join(format!("{key}.png"));
        let result = ::image::GrayImage::from_raw(width as u32, height as u32, grey)
            .map(|img| img.save(&path));
        match result {
            Some(Ok(())) => {}
            Some(Err(e)) => self.errors.push(format!("{}: {e}", path.display())),
            None => self
                .errors
                .push(format!("{}: bad geometry", path.display())),
        }
    }
}

impl DebugSink for PngSink {
    fn image(&mut self, key: &'static str, width: usize, height: usize, pixels: &[f32]) {
        let (lo, hi) = pixels
            .iter()
            .fold((f32::MAX, f32::MIN), |(l, h), &v| (l.min(v), h.max(v)));
        let span = (hi - lo).max(1e-6);
        let grey = pixels
            .iter()
            .map(|v| ((v - lo) / span * 255.0) as u8)
            .collect();
        self.save(key, width, height, grey);
    }

    fn mask(&mut self, key: &'static str, width: usize, height: usize, pixels: &[bool]) {
        let grey = pixels.iter().map(|&b| if b { 0 } else { 255 }).collect();
        self.save(key, width, height, grey);
    }

    fn blocks(&mut self, key: &'static str, cols: usize, rows: usize, size: usize, v: &[f32]) {
        let (w, h) = (cols * size, rows * size);
        let (lo, hi) = v
            .iter()
            .fold((f32::MAX, f32::MIN), |(l, h), &x| (l.min(x), h.max(x)));
        let span = (hi - lo).max(1e-6);
        let mut grey = vec![0u8; w * h];
        for y in 0..h {
            for x in 0..w {
                grey[y * w + x] = ((v[(y / size) * cols + x / size] - lo) / span * 255.0) as u8;
            }
        }
        if key == "orientation" {
            // Draw the ridge direction as a short line in each block.
            grey.iter_mut().for_each(|g| *g = 255);
            for by in 0..rows {
                for bx in 0..cols {
                    let a = v[by * cols + bx];
                    let (s, c) = a.sin_cos();
                    let (cx, cy) = ((bx * size + size / 2) as f32, (by * size + size / 2) as f32);
                    for k in -6..=6 {
                        let t = k as f32 * size as f32 / 14.0;
                        let (x, y) = ((cx + t * c).round() as usize, (cy + t * s).round() as usize);
                        if x < w && y < h {
                            grey[y * w + x] = 0;
                        }
                    }
                }
            }
        }
        self.save(key, w, h, grey);
    }

    fn minutiae(&mut self, key: &'static str, minutiae: &[Minutia]) {
        let text: String = minutiae
            .iter()
            .map(|m| format!("{} {} {:.1} {:?}\n", m.x, m.y, m.angle, m.kind))
            .collect();
        if let Err(e) = std::fs::write(self.dir.join(format!("{key}.txt")), text) {
            self.errors.push(e.to_string());
        }
    }
}
