//! `biomatch eval face` (verification accuracy and quantised-index recall over an embeddings
//! file) and `biomatch bench face` (1:N search speed against the memory-bandwidth bound).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use biomatch::face::{
    BatchProduct, FaceIndex, FaceTemplate, Isa, Precision, measure_read_bandwidth, npy,
};
use serde_json::json;

/// Model tag used for embeddings that come without one.
const MODEL: &str = "embeddings";
/// FARs at which `eval face` reports the true-accept rate.
const FARS: [(f64, &str); 3] = [(1e-2, "1e-2"), (1e-3, "1e-3"), (1e-4, "1e-4")];

/// Arguments of `eval face`.
#[derive(clap::Args)]
pub struct EvalArgs {
    /// Embeddings: a 2-D float32 .npy file, one row per face image.
    embeddings: PathBuf,
    /// Identity labels: one line per row of the embeddings.
    labels: PathBuf,
    /// Index storage precision for the scores and the recall measurement: f32, f16 or i8.
    #[arg(long, default_value = "f32")]
    precision: Precision,
    /// Write the results as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// Arguments of `bench face`.
#[derive(clap::Args)]
pub struct BenchArgs {
    /// Gallery size.
    #[arg(long, default_value_t = 1_000_000)]
    n: usize,
    /// Embedding dimension (128..=4096).
    #[arg(long, default_value_t = 512)]
    dim: usize,
    /// Storage precision: f32, f16 or i8.
    #[arg(long, default_value = "f32")]
    precision: Precision,
    /// Number of probes timed.
    #[arg(long, default_value_t = 10)]
    queries: usize,
    /// Probes searched together (1: single-probe search).
    #[arg(long, default_value_t = 1)]
    batch: usize,
    /// Worker threads (default: all cores; the output states the count used, and
    /// `--threads 1` gives the per-core figure peers usually quote).
    #[arg(long)]
    threads: Option<usize>,
    /// Candidates returned per probe.
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// Seed of the random gallery.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Gallery embeddings from a float32 `.npy` file (rows x dim) instead of random ones
    /// (`--n` and `--dim` are then taken from the file): lets another library be timed on
    /// the very same data (`scripts/bench-peers.sh`).
    #[arg(long, requires = "probes")]
    gallery: Option<PathBuf>,
    /// Probe embeddings from a float32 `.npy` file (with `--gallery`; at least `--queries`
    /// rows).
    #[arg(long, requires = "gallery")]
    probes: Option<PathBuf>,
    /// Kernel family: scalar, avx2, avx512 or neon (default: the best this CPU runs).
    #[arg(long, value_parser = parse_isa)]
    kernel: Option<Isa>,
    /// How batches of 8 or more probes are scored: rows (each probe scans the rows), panels
    /// (register-blocked kernels, AVX-512 only) or gemm (faer matrix products per tile).
    /// Default: the family's own choice.
    #[arg(long, value_parser = parse_batch_product)]
    batch_product: Option<BatchProduct>,
    /// Write the results as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

fn parse_isa(s: &str) -> Result<Isa, String> {
    Isa::ALL
        .into_iter()
        .find(|i| i.name() == s)
        .ok_or_else(|| format!("unknown kernel family {s:?} (scalar, avx2, avx512, neon)"))
}

fn parse_batch_product(s: &str) -> Result<BatchProduct, String> {
    [BatchProduct::Rows, BatchProduct::Panels, BatchProduct::Gemm]
        .into_iter()
        .find(|p| p.name() == s)
        .ok_or_else(|| format!("unknown batch product {s:?} (rows, panels, gemm)"))
}

pub fn run_eval(args: EvalArgs) -> anyhow::Result<()> {
    let m = npy::read_f32_matrix(&args.embeddings)
        .with_context(|| format!("reading {}", args.embeddings.display()))?;
    let labels: Vec<String> = std::fs::read_to_string(&args.labels)
        .with_context(|| format!("reading {}", args.labels.display()))?
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    if labels.len() != m.rows {
        bail!("{} labels for {} embeddings", labels.len(), m.rows);
    }
    let templates = (0..m.rows)
        .map(|i| FaceTemplate::new(MODEL, m.row(i)).with_context(|| format!("embedding row {i}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let entries: Vec<(u64, FaceTemplate)> = templates
        .iter()
        .enumerate()
        .map(|(i, t)| (i as u64, t.clone()))
        .collect();
    let index = FaceIndex::new(MODEL, m.cols, args.precision);
    index.enrol_many(&entries)?;

    // All pairs, scored by the index at the chosen precision.
    let all = index.search_batch(&templates, m.rows)?;
    let (mut genuine, mut impostor) = (Vec::new(), Vec::new());
    for (i, cands) in all.iter().enumerate() {
        for c in cands.iter().filter(|c| c.id as usize > i) {
            if labels[i] == labels[c.id as usize] {
                genuine.push(c.score as f64);
            } else {
                impostor.push(c.score as f64);
            }
        }
    }
    let curve = biomatch::eval::VerificationCurve::new(&genuine, &impostor)
        .context("no genuine or no impostor pairs")?;
    let eer = curve.eer().eer;
    let mut tars = serde_json::Map::new();
    for (far, key) in FARS {
        tars.insert(key.into(), json!(curve.tar_at_far(far)?));
    }

    // Recall@10 against exact (f64) cosine search, each row a probe, itself excluded.
    let approx = index.search_batch(&templates, 11)?;
    let mut recall_sum = 0.0;
    for (i, probe) in templates.iter().enumerate() {
        let mut exact: Vec<(f64, usize)> = templates
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(j, t)| Ok((probe.similarity(t)? as f64, j)))
            .collect::<anyhow::Result<_>>()?;
        exact.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let truth: Vec<usize> = exact.iter().take(10).map(|e| e.1).collect();
        let found: Vec<usize> = approx[i]
            .iter()
            .map(|c| c.id as usize)
            .filter(|j| *j != i)
            .take(10)
            .collect();
        let hits = found.iter().filter(|j| truth.contains(j)).count();
        recall_sum += hits as f64 / truth.len().max(1) as f64;
    }
    let recall = recall_sum / templates.len() as f64;

    println!(
        "face eval: {} embeddings x {}, precision {}, {} genuine / {} impostor pairs",
        m.rows,
        m.cols,
        args.precision.name(),
        genuine.len(),
        impostor.len()
    );
    for (far, key) in FARS {
        println!(
            "  TAR at FAR {far:e}: {:.4}",
            tars[key].as_f64().unwrap_or(f64::NAN)
        );
    }
    println!("  EER: {eer:.4}");
    println!("  recall@10 vs exact search: {recall:.4}");
    let out = json!({
        "precision": args.precision.name(),
        "n": m.rows,
        "dim": m.cols,
        "genuine_pairs": genuine.len(),
        "impostor_pairs": impostor.len(),
        "eer": eer,
        "tar_at_far": tars,
        "recall_at_10": recall,
    });
    write_json(args.json.as_ref(), &out)
}

pub fn run_bench(args: BenchArgs) -> anyhow::Result<()> {
    if args.n == 0 || args.queries == 0 || args.batch == 0 {
        bail!("--n, --queries and --batch must be at least 1");
    }
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(t) = args.threads {
        pool = pool.num_threads(t);
    }
    let pool = pool.build()?;
    pool.install(|| bench(&args))
}

/// Embeddings read from a float32 `.npy` file, one template per row.
fn templates_from_npy(path: &PathBuf) -> anyhow::Result<Vec<FaceTemplate>> {
    let m = npy::read_f32_matrix(path).with_context(|| format!("reading {}", path.display()))?;
    use rayon::prelude::*;
    m.data
        .par_chunks_exact(m.cols.max(1))
        .enumerate()
        .map(|(i, row)| {
            FaceTemplate::new(MODEL, row).with_context(|| format!("row {i} of {}", path.display()))
        })
        .collect()
}

fn bench(args: &BenchArgs) -> anyhow::Result<()> {
    let threads = rayon::current_num_threads();
    let (gallery, probes) = match (&args.gallery, &args.probes) {
        (Some(g), Some(p)) => (Some(templates_from_npy(g)?), Some(templates_from_npy(p)?)),
        _ => (None, None),
    };
    let (n, dim) = match &gallery {
        Some(g) => (g.len(), g.first().map_or(0, |t| t.values().len())),
        None => (args.n, args.dim),
    };
    if n == 0 {
        bail!("the gallery is empty");
    }
    let args = &BenchArgs {
        n,
        dim,
        gallery: None,
        probes: None,
        json: args.json.clone(),
        ..*args
    };
    let gallery_bytes = args.n * args.precision.bytes_per_vector(args.dim);
    let bandwidth = measure_read_bandwidth(gallery_bytes, 5);

    let t = Instant::now();
    let mut index = FaceIndex::new(MODEL, args.dim, args.precision);
    if let Some(isa) = args.kernel {
        index = index
            .with_isa(isa)
            .with_context(|| format!("this CPU cannot run the {} kernels", isa.name()))?;
    }
    if let Some(product) = args.batch_product {
        let isa = index.isa();
        index = index.with_batch_product(product).with_context(|| {
            format!(
                "the {} kernels have no {} batch product",
                isa.name(),
                product.name()
            )
        })?;
    }
    const CHUNK: usize = 1 << 16;
    for start in (0..args.n).step_by(CHUNK) {
        let end = (start + CHUNK).min(args.n);
        let entries = match &gallery {
            Some(g) => (start..end).map(|i| (i as u64, g[i].clone())).collect(),
            None => random_templates(args.seed, start as u64..end as u64, args.dim)?,
        };
        index.enrol_many(&entries)?;
    }
    let build_s = t.elapsed().as_secs_f64();
    let probes: Vec<FaceTemplate> = match probes {
        Some(p) if p.len() < args.queries => {
            bail!(
                "--probes holds {} rows, fewer than --queries {}",
                p.len(),
                args.queries
            )
        }
        Some(mut p) => {
            p.truncate(args.queries);
            p
        }
        None => random_templates(args.seed ^ 0x5eed, 0..args.queries as u64, args.dim)?
            .into_iter()
            .map(|(_, t)| t)
            .collect(),
    };

    // Warm-up, then time every batch.
    index.search_batch(&probes[..args.batch.min(probes.len())], args.k)?;
    let mut batch_ms = Vec::new();
    let cpu0 = process_cpu_seconds();
    let t = Instant::now();
    for chunk in probes.chunks(args.batch) {
        let tb = Instant::now();
        let r = index.search_batch(chunk, args.k)?;
        batch_ms.push(tb.elapsed().as_secs_f64() * 1e3 / chunk.len() as f64);
        std::hint::black_box(r);
    }
    let total_s = t.elapsed().as_secs_f64();
    // CPU time of the process over the timed searches: on a loaded machine the wall time
    // includes waiting for a core, the CPU time does not.
    let cpu_ms_per_query = match (cpu0, process_cpu_seconds()) {
        (Some(a), Some(b)) => Some((b - a) * 1e3 / args.queries as f64),
        _ => None,
    };
    let ms_per_query = total_s * 1e3 / args.queries as f64;
    batch_ms.sort_by(f64::total_cmp);
    let median_ms = batch_ms[batch_ms.len() / 2];
    let min_ms = batch_ms[0];
    let bound_ms = gallery_bytes as f64 / (bandwidth * 1e9) * 1e3;
    let gbps = gallery_bytes as f64 / (ms_per_query / 1e3) / 1e9;
    println!(
        "face bench: n {} dim {} precision {} isa {} batch product {} threads {} ({}) batch {} queries {} k {}",
        args.n,
        args.dim,
        args.precision.name(),
        index.isa().name(),
        if args.batch >= 8 {
            index.batch_product().name()
        } else {
            "rows"
        },
        threads,
        if args.threads.is_some() {
            "--threads"
        } else {
            "all cores, the default"
        },
        args.batch,
        args.queries,
        args.k
    );
    println!(
        "  gallery {:.1} MB built in {build_s:.1} s; read bandwidth {bandwidth:.1} GB/s -> bound {bound_ms:.2} ms",
        gallery_bytes as f64 / 1e6
    );
    if let Some(c) = cpu_ms_per_query {
        println!("  CPU time {c:.2} ms/query (all threads; 10 ms clock resolution over the run)");
    }
    println!(
        "  {ms_per_query:.2} ms/query (median {median_ms:.2}, best {min_ms:.2}), {:.1} queries/s, {gbps:.1} GB/s, ratio to bound {:.3}",
        1e3 / ms_per_query,
        ms_per_query / bound_ms
    );
    let out = json!({
        "n": args.n,
        "dim": args.dim,
        "precision": args.precision.name(),
        "isa": index.isa().name(),
        "batch_product": index.batch_product().name(),
        "threads": threads,
        "batch": args.batch,
        "queries": args.queries,
        "k": args.k,
        "gallery_bytes": gallery_bytes,
        "ms_per_query": ms_per_query,
        "median_ms_per_query": median_ms,
        "best_ms_per_query": min_ms,
        "queries_per_s": 1e3 / ms_per_query,
        "gbps": gbps,
        "bandwidth_gbps": bandwidth,
        "bound_ms": bound_ms,
        "ratio_to_bound": ms_per_query / bound_ms,
        "build_s": build_s,
        "cpu_ms_per_query": cpu_ms_per_query,
    });
    write_json(args.json.as_ref(), &out)
}

/// User + system CPU seconds of this process (Linux `/proc/self/stat`), if available.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Random unit vectors (Gaussian directions) for ids `ids`, reproducible per id.
fn random_templates(
    seed: u64,
    ids: std::ops::Range<u64>,
    dim: usize,
) -> anyhow::Result<Vec<(u64, FaceTemplate)>> {
    use rayon::prelude::*;
    ids.into_par_iter()
        .map(|id| {
            let mut state = seed ^ id.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            let mut v = Vec::with_capacity(dim);
            while v.len() < dim {
                // Box-Muller from two uniforms in (0, 1].
                let u1 = ((splitmix(&mut state) >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
                let u2 = (splitmix(&mut state) >> 11) as f64 / (1u64 << 53) as f64;
                let r = (-2.0 * u1.ln()).sqrt();
                let a = std::f64::consts::TAU * u2;
                v.push((r * a.cos()) as f32);
                v.push((r * a.sin()) as f32);
            }
            v.truncate(dim);
            Ok((id, FaceTemplate::new(MODEL, &v)?))
        })
        .collect()
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn write_json(path: Option<&PathBuf>, value: &serde_json::Value) -> anyhow::Result<()> {
    if let Some(p) = path {
        std::fs::write(p, serde_json::to_string_pretty(value)? + "\n")
            .with_context(|| format!("writing {}", p.display()))?;
    }
    Ok(())
}
