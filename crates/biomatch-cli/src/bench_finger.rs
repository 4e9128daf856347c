//! `biomatch bench finger-match`: single-thread speed of the 1:1 minutiae matcher over the
//! iso-secugen set, reported three ways: impostor pairs and genuine pairs (both sides prepared
//! beforehand, as in a 1:N search where the probe is prepared once), and prepare-plus-score
//! (the probe prepared from its minutiae for every comparison, as in a 1:1 passport check),
//! over all pairs. Pairs run in a seeded random order, so consecutive comparisons rarely
//! share a probe (no probe stays hot in the cache by construction).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use biomatch::finger::FingerView;
use biomatch::finger::formats::{ReadOptions, read};
use biomatch::finger::matcher::{Kernel, Matcher, PreparedFinger};
use rand::SeedableRng;
use rand::seq::SliceRandom;

/// Arguments.
#[derive(clap::Args)]
pub struct Args {
    /// Datasets folder holding `iso-secugen/` (default: $BIOMATCH_DATASETS, else
    /// ../shared/datasets).
    #[arg(long)]
    datasets: Option<PathBuf>,
    /// Also write the result as JSON to this file (keys `comparisons_per_s` for impostor
    /// pairs, `genuine_comparisons_per_s`, `prepare_and_score_per_s`).
    #[arg(long)]
    json: Option<PathBuf>,
    /// How many timed passes over each pair set (the median is reported).
    #[arg(long, default_value_t = 7)]
    repeats: usize,
    /// Edge-verification kernel family: scalar, avx2 or avx512 (default: the best this CPU
    /// runs). Scores are identical with every family.
    #[arg(long)]
    kernel: Option<String>,
}

/// One database's prepared templates, with the finger each belongs to.
struct Database {
    fingers: Vec<u32>,
    views: Vec<FingerView>,
    prepared: Vec<PreparedFinger>,
}

fn load_database(matcher: &Matcher, dir: &Path) -> anyhow::Result<Database> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "iso"))
        .collect();
    paths.sort();
    let mut db = Database {
        fingers: Vec::new(),
        views: Vec::new(),
        prepared: Vec::new(),
    };
    for path in paths {
        let stem = path.file_stem().unwrap_or_default().to_string_lossy();
        let finger: u32 = stem
            .split('_')
            .next()
            .and_then(|f| f.parse().ok())
            .with_context(|| format!("{}: expected an FVC name NNN_M.iso", path.display()))?;
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let decoded = read(&bytes, &ReadOptions::default())
            .with_context(|| format!("decoding {}", path.display()))?;
        let Some(view) = decoded.template.first_view() else {
            bail!("{}: template has no finger view", path.display());
        };
        db.fingers.push(finger);
        db.prepared.push(matcher.prepare(view));
        db.views.push(view.clone());
    }
    Ok(db)
}

