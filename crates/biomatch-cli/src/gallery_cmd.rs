//! `biomatch gallery ...` (build, identify, import, info, eval-identify; the watchlist
//! commands are in [`crate::watchlist_cmd`]) and `biomatch bench finger-identify`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use biomatch::calibration::Calibration;
use biomatch::face::FaceTemplate;
use biomatch::finger::FingerView;
use biomatch::finger::formats::{ReadOptions, read};
use biomatch::finger::matcher::Matcher;
use biomatch::gallery::synth::SynthModel;
use biomatch::gallery::{
    Gallery, GalleryConfig, Probe, SearchMode, SearchOptions, Subject, SubjectId,
};

/// Gallery subcommands.
#[derive(clap::Subcommand)]
pub enum GalleryCmd {
    /// Build a gallery file from a folder of fingerprint templates (FVC naming
    /// `FINGER_IMPRESSION.ext`, one subject per finger) and optionally face embeddings.
    Build(BuildArgs),
    /// Identify a probe (fingers and/or a face) against a gallery file.
    Identify(IdentifyArgs),
    /// Enrol one subject per ANSI/NIST-ITL transaction: fingers from its Type-9 minutiae,
    /// else extracted from its finger images; the face from a sidecar `TRANSACTION.npy`
    /// (one embedding row) when there is one. The subject id is the transaction control
    /// number 1.009, or the field named by --id-field (e.g. 2.018). An existing subject with
    /// the same id is replaced. The gallery file is created when it does not exist.
    Import(ImportArgs),
    /// Print what a gallery file holds.
    Info {
        /// The gallery file.
        gallery: PathBuf,
        #[command(flatten)]
        key: crate::watchlist_cmd::KeyArgs,
        #[command(flatten)]
        audit: crate::audit_cmd::AuditArgs,
    },
    /// List the watchlist records (with their state now), or set records from a file.
    Records(crate::watchlist_cmd::RecordsArgs),
    /// Remove the entries whose validity has ended and rewrite the file without them.
    Purge(crate::watchlist_cmd::PurgeArgs),
    /// Remove subjects and rewrite the file without them.
    Remove(crate::watchlist_cmd::RemoveArgs),
    /// Re-encrypt a gallery file under a new key (or encrypt a plain one, or decrypt).
    Rekey(crate::watchlist_cmd::RekeyArgs),
    /// Write a new random 256-bit gallery key file (refuses to overwrite).
    Keygen {
        /// The key file to create.
        out: PathBuf,
    },
    /// Identification accuracy: FVC fingers as mates among synthetic distractors, fast path
    /// against exhaustive search.
    EvalIdentify(EvalArgs),
}

/// Arguments of `gallery build`.
#[derive(clap::Args)]
pub struct BuildArgs {
    /// Folder of templates (searched recursively for .iso/.ist/.ansi/.fmr files).
    #[arg(long)]
    fingers: PathBuf,
    /// Enrol only these impression numbers (the rest stay available as probes).
    #[arg(long, value_delimiter = ',', default_value = "1")]
    impressions: Vec<u32>,
    /// Face embeddings (.npy, rows x dim, little-endian f32).
    #[arg(long, requires = "labels")]
    faces: Option<PathBuf>,
    /// One identity label per embedding row.
    #[arg(long)]
    labels: Option<PathBuf>,
    /// Face model tag.
    #[arg(long, default_value = "facenet512")]
    face_model: String,
    /// Watchlist records of the subjects (JSON lines: id, category, agency, reference,
    /// action, valid_from, valid_until, fields; see `docs/watchlist.md`).
    #[arg(long)]
    records: Option<PathBuf>,
    /// Output gallery file.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    key: crate::watchlist_cmd::KeyArgs,
    #[command(flatten)]
    audit: crate::audit_cmd::AuditArgs,
}

/// Arguments of `gallery import`.
#[derive(clap::Args)]
pub struct ImportArgs {
    /// The gallery file (created if missing).
    gallery: PathBuf,
    /// The transactions.
    #[arg(required = true)]
    transactions: Vec<PathBuf>,
    /// The field whose value is the subject id (`1.009` by default; `2.NNN` for a Type-2
    /// field).
    #[arg(long, default_value = "1.009")]
    id_field: String,
    /// Face model tag, for a new gallery and the sidecar embeddings.
    #[arg(long, default_value = "facenet512")]
    face_model: String,
    /// Face embedding dimension of a new gallery.
    #[arg(long, default_value_t = 512)]
    face_dim: usize,
    /// Refuse a transaction whose finger images (extracted here) score below this quality
    /// (0-100, see `biomatch quality`); Type-9 minutiae carry another extractor's quality
    /// scale and are not checked.
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=100))]
    min_quality: Option<u8>,
    /// Watchlist records to set on the imported subjects (JSON lines, as for `build`).
    #[arg(long)]
    records: Option<PathBuf>,
    #[command(flatten)]
    key: crate::watchlist_cmd::KeyArgs,
    #[command(flatten)]
    audit: crate::audit_cmd::AuditArgs,
}

/// Arguments of `gallery identify`.
#[derive(clap::Args)]
pub struct IdentifyArgs {
    /// The gallery file.
    #[arg(long)]
    gallery: PathBuf,
    /// Probe finger templates.
    #[arg(long)]
    finger: Vec<PathBuf>,
    /// Probe face: embeddings file and row.
    #[arg(long, requires = "face_row")]
    face_npy: Option<PathBuf>,
    /// Row of the probe face in `--face-npy`.
    #[arg(long)]
    face_row: Option<usize>,
    /// Candidates to list.
    #[arg(long, default_value_t = 5)]
    top: usize,
    /// Exact matcher against every finger instead of the fast path.
    #[arg(long)]
    exhaustive: bool,
    #[command(flatten)]
    filter: crate::watchlist_cmd::FilterArgs,
    #[command(flatten)]
    key: crate::watchlist_cmd::KeyArgs,
    #[command(flatten)]
    audit: crate::audit_cmd::AuditArgs,
}

