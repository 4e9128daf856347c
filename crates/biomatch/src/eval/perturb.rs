//! Seeded image transformations that make the shared databases look like other sensors, for
//! the robustness suite (`biomatch eval robustness`).
//!
//! Each [`Perturbation`] is deterministic given its seed (the suite derives one per file from
//! the finger and impression numbers, so results do not depend on thread order). The stated
//! resolution of the result is the input's, except where a transformation says otherwise.
//!
//! | name | what it imitates |
//! |---|---|
//! | `crop` | a small capture window: 60 % of width and height, placed on the print |
//! | `frame` | the print in a frame of twice its area, on a non-white noisy background |
//! | `gamma-0.6`, `gamma-1.6` | a different tone curve |
//! | `low-contrast` | the grey range halved (64..191) |
//! | `blur-noise` | Gaussian blur sigma 1 px, then additive noise sigma 8 grey levels |
//! | `scale-0.9`, `scale-1.1` | a sensor whose true resolution is 0.9 / 1.1 times its label |
//! | `fill` | the print cut by every edge, faint ridges on mid-grey, pores, scanner stripes |
//! | `wsq` | a WSQ encode-decode at 0.75 bit/pixel (images exchanged between agencies) |

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use crate::finger::image::wsq::{self, WsqEncodeOptions};
use crate::finger::image::{ImageError, Raster, resample_to_ppi};

/// One transformation of the robustness suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Perturbation {
    /// The image as it is (the baseline row of the suite).
    None,
    /// A capture window of 60 % of width and height, centred on the print.
    Crop,
    /// The print placed in a frame twice its area, background grey 170 with noise sigma 8.
    Frame,
    /// Gamma 0.6 (brighter mid-tones).
    Gamma06,
    /// Gamma 1.6 (darker mid-tones).
    Gamma16,
    /// Grey range halved: `v -> 64 + v / 2`.
    LowContrast,
    /// Gaussian blur sigma 1 px, then Gaussian noise sigma 8 grey levels.
    BlurNoise,
    /// Resampled by 0.9 while the stated resolution stays the same.
    Scale09,
    /// Resampled by 1.1 while the stated resolution stays the same.
    Scale11,
    /// The print cropped to 70 % around its centre so that it fills the frame and is cut by
    /// every edge, grey range mapped to 90..180, noise sigma 10, 1 % bright pore-like dots
    /// (+40), a dark 6 px stripe on the left edge and a 5 px one at the bottom, blur 0.6 px.
    Fill,
    /// Encoded as WSQ at 0.75 bit/pixel (the FBI's usual setting) and decoded again: the
    /// wavelet quantisation's blur and ringing, as in images that travel in ANSI/NIST-ITL
    /// transactions.
    Wsq,
}

impl Perturbation {
    /// Every transformation of the suite, baseline first.
    pub const ALL: [Perturbation; 11] = [
        Perturbation::None,
        Perturbation::Crop,
        Perturbation::Frame,
        Perturbation::Gamma06,
        Perturbation::Gamma16,
        Perturbation::LowContrast,
        Perturbation::BlurNoise,
        Perturbation::Scale09,
        Perturbation::Scale11,
        Perturbation::Fill,
        Perturbation::Wsq,
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Perturbation::None => "none",
            Perturbation::Crop => "crop",
            Perturbation::Frame => "frame",
            Perturbation::Gamma06 => "gamma-0.6",
            Perturbation::Gamma16 => "gamma-1.6",
            Perturbation::LowContrast => "low-contrast",
            Perturbation::BlurNoise => "blur-noise",
            Perturbation::Scale09 => "scale-0.9",
            Perturbation::Scale11 => "scale-1.1",
            Perturbation::Fill => "fill",
            Perturbation::Wsq => "wsq",
        }
    }

    /// The transformation called `name` ([`Perturbation::name`]), if any.
    pub fn from_name(name: &str) -> Option<Perturbation> {
        Perturbation::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Applies the transformation with a seeded generator.
    pub fn apply(self, raster: &Raster, seed: u64) -> Result<Raster, ImageError> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let plane = Plane::of(raster);
        let out = match self {
            Perturbation::None => return Ok(raster.clone()),
            Perturbation::Crop => {
                let (cx, cy) = print_centre(&plane);
                plane.window(cx, cy, 0.6)
            }
            Perturbation::Frame => frame(&plane, &mut rng),
            Perturbation::Gamma06 => plane.map(|v| gamma(v, 0.6)),
            Perturbation::Gamma16 => plane.map(|v| gamma(v, 1.6)),
            Perturbation::LowContrast => plane.map(|v| 64.0 + v * 0.5),
            Perturbation::BlurNoise => {
                let mut p = plane.blur(1.0);
                p.add_noise(8.0, &mut rng);
                p
            }
            Perturbation::Scale09 | Perturbation::Scale11 => {
                let factor = if self == Perturbation::Scale09 {
                    0.9
                } else {
                    1.1
                };
                let mut r = resample_to_ppi(raster, raster.ppi * factor)?.raster;
                r.ppi = raster.ppi;
                return Ok(r);
            }
            Perturbation::Fill => fill(&plane, &mut rng),
            Perturbation::Wsq => {
                let options = WsqEncodeOptions { bitrate: 0.75 };
                let decoded = wsq::decode(&wsq::encode(raster, &options)?)?;
                return Raster::new(decoded.width, decoded.height, raster.ppi, decoded.pixels);
            }
        };
        Ok(out.to_raster(raster.ppi))
    }
}