/// Runs the bench.
pub fn run(args: Args) -> anyhow::Result<()> {
    let datasets = args.datasets.unwrap_or_else(|| {
        std::env::var_os("BIOMATCH_DATASETS")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("../shared/datasets"))
    });
    let root = datasets.join("iso-secugen");
    if !root.is_dir() {
        bail!(
            "{} not found: pass --datasets DIR (the folder holding iso-secugen/)",
            root.display()
        );
    }
    let matcher = match args.kernel.as_deref() {
        None => Matcher::default(),
        Some(name) => {
            let Some(kernel) = Kernel::ALL.into_iter().find(|k| k.name() == name) else {
                bail!("unknown kernel {name:?}: expected scalar, avx2 or avx512");
            };
            Matcher::default()
                .with_kernel(kernel)
                .with_context(|| format!("this CPU cannot run the {name} kernel"))?
        }
    };
    let mut databases = Vec::new();
    for year in ["fvc2002", "fvc2004"] {
        for db in ["DB1_B", "DB2_B", "DB3_B", "DB4_B"] {
            let dir = root.join(year).join(db);
            if dir.is_dir() {
                databases.push(load_database(&matcher, &dir)?);
            }
        }
    }
    // Every unordered pair of impressions within each database, as (database, i, j), split
    // into impostor (different fingers) and genuine (same finger) pairs, each in a seeded
    // random order.
    let mut impostor: Vec<(usize, usize, usize)> = Vec::new();
    let mut genuine: Vec<(usize, usize, usize)> = Vec::new();
    for (d, db) in databases.iter().enumerate() {
        for i in 0..db.prepared.len() {
            for j in i + 1..db.prepared.len() {
                if db.fingers[i] != db.fingers[j] {
                    impostor.push((d, i, j));
                } else {
                    genuine.push((d, i, j));
                }
            }
        }
    }
    if impostor.is_empty() || genuine.is_empty() {
        bail!(
            "no impostor or genuine pairs found under {}",
            root.display()
        );
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x005e_edf1);
    impostor.shuffle(&mut rng);
    genuine.shuffle(&mut rng);
    let mut all: Vec<(usize, usize, usize)> = impostor.iter().chain(&genuine).copied().collect();
    all.shuffle(&mut rng);
    let templates: usize = databases.iter().map(|d| d.prepared.len()).sum();
    let repeats = args.repeats.max(1);
    let mut scratch = matcher.scratch();

    let prepared_pairs =
        |pairs: &[(usize, usize, usize)], scratch: &mut biomatch::finger::matcher::MatchScratch| {
            let mut sum = 0.0f64;
            for &(d, i, j) in pairs {
                let db = &databases[d];
                sum += matcher.score(&db.prepared[i], &db.prepared[j], scratch) as f64;
            }
            sum
        };
    let impostor_rate = timed(repeats, impostor.len(), || {
        prepared_pairs(&impostor, &mut scratch)
    });
    let genuine_rate = timed(repeats, genuine.len(), || {
        prepared_pairs(&genuine, &mut scratch)
    });
    let prepare_rate = timed(repeats, all.len(), || {
        let mut sum = 0.0f64;
        for &(d, i, j) in &all {
            let db = &databases[d];
            let probe = matcher.prepare(&db.views[i]);
            sum += matcher.score(&probe, &db.prepared[j], &mut scratch) as f64;
        }
        sum
    });

    println!(
        "finger-match: {} templates, 1 thread, {} kernel, {} passes per set (median reported), \
         pairs in a seeded random order",
        templates,
        matcher.kernel().name(),
        repeats
    );
    for (what, pairs, r) in [
        (
            "impostor pairs, both sides prepared",
            impostor.len(),
            &impostor_rate,
        ),
        (
            "genuine pairs, both sides prepared",
            genuine.len(),
            &genuine_rate,
        ),
        ("prepare probe + score, all pairs", all.len(), &prepare_rate),
    ] {
        println!(
            "  {what} ({pairs}): median {:.0} /s ({:.2} us each); min {:.0}, max {:.0}{}",
            r.median,
            1e6 / r.median,
            r.min,
            r.max,
            r.cpu
                .map(|c| format!("; per CPU second of this thread {c:.0} /s"))
                .unwrap_or_default()
        );
    }
    println!(
        "  (impostor comparisons can stop early when no root pair agrees; genuine ones rarely \
         do; wall-clock figures are lower than per-CPU ones on a shared machine)"
    );
    if let Some(path) = args.json {
        let json = serde_json::json!({
            "bench": "finger-match",
            "dataset": "iso-secugen",
            "templates": templates,
            "impostor_pairs": impostor.len(),
            "genuine_pairs": genuine.len(),
            "passes": repeats,
            "threads": 1,
            "kernel": matcher.kernel().name(),
            "order": "seeded random",
            "comparisons_per_s": impostor_rate.median,
            "us_per_comparison": 1e6 / impostor_rate.median,
            "comparisons_per_s_min": impostor_rate.min,
            "comparisons_per_s_max": impostor_rate.max,
            "comparisons_per_cpu_s": impostor_rate.cpu,
            "genuine_comparisons_per_s": genuine_rate.median,
            "genuine_comparisons_per_cpu_s": genuine_rate.cpu,
            "prepare_and_score_per_s": prepare_rate.median,
            "prepare_and_score_per_cpu_s": prepare_rate.cpu,
        });
        std::fs::write(&path, serde_json::to_string_pretty(&json)? + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Rates of one timed workload: median, min and max over the passes (wall clock), and the
/// rate per CPU second of this thread over all passes.
struct Rate {
    median: f64,
    min: f64,
    max: f64,
    cpu: Option<f64>,
}

/// Runs `pass` (which does `n` operations and returns a checksum) once to warm up, then
/// `repeats` timed times.
fn timed(repeats: usize, n: usize, mut pass: impl FnMut() -> f64) -> Rate {
    std::hint::black_box(pass());
    let mut rates = Vec::with_capacity(repeats);
    let cpu_start = thread_cpu_seconds();
    for _ in 0..repeats {
        let start = Instant::now();
        let sum = pass();
        let secs = start.elapsed().as_secs_f64();
        std::hint::black_box(sum);
        rates.push(n as f64 / secs);
    }
    let cpu = match (cpu_start, thread_cpu_seconds()) {
        (Some(a), Some(b)) if b > a => Some((n * repeats) as f64 / (b - a)),
        _ => None,
    };
    rates.sort_by(f64::total_cmp);
    Rate {
        median: rates[rates.len() / 2],
        min: rates[0],
        max: rates[rates.len() - 1],
        cpu,
    }
}

/// CPU time this thread has used, in seconds, when the platform tells (Linux); used to show
/// how much of the wall-clock time the thread actually ran on a shared machine.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}