/// Arguments of `gallery eval-identify`.
#[derive(clap::Args)]
pub struct EvalArgs {
    /// Gallery sizes (fingers) to evaluate.
    #[arg(long, value_delimiter = ',', default_value = "10000")]
    n: Vec<usize>,
    /// Also run exhaustive search for sizes up to this.
    #[arg(long, default_value_t = 10000)]
    exhaustive_max: usize,
    /// First-stage shortlist size (a gallery no larger is searched exhaustively).
    #[arg(long, default_value_t = SearchMode::DEFAULT_SHORTLIST)]
    shortlist: usize,
    /// Datasets folder (default: BIOMATCH_DATASETS or ../shared/datasets).
    #[arg(long)]
    datasets: Option<PathBuf>,
    /// Use every k-th mated and every k-th non-mated probe (1 = all 280 + 320).
    #[arg(long, default_value_t = 1)]
    probe_step: usize,
    /// Only measure first-stage recall, for each of these shortlist sizes.
    #[arg(long, value_delimiter = ',')]
    recall_only: Vec<usize>,
    /// Only run exhaustive search of the mated probes and report its rank-1 rate (the
    /// reference the fast path is held to, for sizes too large for `--exhaustive-max`);
    /// prints each search's outcome as it goes.
    #[arg(long)]
    exhaustive_mated_only: bool,
    /// Write the results as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// Arguments of `bench finger-identify`.
#[derive(clap::Args)]
pub struct BenchArgs {
    /// Gallery size in fingers (real mates plus synthetic distractors).
    #[arg(long, default_value_t = 100_000)]
    n: usize,
    /// Worker threads.
    #[arg(long)]
    threads: Option<usize>,
    /// Probes to time (median reported).
    #[arg(long, default_value_t = 7)]
    probes: usize,
    /// First-stage shortlist sizes (a gallery no larger is searched exhaustively); each is
    /// timed on the same gallery, one report line each.
    #[arg(long, value_delimiter = ',', default_values_t = [SearchMode::DEFAULT_SHORTLIST])]
    shortlist: Vec<usize>,
    /// Exact matcher against every finger instead of the fast path.
    #[arg(long)]
    exhaustive: bool,
    /// Datasets folder (default: BIOMATCH_DATASETS or ../shared/datasets).
    #[arg(long)]
    datasets: Option<PathBuf>,
    /// Write the results as JSON (one object, or an array of them for several shortlists).
    #[arg(long)]
    json: Option<PathBuf>,
}

pub fn run(cmd: GalleryCmd) -> anyhow::Result<()> {
    match cmd {
        GalleryCmd::Build(a) => build(a),
        GalleryCmd::Identify(a) => identify(a),
        GalleryCmd::Import(a) => import(a),
        GalleryCmd::Info {
            gallery,
            key,
            audit,
        } => {
            let g = key.load_logged(&gallery, &audit)?;
            let now = biomatch::gallery::unix_now();
            let subjects = g.subjects();
            let records = subjects
                .iter()
                .filter_map(|s| s.record())
                .collect::<Vec<_>>();
            let valid = records.iter().filter(|r| r.is_valid_at(now)).count();
            println!(
                "{}: {} subjects, {} finger impressions, face model {:?} ({} values), \
                 finger calibration: {}, face calibration: {}, {}; {} watchlist records ({} \
                 valid now)",
                gallery.display(),
                g.len(),
                g.finger_count(),
                g.config().face_model,
                g.config().face_dim,
                cal_desc(&g.config().finger_calibration),
                cal_desc(&g.config().face_calibration),
                if key.key_file.is_some() {
                    "encrypted"
                } else {
                    "not encrypted"
                },
                records.len(),
                valid,
            );
            Ok(())
        }
        GalleryCmd::Records(a) => crate::watchlist_cmd::records(a),
        GalleryCmd::Purge(a) => crate::watchlist_cmd::purge(a),
        GalleryCmd::Remove(a) => crate::watchlist_cmd::remove(a),
        GalleryCmd::Rekey(a) => crate::watchlist_cmd::rekey(a),
        GalleryCmd::Keygen { out } => crate::watchlist_cmd::keygen(&out),
        GalleryCmd::EvalIdentify(a) => eval_identify(a),
    }
}

fn cal_desc(c: &Option<Calibration>) -> String {
    c.as_ref()
        .map(|c| format!("{} impostor scores", c.len()))
        .unwrap_or_else(|| "none".into())
}

// ---------------------------------------------------------------------------------------
// Shared loaders (also used by the demo)

/// Reads a `.npy` file holding a 2-D little-endian f32 array as (rows, cols, values).
pub(crate) fn read_npy_f32(bytes: &[u8]) -> anyhow::Result<(usize, usize, Vec<f32>)> {
    let m = biomatch::face::npy::parse_f32_matrix(bytes)?;
    Ok((m.rows, m.cols, m.data))
}

/// One template file named `FINGER_IMPRESSION.ext`.
pub(crate) struct NamedView {
    /// Finger name (folder-qualified when several folders are read).
    pub finger: String,
    /// Impression number.
    pub impression: u32,
    /// The first view of the template.
    pub view: FingerView,
}

/// Reads every template under `dir` (recursively), sorted by path.
pub(crate) fn read_template_dir(dir: &Path) -> anyhow::Result<Vec<NamedView>> {
    let mut files = Vec::new();
    collect_files(dir, &mut files)?;
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "iso" | "ist" | "ansi" | "fmr") {
            continue;
        }
        let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let Some((finger, imp)) = stem.rsplit_once('_') else {
            continue;
        };
        let Ok(impression) = imp.parse() else {
            continue;
        };
        let bytes = std::fs::read(&f).with_context(|| format!("reading {}", f.display()))?;
        let decoded = match read(&bytes, &ReadOptions::default()) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("skipping {}: {e}", f.display());
                continue;
            }
        };
        let Some(view) = decoded.template.views.into_iter().next() else {
            continue;
        };
        let rel = f.parent().and_then(|p| p.strip_prefix(dir).ok());
        let finger = match rel {
            Some(r) if !r.as_os_str().is_empty() => format!("{}/{finger}", r.display()),
            _ => finger.to_string(),
        };
        out.push(NamedView {
            finger,
            impression,
            view,
        });
    }
    Ok(out)
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for e in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let p = e?.path();
        if p.is_dir() {
            collect_files(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

/// Impostor scores of the matcher between different fingers of `views` (each finger's first
/// listed impression against other fingers' impressions), at most `max` pairs.
pub(crate) fn finger_impostor_scores(views: &[NamedView], max: usize) -> Vec<f64> {
    use rayon::prelude::*;
    let m = Matcher::default();
    let prepared: Vec<_> = views.iter().map(|v| m.prepare(&v.view)).collect();
    let mut pairs = Vec::new();
    'outer: for i in 0..views.len() {
        for j in i + 1..views.len() {
            if views[i].finger != views[j].finger {
                pairs.push((i, j));
                if pairs.len() >= max {
                    break 'outer;
                }
            }
        }
    }
    pairs
        .par_iter()
        .map_init(
            || m.scratch(),
            |s, &(i, j)| m.score(&prepared[i], &prepared[j], s) as f64,
        )
        .collect()
}

/// Face impostor similarities between embeddings of different labels.
pub(crate) fn face_impostor_scores(faces: &[(String, FaceTemplate)]) -> Vec<f64> {
    let mut out = Vec::new();
    for i in 0..faces.len() {
        for j in i + 1..faces.len() {
            if faces[i].0 != faces[j].0
                && let Ok(s) = faces[i].1.similarity(&faces[j].1)
            {
                out.push(s as f64);
            }
        }
    }
    out
}

fn read_faces(
    npy: &Path,
    labels: &Path,
    model: &str,
) -> anyhow::Result<Vec<(String, FaceTemplate)>> {
    let bytes = std::fs::read(npy).with_context(|| format!("reading {}", npy.display()))?;
    let (rows, cols, values) = read_npy_f32(&bytes)?;
    let labels = std::fs::read_to_string(labels)?;
    let labels: Vec<&str> = labels.lines().collect();
    if labels.len() != rows {
        bail!("{} labels for {rows} embeddings", labels.len());
    }
    values
        .chunks_exact(cols)
        .zip(labels)
        .map(|(v, l)| Ok((l.to_string(), FaceTemplate::new(model, v)?)))
        .collect()
}

// ---------------------------------------------------------------------------------------
// build / identify

fn build(a: BuildArgs) -> anyhow::Result<()> {
    let views = read_template_dir(&a.fingers)?;
    if views.is_empty() {
        bail!("no templates found under {}", a.fingers.display());
    }
    let mut subjects: std::collections::BTreeMap<String, Subject> = Default::default();
    for v in views
        .iter()
        .filter(|v| a.impressions.contains(&v.impression))
    {
        let s = subjects.entry(v.finger.clone()).or_insert_with(|| {
            Subject::new(SubjectId::new(&v.finger).expect("file names are valid ids"))
        });
        s.add_finger(v.view.clone());
    }
    let finger_cal = Calibration::from_impostor_scores(&finger_impostor_scores(&views, 20_000))?;
    let mut config = GalleryConfig::new(&a.face_model, 512);
    config.finger_calibration = Some(finger_cal);
    if let (Some(npy), Some(labels)) = (&a.faces, &a.labels) {
        let faces = read_faces(npy, labels, &a.face_model)?;
        config.face_dim = faces.first().map(|f| f.1.values().len()).unwrap_or(512);
        config.face_calibration = Some(Calibration::from_impostor_scores(&face_impostor_scores(
            &faces,
        ))?);
        // A face subject per label (first embedding), unless a finger subject of that name
        // exists, in which case the face joins it.
        for (label, t) in faces {
            let s = subjects.entry(label.clone()).or_insert_with(|| {
                Subject::new(SubjectId::new(&label).expect("labels are valid ids"))
            });
            if s.face().is_none() {
                *s = s.clone().with_face(t);
            }
        }
    }
    let g = Gallery::new(config);
    g.enrol_many(subjects.into_values().collect())?;
    a.audit.record(
        biomatch::audit::AuditAction::Enrol,
        g.ids().iter().map(|i| i.to_string()).collect(),
        None,
    )?;
    if let Some(file) = &a.records {
        crate::watchlist_cmd::set_records_logged(&g, file, &a.audit)?;
    }
    a.key.save_logged(&g, &a.out, &a.audit)?;
    println!(
        "wrote {}: {} subjects, {} finger impressions",
        a.out.display(),
        g.len(),
        g.finger_count()
    );
    Ok(())
}

fn identify(a: IdentifyArgs) -> anyhow::Result<()> {
    let g = a.key.load_logged(&a.gallery, &a.audit)?;
    let (filter, at) = a.filter.resolve()?;
    let mut probe = Probe::default();
    for f in &a.finger {
        let bytes = std::fs::read(f).with_context(|| format!("reading {}", f.display()))?;
        let t = read(&bytes, &ReadOptions::default())?.template;
        probe
            .fingers
            .push(t.views.into_iter().next().context("template has no view")?);
    }
    if let (Some(npy), Some(row)) = (&a.face_npy, a.face_row) {
        let (rows, cols, values) = read_npy_f32(&std::fs::read(npy)?)?;
        if row >= rows {
            bail!("row {row} out of {rows}");
        }
        probe.face = Some(FaceTemplate::new(
            &g.config().face_model,
            &values[row * cols..(row + 1) * cols],
        )?);
    }
    let opts = SearchOptions {
        top_k: a.top,
        mode: if a.exhaustive {
            SearchMode::Exhaustive
        } else {
            SearchMode::default()
        },
        filter,
        at: Some(at),
        ..Default::default()
    };
    let t = Instant::now();
    let cands = g.search(&probe, &opts)?;
    let ms = t.elapsed().as_secs_f64() * 1e3;
    // The audit entry names the candidates returned and the best one's fused FMR, never
    // biometric data.
    a.audit.record(
        biomatch::audit::AuditAction::Identify,
        cands.iter().map(|c| c.id.as_str().to_string()).collect(),
        Some(match cands.first() {
            Some(c) => format!("top {} (fused FMR {})", c.id.as_str(), fmt_fmr(c.fused_fmr)),
            None => "no candidate".to_string(),
        }),
    )?;
    println!(
        "{} candidates in {ms:.1} ms over {} subjects",
        cands.len(),
        g.len()
    );
    for (rank, c) in cands.iter().enumerate() {
        let fingers: Vec<String> = c
            .fingers
            .iter()
            .map(|f| {
                format!(
                    "finger{} {:.1} (FMR {})",
                    f.probe_finger,
                    f.score,
                    fmt_fmr(f.fmr)
                )
            })
            .collect();
        let face = c
            .face
            .as_ref()
            .map(|f| format!(" face {:.3} (FMR {})", f.score, fmt_fmr(f.fmr)))
            .unwrap_or_default();
        println!(
            "{:>3}. {:<24} fused {:.2} (FMR {})  {}{}",
            rank + 1,
            c.id.as_str(),
            c.fused_score,
            fmt_fmr(c.fused_fmr),
            fingers.join(", "),
            face
        );
        if let Some(r) = &c.record {
            println!("     {}", crate::watchlist_cmd::describe(r));
        }
    }
    Ok(())
}

pub(crate) fn fmt_fmr(f: Option<f64>) -> String {
    f.map(|f| format!("{f:.1e}"))
        .unwrap_or_else(|| "n/a".into())
}

// ---------------------------------------------------------------------------------------
// Evaluation and benchmark over FVC fingers and synthetic distractors

fn datasets_dir(arg: &Option<PathBuf>) -> PathBuf {
    arg.clone()
        .or_else(|| std::env::var_os("BIOMATCH_DATASETS").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("../shared/datasets"))
}

/// The FVC fingers of iso-secugen: every view, grouped by finger (8 DBs x 10 fingers).
fn fvc_fingers(datasets: &Path) -> anyhow::Result<Vec<Vec<FingerView>>> {
    let root = datasets.join("iso-secugen");
    let views = read_template_dir(&root)
        .with_context(|| format!("iso-secugen templates under {}", root.display()))?;
    let mut by_finger: std::collections::BTreeMap<String, Vec<(u32, FingerView)>> =
        Default::default();
    for v in views {
        by_finger
            .entry(v.finger)
            .or_default()
            .push((v.impression, v.view));
    }
    Ok(by_finger
        .into_values()
        .map(|mut v| {
            v.sort_by_key(|x| x.0);
            v.into_iter().map(|x| x.1).collect()
        })
        .collect())
}

/// Builds a gallery of `n` fingers: `mates` (one subject each, ids `mate-i`) plus synthetic
/// distractors (`synth-i`).
fn build_benchmark_gallery(
    model: &SynthModel,
    mates: &[&FingerView],
    n: usize,
) -> anyhow::Result<(Gallery, f64)> {
    use rayon::prelude::*;
    let t = Instant::now();
    let g = Gallery::new(GalleryConfig::new("none", 128));
    let mut subjects: Vec<Subject> = mates
        .iter()
        .enumerate()
        .map(|(i, v)| {
            Subject::new(SubjectId::new(&format!("mate-{i}")).expect("id"))
                .with_finger((*v).clone())
        })
        .collect();
    let distractors = n.saturating_sub(subjects.len());
    subjects.par_extend((0..distractors).into_par_iter().map(|i| {
        Subject::new(SubjectId::new(&format!("synth-{i}")).expect("id"))
            .with_finger(model.generate(0x5EED, i as u64))
    }));
    g.enrol_many(subjects)?;
    Ok((g, t.elapsed().as_secs_f64()))
}

/// CPU seconds used by this process so far (user + system, from /proc; NaN elsewhere).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        f.get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; the
    // kernel's USER_HZ is 100 on every Linux platform.
    (ticks(11) + ticks(12)) / 100.0
}

