//! Stage tests of the minutiae extractor on synthetic images, observed through the debug
//! sink, and its input limits.

use biomatch::finger::extract::{
    DebugSink, ExtractError, ExtractParams, extract, extract_with_sink,
};
use biomatch::finger::image::Raster;
use biomatch::finger::{Minutia, MinutiaKind};

/// Records what the stages hand to the sink.
#[derive(Default)]
struct Recorder {
    blocks: Vec<(&'static str, usize, usize, usize, Vec<f32>)>,
    masks: Vec<(&'static str, usize, usize, Vec<bool>)>,
    minutiae: Vec<(&'static str, Vec<Minutia>)>,
}

impl DebugSink for Recorder {
    fn mask(&mut self, key: &'static str, width: usize, height: usize, pixels: &[bool]) {
        self.masks.push((key, width, height, pixels.to_vec()));
    }
    fn blocks(&mut self, key: &'static str, cols: usize, rows: usize, size: usize, v: &[f32]) {
        self.blocks.push((key, cols, rows, size, v.to_vec()));
    }
    fn minutiae(&mut self, key: &'static str, minutiae: &[Minutia]) {
        self.minutiae.push((key, minutiae.to_vec()));
    }
}

impl Recorder {
    fn blocks(&self, key: &str) -> &(&'static str, usize, usize, usize, Vec<f32>) {
        self.blocks
            .iter()
            .find(|b| b.0 == key)
            .expect("stage reported")
    }
    fn mask(&self, key: &str) -> &(&'static str, usize, usize, Vec<bool>) {
        self.masks
            .iter()
            .find(|b| b.0 == key)
            .expect("stage reported")
    }
    /// Values of the block map `key` over foreground blocks at least 3 blocks inside.
    fn interior(&self, key: &str) -> Vec<f32> {
        let (_, cols, rows, _, mask) = self.blocks("mask");
        let (_, _, _, _, values) = self.blocks(key);
        let mut out = Vec::new();
        for y in 3..rows.saturating_sub(3) {
            for x in 3..cols.saturating_sub(3) {
                if mask[y * cols + x] > 0.5 {
                    out.push(values[y * cols + x]);
                }
            }
        }
        out
    }
}

/// A parallel grating: ridges (dark) along the screen direction `ridge_deg` (y down, so
/// the direction vector is (cos, sin) in image coordinates), period `period`.
fn grating(size: usize, ridge_deg: f32, period: f32) -> Raster {
    let (s, c) = ridge_deg.to_radians().sin_cos();
    let (nx, ny) = (-s, c);
    let mut pixels = Vec::with_capacity(size * size);
    for y in 0..size {
        for x in 0..size {
            let u = x as f32 * nx + y as f32 * ny;
            let v = 128.0 + 90.0 * (std::f32::consts::TAU * u / period).cos();
            pixels.push(v as u8);
        }
    }
    Raster {
        width: size,
        height: size,
        ppi: 500.0,
        pixels,
    }
}

/// Ridges of period `period` with one minutia at (cx, cy) whose ISO direction is `beta_deg`:
/// a phase singularity adds one period on the side the half-line from the centre in
/// direction `beta` points to, centred on that half-line (phase 0); it is dark there for an
/// `ending` (an extra ridge) and bright for a bifurcation (an extra valley between forks).
fn single_minutia(
    (w, h): (usize, usize),
    (cx, cy): (f32, f32),
    beta_deg: f32,
    period: f32,
    ending: bool,
    ppi: f32,
) -> Raster {
    let (s, c) = beta_deg.to_radians().sin_cos();
    // Screen CCW: e1 = (cos b, -sin b) in image coordinates; e2 perpendicular.
    let (e1x, e1y) = (c, -s);
    let (e2x, e2y) = (s, c);
    let sign = if ending { -1.0 } else { 1.0 };
    let mut pixels = Vec::with_capacity(w * h);
    for y in 0..h {
        for x in 0..w {
            let (px, py) = (x as f32 - cx, y as f32 - cy);
            let xr = px * e1x + py * e1y;
            let yr = px * e2x + py * e2y;
            let phase = std::f32::consts::TAU * yr / period + yr.atan2(xr);
            pixels.push((128.0 + sign * 90.0 * phase.cos()) as u8);
        }
    }
    Raster {
        width: w,
        height: h,
        ppi,
        pixels,
    }
}

fn angle_diff(a: f32, b: f32, modulus: f32) -> f32 {
    let d = (a - b).rem_euclid(modulus);
    d.min(modulus - d)
}

#[test]
fn orientation_of_a_grating_is_recovered() {
    for ridge_deg in [0.0f32, 22.0, 45.0, 67.5, 90.0, 125.0, 160.0] {
        let mut rec = Recorder::default();
        extract_with_sink(
            &grating(256, ridge_deg, 9.0),
            &ExtractParams::default(),
            &mut rec,
        )
        .unwrap();
        let values = rec.interior("orientation");
        assert!(values.len() > 50, "foreground too small: {}", values.len());
        for v in values {
            let err = angle_diff(v.to_degrees(), ridge_deg, 180.0);
            assert!(
                err < 3.0,
                "ridges at {ridge_deg} deg estimated at {} deg",
                v.to_degrees()
            );
        }
    }
}

#[test]
fn frequency_of_a_grating_is_recovered() {
    for period in [6.0f32, 8.0, 10.0, 13.0] {
        let mut rec = Recorder::default();
        extract_with_sink(
            &grating(256, 30.0, period),
            &ExtractParams::default(),
            &mut rec,
        )
        .unwrap();
        let mut values = rec.interior("period");
        values.sort_by(f32::total_cmp);
        let median = values[values.len() / 2];
        assert!(
            (median - period).abs() < 0.4,
            "period {period} estimated as {median}"
        );
        let worst = values
            .iter()
            .map(|v| (v - period).abs())
            .fold(0.0, f32::max);
        assert!(worst < 1.0, "period {period}: a block is off by {worst}");
    }
}

#[test]
fn thinning_gives_one_pixel_skeletons() {
    let mut rec = Recorder::default();
    let raster = single_minutia((256, 256), (128.0, 128.0), 30.0, 9.0, false, 500.0);
    extract_with_sink(&raster, &ExtractParams::default(), &mut rec).unwrap();
    let (_, w, h, skel) = rec.mask("skeleton");
    let (_, _, _, binary) = rec.mask("binary");
    let at = |x: usize, y: usize| skel[y * w + x];
    let mut set = 0;
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            if at(x, y) {
                set += 1;
                assert!(
                    binary[y * w + x],
                    "skeleton pixel ({x}, {y}) outside the ridges"
                );
            }
            let square = at(x, y) && at(x + 1, y) && at(x, y + 1) && at(x + 1, y + 1);
            assert!(!square, "2x2 block of skeleton at ({x}, {y})");
        }
    }
    // About one skeleton pixel per ridge pixel of length: ridge area / ridge width.
    let ridge_pixels = binary.iter().filter(|b| **b).count();
    assert!(
        set > ridge_pixels / 8 && set < ridge_pixels / 2,
        "{set} skeleton px for {ridge_pixels} ridge px"
    );
    // Ridges of one pixel: almost every skeleton pixel has at most two neighbours.
    let mut crowded = 0;
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            if at(x, y) {
                let n = (0..9)
                    .filter(|k| *k != 4 && at(x + k % 3 - 1, y + k / 3 - 1))
                    .count();
                crowded += (n > 2) as usize;
            }
        }
    }
    assert!(
        crowded * 50 < set,
        "{crowded} of {set} skeleton pixels have 3+ neighbours"
    );
}

