//! End-to-end accuracy of the extractor on the FVC 2002 and 2004 B sets (all-pairs protocol:
//! 280 genuine and 2,880 impostor comparisons per database), with the library's matcher.
//! Skips when the datasets are absent.
//!
//! `cargo test -p biomatch --test extract_fvc -- --nocapture` prints the table and asserts
//! the acceptance bounds (the test profile is optimised; about 20 s of one core);
//! the ignored `proxy_matcher_table` runs the same extraction with a small Hough matcher
//! kept here only to tune the extractor while the real matcher is not available.

mod common;

use std::path::Path;
use std::time::Instant;

use biomatch::finger::FingerView;
use biomatch::finger::extract::{ExtractParams, extract};
use biomatch::finger::image::Raster;
use biomatch::finger::matcher::Matcher;

/// The databases, their resolution and NIST MINDTCT + BOZORTH3's all-pairs EER (anchors.md).
const DATABASES: [(&str, f32, f64); 8] = [
    ("fvc2002/DB1_B", 500.0, 4.16),
    ("fvc2002/DB2_B", 569.0, 2.51),
    ("fvc2002/DB3_B", 500.0, 7.82),
    ("fvc2002/DB4_B", 500.0, 5.16),
    ("fvc2004/DB1_B", 500.0, 10.83),
    ("fvc2004/DB2_B", 500.0, 14.03),
    ("fvc2004/DB3_B", 512.0, 3.84),
    ("fvc2004/DB4_B", 500.0, 5.67),
];

/// One database's extracted views: `views[finger][impression]`, and extraction times.
struct Extracted {
    views: Vec<Vec<FingerView>>,
    /// Wall-clock milliseconds per image.
    ms: Vec<f64>,
    /// CPU milliseconds of the extracting thread per image (Linux only; empty elsewhere).
    cpu_ms: Vec<f64>,
}

/// CPU time of the current thread in milliseconds, where the OS reports it.
fn thread_cpu_ms() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(s.split_whitespace().next()?.parse::<f64>().ok()? / 1e6)
}

fn load(path: &Path, ppi: f32) -> Raster {
    let img = image::open(path).expect("decodable TIFF").to_luma8();
    Raster {
        width: img.width() as usize,
        height: img.height() as usize,
        ppi,
        pixels: img.into_raw(),
    }
}

fn extract_db(dir: &Path, ppi: f32) -> Extracted {
    let params = ExtractParams::default();
    let mut views = Vec::new();
    let mut ms = Vec::new();
    let mut cpu_ms = Vec::new();
    for finger in 101..=110 {
        let mut row = Vec::new();
        for impression in 1..=8 {
            let raster = load(&dir.join(format!("{finger}_{impression}.tif")), ppi);
            let cpu = thread_cpu_ms();
            let t = Instant::now();
            let view = extract(&raster, &params).expect("extraction succeeds");
            ms.push(t.elapsed().as_secs_f64() * 1e3);
            if let (Some(a), Some(b)) = (cpu, thread_cpu_ms()) {
                cpu_ms.push(b - a);
            }
            row.push(view);
        }
        views.push(row);
    }
    Extracted { views, ms, cpu_ms }
}

/// All-pairs genuine and impostor scores for a score function.
fn all_pairs<T>(items: &[Vec<T>], mut score: impl FnMut(&T, &T) -> f32) -> (Vec<f32>, Vec<f32>) {
    let mut genuine = Vec::new();
    let mut impostor = Vec::new();
    let flat: Vec<(usize, &T)> = items
        .iter()
        .enumerate()
        .flat_map(|(f, row)| row.iter().map(move |t| (f, t)))
        .collect();
    for i in 0..flat.len() {
        for j in i + 1..flat.len() {
            let s = score(flat[i].1, flat[j].1);
            if flat[i].0 == flat[j].0 {
                genuine.push(s);
            } else {
                impostor.push(s);
            }
        }
    }
    (genuine, impostor)
}