fn rss_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let get = |k: &str| {
        status
            .lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(f64::NAN)
    };
    (get("VmRSS:"), get("VmHWM:"))
}

/// Arguments of `bench gallery-load`.
#[derive(clap::Args)]
pub struct LoadBenchArgs {
    /// Gallery size in fingers (real mates plus synthetic distractors).
    #[arg(long, default_value_t = 100_000)]
    n: usize,
    /// Loads of each kind (plain, encrypted), alternated; medians reported.
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// Worker threads.
    #[arg(long)]
    threads: Option<usize>,
    /// Folder for the two gallery files (default: the system's temporary folder); they are
    /// removed afterwards.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Datasets folder (default: BIOMATCH_DATASETS or ../shared/datasets).
    #[arg(long)]
    datasets: Option<PathBuf>,
    /// Write the results as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// `bench gallery-load`: the same gallery saved plain and encrypted, each loaded `repeats`
/// times in alternation (plain, encrypted, encrypted, plain, ...), medians and their ratio.
pub fn run_load_bench(a: LoadBenchArgs) -> anyhow::Result<()> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.threads.unwrap_or(0))
        .build()?;
    pool.install(|| load_bench(&a))
}

fn load_bench(a: &LoadBenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(a.repeats >= 1, "--repeats must be at least 1");
    let fingers = fvc_fingers(&datasets_dir(&a.datasets))?;
    let all: Vec<FingerView> = fingers.iter().flatten().cloned().collect();
    let model = SynthModel::fit(&all)?;
    let mates: Vec<&FingerView> = fingers.iter().filter_map(|f| f.first()).collect();
    let (g, build_s) = build_benchmark_gallery(&model, &mates, a.n)?;
    let dir = tempfile::Builder::new()
        .prefix("biomatch-load-bench")
        .tempdir_in(a.dir.clone().unwrap_or_else(std::env::temp_dir))?;
    let (plain, sealed) = (
        dir.path().join("plain.bmg"),
        dir.path().join("encrypted.bmg"),
    );
    let key = biomatch::gallery::GalleryKey::generate()?;
    let t = Instant::now();
    g.save(&plain)?;
    let save_plain_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    g.save_encrypted(&sealed, &key)?;
    let save_sealed_s = t.elapsed().as_secs_f64();
    let fingers_n = g.finger_count();
    drop(g);
    let limits = biomatch::LoadLimits::default();
    let (mut tp, mut te) = (Vec::new(), Vec::new());
    for r in 0..a.repeats {
        for encrypted in if r % 2 == 0 {
            [false, true]
        } else {
            [true, false]
        } {
            let t = Instant::now();
            let g = if encrypted {
                Gallery::load_encrypted(&sealed, &key, &limits)?
            } else {
                Gallery::load(&plain)?
            };
            let s = t.elapsed().as_secs_f64();
            anyhow::ensure!(g.finger_count() == fingers_n, "loaded a different gallery");
            drop(g);
            if encrypted { te.push(s) } else { tp.push(s) }
        }
    }
    let (mp, me) = (median(&mut tp.clone()), median(&mut te.clone()));
    let bytes = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let json = serde_json::json!({
        "gallery_fingers": fingers_n,
        "threads": rayon::current_num_threads(),
        "file_bytes_plain": bytes(&plain),
        "file_bytes_encrypted": bytes(&sealed),
        "build_s": build_s,
        "save_plain_s": save_plain_s,
        "save_encrypted_s": save_sealed_s,
        "load_plain_s": tp,
        "load_encrypted_s": te,
        "median_load_plain_s": mp,
        "median_load_encrypted_s": me,
        "encrypted_over_plain": me / mp,
    });
    println!(
        "gallery {fingers_n} fingers, {} threads, files {:.0} MB: load plain {mp:.2} s, \
         encrypted {me:.2} s (medians of {}; ratio {:.3}); save plain {save_plain_s:.2} s, \
         encrypted {save_sealed_s:.2} s",
        rayon::current_num_threads(),
        bytes(&plain) as f64 / 1e6,
        a.repeats,
        me / mp
    );
    if let Some(p) = &a.json {
        std::fs::write(p, serde_json::to_string_pretty(&json)?)?;
    }
    Ok(())
}