/// `v` (0..255) through a gamma curve.
fn gamma(v: f32, g: f32) -> f32 {
    255.0 * (v / 255.0).powf(g)
}

/// A float image being transformed.
#[derive(Clone, Debug)]
struct Plane {
    width: usize,
    height: usize,
    data: Vec<f32>,
}

impl Plane {
    fn of(raster: &Raster) -> Plane {
        Plane {
            width: raster.width,
            height: raster.height,
            data: raster.pixels.iter().map(|&v| v as f32).collect(),
        }
    }

    fn to_raster(&self, ppi: f32) -> Raster {
        Raster {
            width: self.width,
            height: self.height,
            ppi,
            pixels: self
                .data
                .iter()
                .map(|&v| v.round().clamp(0.0, 255.0) as u8)
                .collect(),
        }
    }

    fn map(&self, f: impl Fn(f32) -> f32) -> Plane {
        Plane {
            data: self.data.iter().map(|&v| f(v)).collect(),
            ..self.clone()
        }
    }

    /// A window of `fraction` of width and height centred as near (`cx`, `cy`) as the image
    /// allows.
    fn window(&self, cx: f32, cy: f32, fraction: f32) -> Plane {
        let w = ((self.width as f32 * fraction).round() as usize).clamp(1, self.width);
        let h = ((self.height as f32 * fraction).round() as usize).clamp(1, self.height);
        let x0 = ((cx - w as f32 / 2.0).round().max(0.0) as usize).min(self.width - w);
        let y0 = ((cy - h as f32 / 2.0).round().max(0.0) as usize).min(self.height - h);
        let mut data = Vec::with_capacity(w * h);
        for y in y0..y0 + h {
            data.extend_from_slice(&self.data[y * self.width + x0..y * self.width + x0 + w]);
        }
        Plane {
            width: w,
            height: h,
            data,
        }
    }

    /// Separable Gaussian blur (edges clamped).
    fn blur(&self, sigma: f32) -> Plane {
        let r = (3.0 * sigma).ceil() as isize;
        let kernel: Vec<f32> = (-r..=r)
            .map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp())
            .collect();
        let sum: f32 = kernel.iter().sum();
        let kernel: Vec<f32> = kernel.iter().map(|k| k / sum).collect();
        let (w, h) = (self.width as isize, self.height as isize);
        let mut tmp = vec![0.0f32; self.data.len()];
        for y in 0..h {
            for x in 0..w {
                let mut acc = 0.0;
                for (k, &c) in kernel.iter().enumerate() {
                    let xx = (x + k as isize - r).clamp(0, w - 1);
                    acc += c * self.data[(y * w + xx) as usize];
                }
                tmp[(y * w + x) as usize] = acc;
            }
        }
        let mut out = vec![0.0f32; self.data.len()];
        for y in 0..h {
            for x in 0..w {
                let mut acc = 0.0;
                for (k, &c) in kernel.iter().enumerate() {
                    let yy = (y + k as isize - r).clamp(0, h - 1);
                    acc += c * tmp[(yy * w + x) as usize];
                }
                out[(y * w + x) as usize] = acc;
            }
        }
        Plane {
            data: out,
            ..self.clone()
        }
    }

    fn add_noise(&mut self, sigma: f32, rng: &mut ChaCha8Rng) {
        let normal = Normal::new(0.0f32, sigma).expect("a positive finite sigma");
        for v in &mut self.data {
            *v += normal.sample(rng);
        }
    }
}