fn check_single_minutia(ending: bool, beta: f32, scale: f32) {
    let (w, h) = ((256.0 * scale) as usize, (240.0 * scale) as usize);
    let (cx, cy) = (121.0 * scale, 117.0 * scale);
    let raster = single_minutia((w, h), (cx, cy), beta, 9.0 * scale, ending, 500.0 * scale);
    let view = extract(&raster, &ExtractParams::default()).unwrap();
    let near: Vec<&Minutia> = view
        .minutiae
        .iter()
        .filter(|m| (m.x - cx).hypot(m.y - cy) < 12.0 * scale)
        .collect();
    assert_eq!(
        near.len(),
        1,
        "beta {beta} scale {scale}: minutiae near the centre {near:?}"
    );
    let m = near[0];
    let kind = if ending {
        MinutiaKind::RidgeEnding
    } else {
        MinutiaKind::Bifurcation
    };
    assert_eq!(m.kind, kind, "beta {beta}: {m:?}");
    assert!(
        (m.x - cx).hypot(m.y - cy) < 5.0 * scale,
        "beta {beta}: at ({}, {}), expected ({cx}, {cy})",
        m.x,
        m.y
    );
    let expected = beta.rem_euclid(360.0);
    assert!(
        angle_diff(m.angle, expected, 360.0) < 15.0,
        "beta {beta}: direction {} expected {expected}",
        m.angle
    );
    // The synthetic image has no other minutia: nothing false survives far from it.
    assert!(
        view.minutiae.len() <= 2,
        "{} minutiae: {:?}",
        view.minutiae.len(),
        view.minutiae
    );
}