pub fn run_bench(a: BenchArgs) -> anyhow::Result<()> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.threads.unwrap_or(0))
        .build()?;
    pool.install(|| bench(&a))
}

fn bench(a: &BenchArgs) -> anyhow::Result<()> {
    let fingers = fvc_fingers(&datasets_dir(&a.datasets))?;
    let all: Vec<FingerView> = fingers.iter().flatten().cloned().collect();
    let model = SynthModel::fit(&all)?;
    let mates: Vec<&FingerView> = fingers.iter().filter_map(|f| f.first()).collect();
    let (g, build_s) = build_benchmark_gallery(&model, &mates, a.n)?;
    let (rss_built, _) = rss_mib();
    let modes: Vec<(SearchMode, Option<usize>)> = if a.exhaustive {
        vec![(SearchMode::Exhaustive, None)]
    } else {
        a.shortlist
            .iter()
            .map(|&shortlist| (SearchMode::Fast { shortlist }, Some(shortlist)))
            .collect()
    };
    let mut reports = Vec::new();
    for (mode, shortlist) in modes {
        let report = bench_mode(a, &fingers, &g, mode)?;
        let (rss, hwm) = rss_mib();
        let threads = rayon::current_num_threads();
        let (median, median_cpu) = (report.median_s, report.median_cpu_s);
        let json = serde_json::json!({
            "gallery_size": g.finger_count(),
            "threads": threads,
            "mode": if a.exhaustive { "exhaustive" } else { "fast" },
            "shortlist": shortlist,
            "probes": report.times.len(),
            "ms_per_search": median * 1e3,
            "ms_per_search_all": report.times.iter().map(|t| t * 1e3).collect::<Vec<_>>(),
            "matches_per_s": g.finger_count() as f64 / median,
            "cpu_ms_per_search": median_cpu * 1e3,
            "cpu_ms_per_search_per_thread": median_cpu * 1e3 / threads as f64,
            "load_average_1min": std::fs::read_to_string("/proc/loadavg").ok()
                .and_then(|l| l.split_whitespace().next().and_then(|v| v.parse::<f64>().ok())),
            "rank1_hits": report.hits,
            "build_s": build_s,
            "rss_mib_after_build": rss_built,
            "prepared_mib": g.prepared_finger_bytes() as f64 / (1 << 20) as f64,
            "rss_mib": rss,
            "peak_rss_mib": hwm,
            "synth_min_spacing_px": model.min_spacing(),
        });
        println!(
            "gallery {} fingers, {} threads, {}{}: {:.1} ms per search (median of {}), {:.0} \
             matches/s, rank-1 {}/{}; CPU {:.1} ms per search ({:.1} ms per thread if \
             unshared); build {:.1} s, RSS {:.0} MiB (peak {:.0}; prepared fingers {:.0} MiB)",
            g.finger_count(),
            threads,
            json["mode"].as_str().unwrap_or(""),
            shortlist
                .map(|s| format!(" (shortlist {s})"))
                .unwrap_or_default(),
            median * 1e3,
            report.times.len(),
            g.finger_count() as f64 / median,
            report.hits,
            report.times.len(),
            median_cpu * 1e3,
            median_cpu * 1e3 / threads as f64,
            build_s,
            rss,
            hwm,
            g.prepared_finger_bytes() as f64 / (1 << 20) as f64
        );
        reports.push(json);
    }
    if let Some(p) = &a.json {
        let out = match <[serde_json::Value; 1]>::try_from(reports) {
            Ok([one]) => one,
            Err(many) => serde_json::Value::Array(many),
        };
        std::fs::write(p, serde_json::to_string_pretty(&out)?)?;
    }
    Ok(())
}