/// The centre of the print: the mean position of the 16 x 16 blocks whose grey-level standard
/// deviation reaches half of the 90th percentile of all blocks (the image centre if none).
fn print_centre(plane: &Plane) -> (f32, f32) {
    const B: usize = 16;
    let (cols, rows) = (plane.width / B, plane.height / B);
    let mut stats = Vec::with_capacity(cols * rows);
    for by in 0..rows {
        for bx in 0..cols {
            let (mut s, mut s2) = (0.0f64, 0.0f64);
            for y in by * B..(by + 1) * B {
                for &v in &plane.data[y * plane.width + bx * B..y * plane.width + (bx + 1) * B] {
                    s += v as f64;
                    s2 += (v as f64) * (v as f64);
                }
            }
            let n = (B * B) as f64;
            let var = (s2 / n - (s / n) * (s / n)).max(0.0);
            stats.push((bx, by, var.sqrt()));
        }
    }
    let mut sorted: Vec<f64> = stats.iter().map(|s| s.2).collect();
    sorted.sort_by(f64::total_cmp);
    let centre = (plane.width as f32 / 2.0, plane.height as f32 / 2.0);
    let Some(&p90) = sorted.get(sorted.len() * 9 / 10) else {
        return centre;
    };
    let (mut sx, mut sy, mut n) = (0.0f64, 0.0f64, 0usize);
    for &(bx, by, sd) in &stats {
        if sd >= 0.5 * p90 && sd > 0.0 {
            sx += (bx * B + B / 2) as f64;
            sy += (by * B + B / 2) as f64;
            n += 1;
        }
    }
    if n == 0 {
        return centre;
    }
    ((sx / n as f64) as f32, (sy / n as f64) as f32)
}

/// The print in a frame of twice its area (sides times sqrt 2) at a random offset, on a
/// background of grey 170 with noise sigma 8; the print's own light background becomes the
/// frame's (each pixel is the darker of the two).
fn frame(plane: &Plane, rng: &mut ChaCha8Rng) -> Plane {
    let w = (plane.width as f32 * std::f32::consts::SQRT_2).round() as usize;
    let h = (plane.height as f32 * std::f32::consts::SQRT_2).round() as usize;
    let mut out = Plane {
        width: w,
        height: h,
        data: vec![170.0; w * h],
    };
    out.add_noise(8.0, rng);
    let x0 = rng.gen_range(0..=w - plane.width);
    let y0 = rng.gen_range(0..=h - plane.height);
    for y in 0..plane.height {
        for x in 0..plane.width {
            let o = &mut out.data[(y0 + y) * w + x0 + x];
            *o = o.min(plane.data[y * plane.width + x]);
        }
    }
    out
}