/// FVC equal error rate in %: the midpoint of the interval where FMR and FNMR cross
/// (higher scores mean more similar; a comparison matches when its score >= t).
fn eer(genuine: &[f32], impostor: &[f32]) -> f64 {
    let mut thresholds: Vec<f32> = genuine.iter().chain(impostor).copied().collect();
    thresholds.push(f32::INFINITY);
    thresholds.sort_by(f32::total_cmp);
    thresholds.dedup();
    let rates = |t: f32| {
        let fmr = impostor.iter().filter(|&&s| s >= t).count() as f64 / impostor.len() as f64;
        let fnmr = genuine.iter().filter(|&&s| s < t).count() as f64 / genuine.len() as f64;
        (fmr, fnmr)
    };
    let all: Vec<(f64, f64)> = thresholds.iter().map(|&t| rates(t)).collect();
    // t1: the last threshold with FNMR <= FMR; t2: the first with FNMR >= FMR.
    let t1 = all.iter().rposition(|(fmr, fnmr)| fnmr <= fmr).unwrap_or(0);
    let t2 = all
        .iter()
        .position(|(fmr, fnmr)| fnmr >= fmr)
        .unwrap_or(all.len() - 1);
    let ((fmr1, fnmr1), (fmr2, fnmr2)) = (all[t1], all[t2]);
    let (low, high) = if fmr1 + fnmr1 <= fmr2 + fnmr2 {
        (fnmr1, fmr1)
    } else {
        (fmr2, fnmr2)
    };
    100.0 * (low + high) / 2.0
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[s.len() / 2]
}

/// Runs every database present with `matcher_eer`; returns (db, ppi, nbis, eer, median ms, mean ms).
fn table(
    mut matcher_eer: impl FnMut(&Extracted) -> f64,
) -> Vec<(&'static str, f64, f64, f64, f64)> {
    let mut rows = Vec::new();
    for (db, ppi, nbis) in DATABASES {
        let Some(dir) = common::dataset(db) else {
            continue;
        };
        let ex = extract_db(&dir, ppi);
        let e = matcher_eer(&ex);
        let mean = ex.ms.iter().sum::<f64>() / ex.ms.len() as f64;
        let minutiae: usize = ex.views.iter().flatten().map(|v| v.minutiae.len()).sum();
        let cpu = if ex.cpu_ms.is_empty() {
            String::new()
        } else {
            format!(" (CPU median {:.1} ms)", median(&ex.cpu_ms))
        };
        println!(
            "{db}: EER {e:.2} % (NBIS {nbis:.2} %), extract median {:.1} ms mean {mean:.1} ms{cpu}, {:.1} minutiae per image",
            median(&ex.ms),
            minutiae as f64 / 80.0
        );
        rows.push((db, nbis, e, median(&ex.ms), mean));
    }
    rows
}

/// Per-database EER with the library's matcher.
fn matcher_table() -> Vec<(&'static str, f64, f64, f64, f64)> {
    let matcher = Matcher::default();
    table(|ex| {
        let prepared: Vec<Vec<_>> = ex
            .views
            .iter()
            .map(|row| row.iter().map(|v| matcher.prepare(v)).collect())
            .collect();
        let mut scratch = matcher.scratch();
        let (g, i) = all_pairs(&prepared, |a, b| matcher.score(a, b, &mut scratch));
        eer(&g, &i)
    })
}