/// Timings of one search mode over the benchmark's probes.
struct BenchReport {
    times: Vec<f64>,
    median_s: f64,
    median_cpu_s: f64,
    hits: usize,
}

fn bench_mode(
    a: &BenchArgs,
    fingers: &[Vec<FingerView>],
    g: &Gallery,
    mode: SearchMode,
) -> anyhow::Result<BenchReport> {
    let opts = SearchOptions {
        top_k: 10,
        mode,
        ..Default::default()
    };
    // Probes: the second impression of fingers spread over the databases.
    let step = (fingers.len() / a.probes.max(1)).max(1);
    // One untimed search first: the first pass over a freshly built gallery pays for memory
    // the build left cold, which a gallery in service does not.
    if let Some(view) = fingers.iter().find_map(|f| f.get(1)) {
        let probe = Probe {
            face: None,
            fingers: vec![view.clone()],
        };
        g.search(&probe, &opts)?;
    }
    let mut times = Vec::new();
    let mut cpu = Vec::new();
    let mut hits = 0;
    for (k, f) in fingers.iter().enumerate().step_by(step).take(a.probes) {
        let Some(view) = f.get(1) else { continue };
        let probe = Probe {
            face: None,
            fingers: vec![view.clone()],
        };
        let (t, c0) = (Instant::now(), cpu_seconds());
        let c = g.search(&probe, &opts)?;
        times.push(t.elapsed().as_secs_f64());
        cpu.push(cpu_seconds() - c0);
        if c.first()
            .is_some_and(|c| c.id.as_str() == format!("mate-{k}"))
        {
            hits += 1;
        }
    }
    if times.is_empty() {
        bail!("no probe with a second impression");
    }
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    Ok(BenchReport {
        median_s: sorted[sorted.len() / 2],
        median_cpu_s: cpu[cpu.len() / 2],
        times,
        hits,
    })
}