/// The combination seen on an unseen large-frame sensor (see [`Perturbation::Fill`]).
fn fill(plane: &Plane, rng: &mut ChaCha8Rng) -> Plane {
    let (cx, cy) = print_centre(plane);
    let mut p = plane.window(cx, cy, 0.7).map(|v| 90.0 + v * (90.0 / 255.0));
    p.add_noise(10.0, rng);
    for v in &mut p.data {
        if rng.gen_bool(0.01) {
            *v += 40.0;
        }
    }
    let (w, h) = (p.width, p.height);
    for y in 0..h {
        for x in 0..w.min(6) {
            p.data[y * w + x] = 30.0 + 10.0 * x as f32;
        }
    }
    for y in h.saturating_sub(5)..h {
        for x in 0..w {
            let depth = (h - 1 - y) as f32;
            p.data[y * w + x] = p.data[y * w + x].min(30.0 + 12.0 * depth);
        }
    }
    p.blur(0.6)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ridges(width: usize, height: usize) -> Raster {
        // Vertical ridges of period 9 px inside a white margin of 20 px.
        let mut pixels = vec![255u8; width * height];
        for y in 20..height - 20 {
            for x in 20..width - 20 {
                let phase = (x as f32 / 9.0 * std::f32::consts::TAU).cos();
                pixels[y * width + x] = (128.0 + 100.0 * phase) as u8;
            }
        }
        Raster {
            width,
            height,
            ppi: 500.0,
            pixels,
        }
    }

    #[test]
    fn names_round_trip() {
        for p in Perturbation::ALL {
            assert_eq!(Perturbation::from_name(p.name()), Some(p));
        }
        assert_eq!(Perturbation::from_name("sharpen"), None);
    }

    #[test]
    fn wsq_keeps_the_geometry_and_stays_close_to_the_image() {
        let r = ridges(120, 140);
        let w = Perturbation::Wsq.apply(&r, 1).unwrap();
        assert_eq!((w.width, w.height, w.ppi), (r.width, r.height, r.ppi));
        assert_ne!(w.pixels, r.pixels, "0.75 bit/pixel is lossy");
        let mean_abs = r
            .pixels
            .iter()
            .zip(&w.pixels)
            .map(|(&a, &b)| (a as f64 - b as f64).abs())
            .sum::<f64>()
            / r.pixels.len() as f64;
        assert!(mean_abs < 12.0, "mean absolute error {mean_abs}");
    }

    #[test]
    fn deterministic_for_a_seed_and_different_across_seeds() {
        let r = ridges(120, 140);
        for p in [
            Perturbation::Frame,
            Perturbation::BlurNoise,
            Perturbation::Fill,
        ] {
            let a = p.apply(&r, 7).unwrap();
            let b = p.apply(&r, 7).unwrap();
            let c = p.apply(&r, 8).unwrap();
            assert_eq!(a, b, "{}", p.name());
            assert_ne!(a.pixels, c.pixels, "{}", p.name());
        }
    }

    #[test]
    fn geometry_of_each_transformation() {
        let r = ridges(200, 300);
        let size = |p: Perturbation| {
            let o = p.apply(&r, 1).unwrap();
            assert_eq!(o.pixels.len(), o.width * o.height);
            assert_eq!(o.ppi, 500.0);
            (o.width, o.height)
        };
        assert_eq!(size(Perturbation::None), (200, 300));
        assert_eq!(size(Perturbation::Crop), (120, 180));
        assert_eq!(size(Perturbation::Frame), (283, 424));
        assert_eq!(size(Perturbation::Gamma06), (200, 300));
        assert_eq!(size(Perturbation::Scale09), (180, 270));
        assert_eq!(size(Perturbation::Scale11), (220, 330));
        assert_eq!(size(Perturbation::Fill), (140, 210));
    }

    #[test]
    fn tone_curves_and_ranges() {
        let r = ridges(100, 100);
        let low = Perturbation::LowContrast.apply(&r, 0).unwrap();
        assert!(low.pixels.iter().all(|&v| (64..=192).contains(&v)));
        // Gamma 0.6 brightens, 1.6 darkens every mid-tone pixel.
        let g06 = Perturbation::Gamma06.apply(&r, 0).unwrap();
        let g16 = Perturbation::Gamma16.apply(&r, 0).unwrap();
        for ((&a, &b), &c) in r.pixels.iter().zip(&g06.pixels).zip(&g16.pixels) {
            if (20..235).contains(&a) {
                assert!(b > a && c < a, "{a} -> {b}, {c}");
            }
        }
        // Fill: mid-grey range, dark stripe on the left column.
        let f = Perturbation::Fill.apply(&r, 3).unwrap();
        let mean = |v: &[u8]| v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64;
        let inner: Vec<u8> = (20..50)
            .flat_map(|y| (20..50).map(move |x| (x, y)))
            .map(|(x, y)| f.pixels[y * f.width + x])
            .collect();
        let left: Vec<u8> = (0..f.height).map(|y| f.pixels[y * f.width]).collect();
        assert!((110.0..160.0).contains(&mean(&inner)), "{}", mean(&inner));
        assert!(mean(&left) < 60.0, "{}", mean(&left));
    }

    #[test]
    fn crop_centres_on_the_print() {
        // A print in the right half only: the crop window must sit on it.
        let (w, h) = (200, 200);
        let mut pixels = vec![255u8; w * h];
        for y in 0..h {
            for x in 110..190 {
                pixels[y * w + x] = if (x / 4) % 2 == 0 { 30 } else { 220 };
            }
        }
        let r = Raster {
            width: w,
            height: h,
            ppi: 500.0,
            pixels,
        };
        let c = Perturbation::Crop.apply(&r, 0).unwrap();
        let dark = c.pixels.iter().filter(|&&v| v < 100).count();
        assert!(
            dark > c.pixels.len() / 4,
            "{dark} dark of {}",
            c.pixels.len()
        );
    }
}