/// Mean EER of the four databases of `year`, when all four were run.
fn year_mean(rows: &[(&'static str, f64, f64, f64, f64)], year: &str) -> Option<f64> {
    let v: Vec<f64> = rows
        .iter()
        .filter(|r| r.0.starts_with(year))
        .map(|r| r.2)
        .collect();
    (v.len() == 4).then(|| v.iter().sum::<f64>() / 4.0)
}

/// The acceptance bounds of issue 7: below NBIS on each database, mean FVC2002 <= 3.0 %,
/// mean FVC2004 <= 6.0 % (NBIS: 4.91 % and 8.59 %). Databases that are absent are skipped;
/// the year means are checked when all four databases of the year are present.
#[test]
fn eer_beats_nbis_on_every_fvc_database() {
    let rows = matcher_table();
    for (db, nbis, e, _, _) in &rows {
        assert!(
            e < nbis,
            "{db}: EER {e:.2} % is not below NBIS's {nbis:.2} %"
        );
    }
    if let Some(m) = year_mean(&rows, "fvc2002") {
        assert!(m <= 3.0, "FVC2002 mean EER {m:.2} % above 3.0 %");
    }
    if let Some(m) = year_mean(&rows, "fvc2004") {
        assert!(m <= 6.0, "FVC2004 mean EER {m:.2} % above 6.0 %");
    }
}

#[test]
fn eer_function_follows_the_fvc_definition() {
    // Perfect separation: EER 0. Identical distributions: EER 50.
    assert_eq!(eer(&[5.0, 6.0], &[1.0, 2.0]), 0.0);
    assert_eq!(eer(&[1.0, 2.0], &[1.0, 2.0]), 50.0);
    // One impostor of four above the lowest genuine score of four: rates cross at 25 %.
    assert_eq!(eer(&[3.0, 5.0, 6.0, 7.0], &[1.0, 2.0, 2.5, 4.0]), 25.0);
}

#[test]
#[ignore = "tuning aid: a small Hough matcher standing in for the library matcher"]
fn proxy_matcher_table() {
    let rows = table(|ex| {
        let (g, i) = all_pairs(&ex.views, proxy::score);
        eer(&g, &i)
    });
    let mean = |p: &str| {
        rows.iter()
            .filter(|r| r.0.starts_with(p))
            .map(|r| r.2)
            .sum::<f64>()
            / 4.0
    };
    println!(
        "mean FVC2002 {:.2} %, FVC2004 {:.2} %",
        mean("fvc2002"),
        mean("fvc2004")
    );
}

/// A deliberately simple matcher: nearest-neighbour local structures propose alignments,
/// the best alignment's count of paired minutiae gives the score.
mod proxy {
    use biomatch::finger::FingerView;

    struct Local {
        x: f32,
        y: f32,
        a: f32,
        /// (distance, angle of the neighbour seen from the minutia relative to its direction,
        /// relative direction) of the nearest neighbours.
        nb: Vec<(f32, f32, f32)>,
    }

    fn wrap(a: f32) -> f32 {
        let t = std::f32::consts::TAU;
        let a = a.rem_euclid(t);
        if a > std::f32::consts::PI { a - t } else { a }
    }

    fn locals(v: &FingerView) -> Vec<Local> {
        let m = &v.minutiae;
        m.iter()
            .map(|p| {
                let a = p.angle.to_radians();
                let mut d: Vec<(f32, usize)> = m
                    .iter()
                    .enumerate()
                    .map(|(j, q)| ((q.x - p.x).hypot(q.y - p.y), j))
                    .filter(|(d, _)| *d > 0.0)
                    .collect();
                d.sort_by(|x, y| x.0.total_cmp(&y.0));
                let nb = d
                    .iter()
                    .take(4)
                    .map(|&(dist, j)| {
                        let q = &m[j];
                        let phi = (-(q.y - p.y)).atan2(q.x - p.x);
                        (dist, wrap(phi - a), wrap(q.angle.to_radians() - a))
                    })
                    .collect();
                Local {
                    x: p.x,
                    y: -p.y,
                    a,
                    nb,
                }
            })
            .collect()
    }

    fn local_similarity(p: &Local, q: &Local) -> f32 {
        let mut s = 0.0;
        for a in &p.nb {
            let best =
                q.nb.iter()
                    .map(|b| {
                        let dd = (a.0 - b.0).abs() / 8.0;
                        let d1 = wrap(a.1 - b.1).abs() / 0.35;
                        let d2 = wrap(a.2 - b.2).abs() / 0.35;
                        (1.0 - (dd + d1 + d2) / 3.0).max(0.0)
                    })
                    .fold(0.0, f32::max);
            s += best;
        }
        s
    }

    pub(super) fn score(a: &FingerView, b: &FingerView) -> f32 {
        let (la, lb) = (locals(a), locals(b));
        if la.len() < 3 || lb.len() < 3 {
            return 0.0;
        }
        let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
        for (i, p) in la.iter().enumerate() {
            for (j, q) in lb.iter().enumerate() {
                let s = local_similarity(p, q);
                if s > 0.5 {
                    pairs.push((s, i, j));
                }
            }
        }
        pairs.sort_by(|x, y| y.0.total_cmp(&x.0));
        let mut best = 0.0f32;
        let mut used_b = vec![false; lb.len()];
        for &(_, i, j) in pairs.iter().take(12) {
            let rot = wrap(lb[j].a - la[i].a);
            let (s, c) = rot.sin_cos();
            used_b.iter_mut().for_each(|u| *u = false);
            let mut matched = 0.0;
            for p in &la {
                let dx = p.x - la[i].x;
                let dy = p.y - la[i].y;
                let x = lb[j].x + c * dx - s * dy;
                let y = lb[j].y + s * dx + c * dy;
                let a = p.a + rot;
                let mut pick = None;
                let mut pick_d = 15.0f32;
                for (k, q) in lb.iter().enumerate() {
                    if used_b[k] {
                        continue;
                    }
                    let d = (q.x - x).hypot(q.y - y);
                    if d < pick_d && wrap(q.a - a).abs() < 0.4 {
                        pick = Some(k);
                        pick_d = d;
                    }
                }
                if let Some(k) = pick {
                    used_b[k] = true;
                    matched += 1.0 - pick_d / 30.0;
                }
            }
            best = best.max(matched);
        }
        best * best / (la.len().min(60) as f32 * lb.len().min(60) as f32)
    }
}