/// Outcome of one identification search.
struct Outcome {
    /// Mated search: rank (1-based) and score of the mate if it is listed.
    mate: Option<(usize, f64)>,
    /// Best score listed (for non-mated searches).
    top: f64,
    /// Mated search: the mate's exact score (a 1:1 comparison, listed or not).
    mate_score: Option<f64>,
    /// Best score listed for anyone but the mate.
    best_other: f64,
}

fn run_searches(
    g: &Gallery,
    probes: &[(Option<String>, &FingerView)],
    mode: SearchMode,
) -> anyhow::Result<(Vec<Outcome>, f64)> {
    let opts = SearchOptions {
        top_k: 20,
        mode,
        ..Default::default()
    };
    let t = Instant::now();
    let mut out = Vec::new();
    for (mate, view) in probes {
        let probe = Probe {
            face: None,
            fingers: vec![(*view).clone()],
        };
        let c = g.search(&probe, &opts)?;
        let mate_score = match mate {
            Some(m) => Some(g.verify(&SubjectId::new(m)?, &probe)?.fused_score),
            None => None,
        };
        let best_other = c
            .iter()
            .find(|c| Some(c.id.as_str()) != mate.as_deref())
            .map(|c| c.fused_score)
            .unwrap_or(f64::NEG_INFINITY);
        let mate = mate.as_ref().and_then(|m| {
            c.iter()
                .position(|c| c.id.as_str() == m)
                .map(|r| (r + 1, c[r].fused_score))
        });
        out.push(Outcome {
            mate,
            top: c
                .first()
                .map(|c| c.fused_score)
                .unwrap_or(f64::NEG_INFINITY),
            mate_score,
            best_other,
        });
    }
    Ok((out, t.elapsed().as_secs_f64() / probes.len().max(1) as f64))
}

/// FNIR at a target FPIR: the threshold lets at most `fpir` of the non-mated searches list
/// anyone; a mated search fails when its mate is not listed at or above the threshold.
fn fnir_at(mated: &[&Outcome], nonmated: &[&Outcome], fpir: f64) -> (f64, f64) {
    let tops: Vec<f64> = nonmated
        .iter()
        .map(|o| o.top)
        .filter(|t| t.is_finite())
        .collect();
    let threshold = Calibration::from_impostor_scores(&tops)
        .and_then(|c| c.threshold_for_fmr(fpir))
        .unwrap_or(f64::NEG_INFINITY);
    let misses = mated
        .iter()
        .filter(|o| !o.mate.is_some_and(|(_, s)| s >= threshold))
        .count();
    (misses as f64 / mated.len().max(1) as f64, threshold)
}

fn summarise(outcomes: &[Outcome], mated_count: usize) -> serde_json::Value {
    let (mated, nonmated) = outcomes.split_at(mated_count);
    let mated: Vec<&Outcome> = mated.iter().collect();
    let nonmated: Vec<&Outcome> = nonmated.iter().collect();
    let rank1 = mated
        .iter()
        .filter(|o| o.mate.is_some_and(|(r, _)| r == 1))
        .count() as f64
        / mated.len().max(1) as f64;
    let (f2, t2) = fnir_at(&mated, &nonmated, 1e-2);
    let (f3, t3) = fnir_at(&mated, &nonmated, 1e-3);
    // Exhaustive search ranks a mate first only if its exact score beats every other
    // finger of the gallery, in particular every one this search listed: so the share of
    // mates scoring at least the best listed non-mate bounds exhaustive rank-1 from above
    // (exact for an exhaustive search; a bound for a fast one, at the cost of one 1:1
    // comparison per mated search).
    let bound = mated
        .iter()
        .filter(|o| o.mate_score.is_some_and(|s| s >= o.best_other))
        .count() as f64
        / mated.len().max(1) as f64;
    serde_json::json!({
        "rank1_hit_rate": rank1,
        "exhaustive_rank1_upper_bound": bound,
        "fnir_at_fpir_1e-2": f2, "threshold_1e-2": t2,
        "fnir_at_fpir_1e-3": f3, "threshold_1e-3": t3,
        "mated_searches": mated.len(), "nonmated_searches": nonmated.len(),
    })
}

/// First-stage recall for each shortlist size of `ks`: the share of mated searches whose mate
/// is among that many first-stage candidates (one first-stage pass per search, at the
/// largest size, as the shortlist comes best first).
fn first_stage_recall(
    g: &Gallery,
    mated: &[(Option<String>, &FingerView)],
    ks: &[usize],
) -> Vec<f64> {
    let kmax = ks.iter().copied().max().unwrap_or(1);
    let ranks: Vec<Option<usize>> = mated
        .iter()
        .map(|(m, v)| {
            g.first_stage_shortlist(v, kmax)
                .ok()
                .and_then(|ids| ids.iter().position(|id| Some(id.as_str()) == m.as_deref()))
        })
        .collect();
    ks.iter()
        .map(|&k| {
            ranks.iter().filter(|r| r.is_some_and(|r| r < k)).count() as f64
                / mated.len().max(1) as f64
        })
        .collect()
}