#[test]
fn ridge_ending_is_found_with_its_direction() {
    for beta in [0.0, 40.0, 90.0, 200.0, 300.0] {
        check_single_minutia(true, beta, 1.0);
    }
}

#[test]
fn bifurcation_is_found_with_its_direction() {
    for beta in [0.0, 70.0, 135.0, 250.0] {
        check_single_minutia(false, beta, 1.0);
    }
}

#[test]
fn coordinates_refer_to_the_original_image() {
    check_single_minutia(true, 60.0, 1.6);
    check_single_minutia(false, 10.0, 1.25);
}

#[test]
fn bad_inputs_are_typed_errors() {
    let p = ExtractParams::default();
    let raster = |w: usize, h: usize, ppi: f32| Raster {
        width: w,
        height: h,
        ppi,
        pixels: vec![128; w * h],
    };
    assert!(matches!(
        extract(&raster(0, 100, 500.0), &p),
        Err(ExtractError::Empty { .. })
    ));
    assert!(matches!(
        extract(&raster(100, 0, 500.0), &p),
        Err(ExtractError::Empty { .. })
    ));
    assert!(matches!(
        extract(&raster(5000, 10, 500.0), &p),
        Err(ExtractError::TooLarge { .. })
    ));
    assert!(matches!(
        extract(&raster(3000, 3000, 500.0), &p),
        Err(ExtractError::TooLarge { .. })
    ));
    assert!(matches!(
        extract(&raster(20, 300, 500.0), &p),
        Err(ExtractError::TooSmall { .. })
    ));
    for ppi in [f32::NAN, f32::INFINITY, 0.0, -500.0, 50.0, 1e6] {
        assert!(
            matches!(
                extract(&raster(300, 300, ppi), &p),
                Err(ExtractError::Resolution { .. })
            ),
            "{ppi}"
        );
    }
    let mut short = raster(300, 300, 500.0);
    short.pixels.pop();
    assert!(matches!(
        extract(&short, &p),
        Err(ExtractError::BufferSize { .. })
    ));
    // A blank image is accepted and simply has no minutiae.
    let blank = extract(&raster(300, 300, 500.0), &p).unwrap();
    assert!(blank.minutiae.is_empty());
    assert_eq!((blank.width, blank.height), (300, 300));
}

/// A `w` x `h` image of grey `level` with uniform pixel noise of +-`amp` (a fixed LCG, so the
/// test is reproducible).
fn noise_image(w: usize, h: usize, level: f32, amp: f32) -> Raster {
    let mut seed = 0x2545_f491u32;
    let pixels = (0..w * h)
        .map(|_| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let u = (seed >> 8) as f32 / (1u32 << 24) as f32;
            (level + amp * (2.0 * u - 1.0)).round().clamp(0.0, 255.0) as u8
        })
        .collect();
    Raster {
        width: w,
        height: h,
        ppi: 500.0,
        pixels,
    }
}

#[test]
fn images_without_a_print_give_few_or_no_minutiae() {
    let p = ExtractParams::default();
    // All background: white, light grey, and a dark frame stripe on white.
    for level in [255.0, 200.0] {
        let v = extract(&noise_image(300, 300, level, 0.0), &p).unwrap();
        assert!(v.minutiae.is_empty(), "flat {level}: {}", v.minutiae.len());
    }
    let mut striped = noise_image(300, 300, 230.0, 0.0);
    for y in 0..300 {
        for x in 0..6 {
            striped.pixels[y * 300 + x] = 30;
        }
    }
    let v = extract(&striped, &p).unwrap();
    assert!(v.minutiae.is_empty(), "stripe: {}", v.minutiae.len());
    // Sensor noise alone has no ridge structure: far fewer minutiae than a real print
    // (40-80), and never a panic.
    for amp in [10.0, 40.0] {
        let v = extract(&noise_image(300, 300, 150.0, amp), &p).unwrap();
        assert!(v.minutiae.len() <= 10, "noise {amp}: {}", v.minutiae.len());
    }
    // The smallest image the extractor accepts works; one pixel less is a typed error.
    let min = p.limits.min_side;
    assert!(extract(&noise_image(min, min, 128.0, 30.0), &p).is_ok());
    assert!(matches!(
        extract(&noise_image(min - 1, min, 128.0, 30.0), &p),
        Err(ExtractError::TooSmall { .. })
    ));
}
