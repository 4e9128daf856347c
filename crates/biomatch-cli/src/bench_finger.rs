//! `biomatch bench finger-match`: single-thread speed of the 1:1 minutiae matcher, prepared
//! probe against prepared templates, over the impostor pairs of the iso-secugen set.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use biomatch::finger::formats::{ReadOptions, read};
use biomatch::finger::matcher::{Kernel, Matcher, PreparedFinger};

/// Arguments.
#[derive(clap::Args)]
pub struct Args {
    /// Datasets folder holding `iso-secugen/` (default: $BIOMATCH_DATASETS, else
    /// ../shared/datasets).
    #[arg(long)]
    datasets: Option<PathBuf>,
    /// Also write the result as JSON to this file (key `comparisons_per_s`).
    #[arg(long)]
    json: Option<PathBuf>,
    /// How many timed passes over all impostor pairs (the median is reported).
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
    // Every unordered pair of impressions of different fingers, within each database.
    let mut pairs: Vec<(&PreparedFinger, &PreparedFinger)> = Vec::new();
    for db in &databases {
        for i in 0..db.prepared.len() {
            for j in i + 1..db.prepared.len() {
                if db.fingers[i] != db.fingers[j] {
                    pairs.push((&db.prepared[i], &db.prepared[j]));
                }
            }
        }
    }
    if pairs.is_empty() {
        bail!("no impostor pairs found under {}", root.display());
    }
    let templates: usize = databases.iter().map(|d| d.prepared.len()).sum();
    let mut scratch = matcher.scratch();
    // Warm-up pass: grows the scratch buffers and the caches.
    let mut checksum = 0.0f64;
    for (a, b) in &pairs {
        checksum += matcher.score(a, b, &mut scratch) as f64;
    }
    let mut rates = Vec::with_capacity(args.repeats.max(1));
    let cpu_start = thread_cpu_seconds();
    for _ in 0..args.repeats.max(1) {
        let start = Instant::now();
        let mut sum = 0.0f64;
        for (a, b) in &pairs {
            sum += matcher.score(a, b, &mut scratch) as f64;
        }
        let secs = start.elapsed().as_secs_f64();
        std::hint::black_box(sum);
        rates.push(pairs.len() as f64 / secs);
    }
    // Comparisons per second of CPU time actually given to this thread (shared machines).
    let cpu_rate = match (cpu_start, thread_cpu_seconds()) {
        (Some(a), Some(b)) if b > a => Some((pairs.len() * rates.len()) as f64 / (b - a)),
        _ => None,
    };
    rates.sort_by(f64::total_cmp);
    let median = rates[rates.len() / 2];
    let us = 1e6 / median;
    println!(
        "finger-match: {} templates, {} impostor pairs x {} passes, 1 thread, {} kernel",
        templates,
        pairs.len(),
        rates.len(),
        matcher.kernel().name()
    );
    println!(
        "median {:.0} comparisons/s ({:.2} us/comparison); min {:.0}, max {:.0}; score sum {:.3}",
        median,
        us,
        rates[0],
        rates[rates.len() - 1],
        checksum
    );
    if let Some(cpu) = cpu_rate {
        println!(
            "per CPU second of this thread: {:.0} comparisons/s ({:.2} us/comparison); \
             wall-clock figures are lower when the machine is shared",
            cpu,
            1e6 / cpu
        );
    }
    if let Some(path) = args.json {
        let json = serde_json::json!({
            "bench": "finger-match",
            "dataset": "iso-secugen",
            "templates": templates,
            "impostor_pairs": pairs.len(),
            "passes": rates.len(),
            "threads": 1,
            "kernel": matcher.kernel().name(),
            "comparisons_per_s": median,
            "us_per_comparison": us,
            "comparisons_per_s_min": rates[0],
            "comparisons_per_s_max": rates[rates.len() - 1],
            "comparisons_per_cpu_s": cpu_rate,
        });
        std::fs::write(&path, serde_json::to_string_pretty(&json)? + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
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