fn eval_identify(a: EvalArgs) -> anyhow::Result<()> {
    let fingers = fvc_fingers(&datasets_dir(&a.datasets))?;
    let all: Vec<FingerView> = fingers.iter().flatten().cloned().collect();
    let model = SynthModel::fit(&all)?;
    // Even fingers are enrolled (first impression) and searched with their other
    // impressions; odd fingers are never enrolled and give the non-mated searches.
    let enrolled: Vec<&Vec<FingerView>> = fingers.iter().step_by(2).collect();
    let mates: Vec<&FingerView> = enrolled.iter().filter_map(|f| f.first()).collect();
    let step = a.probe_step.max(1);
    let mut probes: Vec<(Option<String>, &FingerView)> = enrolled
        .iter()
        .enumerate()
        .flat_map(|(i, f)| {
            f.iter()
                .skip(1)
                .map(move |v| (Some(format!("mate-{i}")), v))
        })
        .step_by(step)
        .collect();
    let mated_count = probes.len();
    probes.extend(
        fingers
            .iter()
            .skip(1)
            .step_by(2)
            .flat_map(|f| f.iter().map(|v| (None, v)))
            .step_by(step),
    );
    let mut results = Vec::new();
    for &n in &a.n {
        let (g, build_s) = build_benchmark_gallery(&model, &mates, n)?;
        if a.exhaustive_mated_only {
            let t = Instant::now();
            let mut hits = 0;
            for (i, p) in probes[..mated_count].iter().enumerate() {
                let (o, _) = run_searches(&g, std::slice::from_ref(p), SearchMode::Exhaustive)?;
                let rank = o[0].mate.map(|(r, _)| r);
                hits += usize::from(rank == Some(1));
                eprintln!(
                    "mated search {i}: exhaustive mate rank {rank:?}, mate score {:?}, best \
                     non-mate {:.4}; rank-1 so far {hits}/{} ({:.0} s)",
                    o[0].mate_score,
                    o[0].best_other,
                    i + 1,
                    t.elapsed().as_secs_f64()
                );
            }
            let row = serde_json::json!({
                "gallery_size": g.finger_count(),
                "build_s": build_s,
                "exhaustive_rank1_mated": hits as f64 / mated_count.max(1) as f64,
                "mated_searches": mated_count,
                "exhaustive_ms_per_search": t.elapsed().as_secs_f64() * 1e3 / mated_count.max(1) as f64,
            });
            println!("{}", serde_json::to_string(&row)?);
            results.push(row);
            continue;
        }
        if !a.recall_only.is_empty() {
            let recalls: Vec<String> =
                first_stage_recall(&g, &probes[..mated_count], &a.recall_only)
                    .iter()
                    .zip(&a.recall_only)
                    .map(|(r, k)| format!("{k}: {r:.3}"))
                    .collect();
            println!(
                "n {n}: first-stage recall by shortlist {}",
                recalls.join(", ")
            );
            // The mated searches a fast search with `--shortlist` may lose: mate outside the
            // shortlist but scoring at least every listed non-mate. Their first-stage ranks
            // say how large a shortlist would keep them.
            let kmax = a.recall_only.iter().copied().max().unwrap_or(1);
            // A check on the distractors: the other real enrolled fingers are non-mates too,
            // so if real and synthetic fingers were alike to the first stage they would sit
            // halfway down its ranking on average; much higher means the first stage tells
            // real fingers from synthetic ones, and its recall against these distractors
            // would flatter it. (Real non-mates not listed in the best `kmax` count as
            // ranked at `kmax`.)
            let mut real_nonmate_ranks = Vec::new();
            for (m, v) in &probes[..mated_count] {
                let ids = g.first_stage_shortlist(v, kmax)?;
                let listed: std::collections::HashMap<&str, usize> = ids
                    .iter()
                    .enumerate()
                    .filter(|(_, id)| id.as_str().starts_with("mate-"))
                    .map(|(r, id)| (id.as_str(), r))
                    .collect();
                for k in 0..mates.len() {
                    let id = format!("mate-{k}");
                    if Some(id.as_str()) == m.as_deref() {
                        continue;
                    }
                    let r = listed.get(id.as_str()).copied().unwrap_or(kmax);
                    real_nonmate_ranks.push(r as f64 / g.finger_count() as f64);
                }
            }
            real_nonmate_ranks.sort_by(f64::total_cmp);
            if !real_nonmate_ranks.is_empty() {
                println!(
                    "n {n}: real non-mate fingers' first-stage rank as a fraction of the \
                     gallery: mean {:.3}, quartiles {:.3} / {:.3} / {:.3} (0.5 / 0.25 / 0.5 / \
                     0.75 if the first stage does not favour real fingers)",
                    real_nonmate_ranks.iter().sum::<f64>() / real_nonmate_ranks.len() as f64,
                    real_nonmate_ranks[real_nonmate_ranks.len() / 4],
                    real_nonmate_ranks[real_nonmate_ranks.len() / 2],
                    real_nonmate_ranks[real_nonmate_ranks.len() * 3 / 4],
                );
            }
            for (i, (m, v)) in probes[..mated_count].iter().enumerate() {
                let ids = g.first_stage_shortlist(v, kmax)?;
                let rank = ids.iter().position(|id| Some(id.as_str()) == m.as_deref());
                if rank.is_some_and(|r| r < a.shortlist) {
                    continue;
                }
                let (o, _) = run_searches(
                    &g,
                    &[(m.clone(), *v)],
                    SearchMode::Fast {
                        shortlist: a.shortlist,
                    },
                )?;
                let o = &o[0];
                println!(
                    "mated search {i}: first-stage rank {rank:?}, mate score {:?}, best listed \
                     non-mate {:.4}{}",
                    o.mate_score,
                    o.best_other,
                    if o.mate_score.is_some_and(|s| s >= o.best_other) {
                        " (may be lost)"
                    } else {
                        ""
                    }
                );
            }
            continue;
        }
        // First-stage recall: is the mate among the shortlisted subjects?
        let recall = if a.shortlist < g.finger_count() {
            first_stage_recall(&g, &probes[..mated_count], &[a.shortlist])[0]
        } else {
            1.0 // no first stage: the search is exhaustive
        };
        let (fast, fast_s) = run_searches(
            &g,
            &probes,
            SearchMode::Fast {
                shortlist: a.shortlist,
            },
        )?;
        let mut row = serde_json::json!({
            "gallery_size": g.finger_count(),
            "build_s": build_s,
            "first_stage_recall": recall,
            "fast": summarise(&fast, mated_count),
            "fast_ms_per_search": fast_s * 1e3,
        });
        if n > a.exhaustive_max {
            // Exhaustive rank-1 without the exhaustive search of every probe: a mate that
            // exhaustive search ranks first beats every finger the fast search listed, so only
            // the mated searches where the fast path missed such a mate can be exhaustive hits
            // that the fast path lost. Searching just those exhaustively bounds exhaustive
            // rank-1 from above by (fast hits + those it ranks first) / mated searches; fast
            // hits that a distractor outside the shortlist would beat only lower it further.
            let unsure: Vec<(Option<String>, &FingerView)> = fast[..mated_count]
                .iter()
                .zip(&probes)
                .filter(|(o, _)| {
                    o.mate_score.is_some_and(|s| s >= o.best_other)
                        && o.mate.is_none_or(|(r, _)| r != 1)
                })
                .map(|(_, p)| p.clone())
                .collect();
            let (checked, _) = run_searches(&g, &unsure, SearchMode::Exhaustive)?;
            let recovered = checked
                .iter()
                .filter(|o| o.mate.is_some_and(|(r, _)| r == 1))
                .count();
            let fast_hits = fast[..mated_count]
                .iter()
                .filter(|o| o.mate.is_some_and(|(r, _)| r == 1))
                .count();
            row["exhaustive_rank1_at_most"] =
                ((fast_hits + recovered) as f64 / mated_count.max(1) as f64).into();
            row["fast_misses_checked_exhaustively"] = unsure.len().into();
            row["of_which_exhaustive_rank1"] = recovered.into();
        }
        if n <= a.exhaustive_max {
            let (ex, ex_s) = run_searches(&g, &probes, SearchMode::Exhaustive)?;
            let same_top = fast
                .iter()
                .zip(&ex)
                .filter(|(f, e)| f.top == e.top && f.mate.map(|m| m.0) == e.mate.map(|m| m.0))
                .count();
            row["exhaustive"] = summarise(&ex, mated_count);
            row["exhaustive_ms_per_search"] = (ex_s * 1e3).into();
            row["searches_identical_top_and_mate_rank"] = same_top.into();
        }
        println!("{}", serde_json::to_string(&row)?);
        results.push(row);
    }
    if let Some(p) = &a.json {
        std::fs::write(
            p,
            serde_json::to_string_pretty(&serde_json::json!({
                "shortlist": a.shortlist,
                "protocol": "iso-secugen FVC2002+2004 DB1-4_B: 40 even fingers enrolled (impression 1), \
                             mated searches = their impressions 2-8, non-mated = all 8 impressions of \
                             the 40 odd fingers; distractors from SynthModel fitted on all 640 views",
                "results": results,
            }))?,
        )?;
    }
    Ok(())
}

fn import(a: ImportArgs) -> anyhow::Result<()> {
    use biomatch::finger::extract::{ExtractParams, extract_with_quality};
    use biomatch::finger::formats::an2k;
    use biomatch::finger::formats::{Mode, ReadOptions};

    let g = if a.gallery.exists() {
        a.key.load_logged(&a.gallery, &a.audit)?
    } else {
        Gallery::new(GalleryConfig::new(&a.face_model, a.face_dim))
    };
    let (id_type, id_number) = a
        .id_field
        .split_once('.')
        .and_then(|(t, n)| Some((t.parse::<u32>().ok()?, n.parse::<u32>().ok()?)))
        .with_context(|| format!("--id-field {:?} is not T.NNN", a.id_field))?;
    for path in &a.transactions {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let d = an2k::read(&bytes, Mode::Lenient)
            .with_context(|| format!("reading {}", path.display()))?;
        for w in &d.warnings {
            eprintln!("warning: {}: {w}", path.display());
        }
        let t = d.transaction;
        let id = t
            .records
            .iter()
            .filter_map(|r| r.as_tagged())
            .find(|r| r.record_type == id_type)
            .and_then(|r| r.field(id_number))
            .map(|f| f.text())
            .filter(|s| !s.is_empty())
            .with_context(|| format!("{}: no field {} for the id", path.display(), a.id_field))?;
        let mut subject = Subject::new(SubjectId::new(&id)?);
        let mut source = "Type-9 minutiae";
        let views = if t.records.iter().any(|r| r.record_type() == 9) {
            t.finger_template(&ReadOptions::default())?.template.views
        } else {
            source = "finger images through the extractor";
            let mut views = Vec::new();
            for img in t.images() {
                if !matches!(img.record_type, 3..=6 | 13 | 14) {
                    continue;
                }
                let raster = t.decode_image(img.record)?;
                let (mut view, quality) = extract_with_quality(&raster, &ExtractParams::default())?;
                let position = img.positions.first().copied().unwrap_or(0);
                if let Some(min) = a.min_quality {
                    biomatch::finger::quality::require(&quality, min).with_context(|| {
                        format!(
                            "{}: finger position {position} (record {}) refused",
                            path.display(),
                            img.record
                        )
                    })?;
                }
                view.finger_position = biomatch::finger::FingerPosition(position as u8);
                views.push(view);
            }
            views
        };
        let fingers = views.len();
        for v in views {
            subject = subject.with_finger(v);
        }
        let sidecar = path.with_extension("npy");
        let face = sidecar.exists();
        if face {
            let m = biomatch::face::npy::read_f32_matrix(&sidecar)?;
            anyhow::ensure!(m.rows >= 1, "{}: no embedding row", sidecar.display());
            subject = subject.with_face(FaceTemplate::new(&a.face_model, m.row(0))?);
        }
        let id = SubjectId::new(&id)?;
        let action = if g.contains(&id) {
            g.replace(subject)?;
            biomatch::audit::AuditAction::Replace
        } else {
            g.enrol(subject)?;
            biomatch::audit::AuditAction::Enrol
        };
        a.audit
            .record(action, vec![id.as_str().to_string()], None)?;
        println!(
            "{}: subject {id}, {fingers} finger(s) from {source}{}",
            path.display(),
            if face { ", face from the sidecar" } else { "" }
        );
    }
    if let Some(file) = &a.records {
        crate::watchlist_cmd::set_records_logged(&g, file, &a.audit)?;
    }
    a.key.save_logged(&g, &a.gallery, &a.audit)?;
    Ok(())
}
