//! `biomatch eval verify`: 1:1 fingerprint verification accuracy over FVC-named folders.
//!
//! Per database: genuine and impostor counts, the FVC EER with its bracket, FMR100, FMR1000,
//! ZeroFMR and comparisons per second, then the mean over databases. Optional outputs: a JSON
//! summary, every score as CSV, and a DET plot as SVG.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use biomatch::calibration::Calibration;
use biomatch::eval::dataset::{Dataset, ImageLoader, SampleKind};
use biomatch::eval::scoring::{Scores, score_pairs};
use biomatch::eval::{
    DetSeries, PairList, Perturbation, Protocol, VerificationCurve, VerificationSummary, det_svg,
};
use biomatch::finger::extract::ExtractParams;
use biomatch::finger::formats::{Format, write};
use biomatch::finger::image::encode_png;
use biomatch::finger::matcher::{Matcher, MatcherParams};
use biomatch::finger::template::{FingerTemplate, FingerView};
use serde::Serialize;

/// Which comparisons to run.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum ProtocolArg {
    /// Genuine: every same-finger pair; impostor: every pair of different fingers.
    AllPairs,
    /// Genuine as all-pairs; impostor only between first impressions (FVC B protocol).
    Fvc,
}

/// Arguments.
#[derive(clap::Args)]
pub struct Args {
    /// Database folders of FVC-named files NNN_M.ext; `@PPI` gives an image folder's
    /// resolution (templates carry their own).
    #[arg(required = true, value_name = "DIR[@PPI]")]
    dirs: Vec<String>,
    /// Comparison protocol.
    #[arg(long, value_enum, default_value = "all-pairs")]
    protocol: ProtocolArg,
    /// Write the per-database figures as JSON (rates as fractions).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write every score as CSV (database,kind,probe,candidate,score).
    #[arg(long, value_name = "FILE.csv")]
    scores: Option<PathBuf>,
    /// Draw the DET curves (FNMR against FMR, log axes) as SVG, one line per database.
    #[arg(long, value_name = "FILE.svg")]
    det: Option<PathBuf>,
    /// Write a score calibration (JSON) built from every impostor score of this run, for
    /// `biomatch match --calibration` and the library's `Calibration::from_json`.
    #[arg(long, value_name = "FILE.json")]
    calibration: Option<PathBuf>,
    /// Worker threads for scoring (0 = all cores). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Robustness suite: run every image folder through these seeded transformations
    /// (comma-separated names, or `all`): none, crop, frame, gamma-0.6, gamma-1.6,
    /// low-contrast, blur-noise, scale-0.9, scale-1.1, fill. One row per transformation
    /// and database.
    #[arg(long, value_name = "NAME[,NAME...]", value_delimiter = ',')]
    perturb: Vec<String>,
    /// Seed of the transformations (each file derives its own from it).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Extractor constants to use instead of the defaults (JSON; missing fields keep their
    /// default values), for tuning runs.
    #[arg(long, value_name = "FILE.json")]
    extract_params: Option<PathBuf>,
    /// Also write every transformed image as PNG into DIR/TRANSFORMATION/DATABASE/, with a
    /// `ppi.txt` per folder, to run other extractors (NIST MINDTCT) on the same images.
    #[arg(long, value_name = "DIR")]
    write_images: Option<PathBuf>,
    /// Matcher constants to use instead of the defaults (JSON; missing fields keep their
    /// default values), for tuning runs.
    #[arg(long, value_name = "FILE.json")]
    matcher_params: Option<PathBuf>,
    /// Also write every image folder's extracted minutiae as ISO/IEC 19794-2:2005 templates
    /// into DIR/TRANSFORMATION/DATABASE/NNN_M.iso, so that matcher tuning runs can score the
    /// same minutiae without extracting again.
    #[arg(long, value_name = "DIR")]
    write_templates: Option<PathBuf>,
}

/// A folder argument: the folder and, for images, their resolution.
#[derive(Debug, PartialEq)]
pub(crate) struct FolderSpec {
    pub(crate) dir: PathBuf,
    pub(crate) ppi: Option<f32>,
}

pub(crate) fn parse_folder(spec: &str) -> anyhow::Result<FolderSpec> {
    if Path::new(spec).exists() {
        return Ok(FolderSpec {
            dir: PathBuf::from(spec),
            ppi: None,
        });
    }
    match spec.rsplit_once('@') {
        Some((dir, ppi)) => {
            let ppi: f32 = ppi
                .parse()
                .ok()
                .filter(|p: &f32| p.is_finite() && *p >= 50.0 && *p <= 10_000.0)
                .with_context(|| {
                    format!("{spec}: resolution after '@' must be pixels per inch, 50 to 10000")
                })?;
            Ok(FolderSpec {
                dir: PathBuf::from(dir),
                ppi: Some(ppi),
            })
        }
        None => Ok(FolderSpec {
            dir: PathBuf::from(spec),
            ppi: None,
        }),
    }
}

/// A short name for a folder: its last two path components ("fvc2002/DB1_B").
pub(crate) fn database_name(dir: &Path) -> String {
    let parts: Vec<_> = dir
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    match parts.len() {
        0 => dir.display().to_string(),
        1 => parts[0].clone(),
        n => format!("{}/{}", parts[n - 2], parts[n - 1]),
    }
}

/// One database's results.
struct DbResult {
    name: String,
    /// The robustness transformation applied to its images (`none` for templates).
    perturbation: Perturbation,
    dataset: Dataset,
    pairs: PairList,
    scores: Scores,
    curve: VerificationCurve,
    summary: VerificationSummary,
    scoring_time: Duration,
    /// Extraction time per image in ms (image folders only).
    extract_ms: Option<Vec<f64>>,
}

#[derive(Serialize)]
struct JsonDb<'a> {
    name: &'a str,
    perturbation: &'a str,
    genuine_errors: usize,
    genuine: usize,
    impostor: usize,
    eer: f64,
    eer_low: f64,
    eer_high: f64,
    fmr100: f64,
    fmr1000: f64,
    zero_fmr: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    extract_ms_median: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    extract_ms_mean: Option<f64>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    databases: Vec<JsonDb<'a>>,
    mean_eer: f64,
}

/// A progress bar on stderr (indicatif draws it only when stderr is a terminal).
fn progress_bar(label: &str, total: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total as u64).with_prefix(label.to_string());
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{prefix} [{bar:30}] {percent:>3}% {pos}/{len} comparisons, ETA {eta}",
    ) {
        bar.set_style(style.progress_chars("#."));
    }
    bar
}

/// How one folder is evaluated.
struct RunSetup<'a> {
    protocol: Protocol,
    matcher: &'a Matcher,
    params: &'a ExtractParams,
    perturbation: Perturbation,
    seed: u64,
    write_images: Option<&'a Path>,
    write_templates: Option<&'a Path>,
}

fn evaluate(spec: &FolderSpec, setup: &RunSetup) -> anyhow::Result<DbResult> {
    let (protocol, matcher) = (setup.protocol, setup.matcher);
    let dataset = Dataset::open(&spec.dir, spec.ppi)?;
    if dataset.kind == SampleKind::Template && spec.ppi.is_some() {
        eprintln!(
            "note: {} holds templates, which carry their own resolution; @PPI ignored",
            spec.dir.display()
        );
    }
    let (views, extract_ms) = match dataset.kind {
        SampleKind::Template => (dataset.load_default()?, None),
        SampleKind::Image => {
            let ppi = spec.ppi.with_context(|| {
                format!(
                    "{} holds images: give their resolution as DIR@PPI (for example DIR@500)",
                    spec.dir.display()
                )
            })?;
            let mut loader = ImageLoader::new(ppi);
            loader.params = setup.params.clone();
            loader.perturbation = (setup.perturbation, setup.seed);
            if let Some(root) = setup.write_images {
                write_transformed(root, spec, &dataset, &loader)?;
            }
            let views = dataset.load_views(&loader)?;
            if let Some(root) = setup.write_templates {
                write_templates(root, spec, &dataset, setup.perturbation, &views)?;
            }
            (views, Some(loader.extract_ms()))
        }
    };
    let ids: Vec<_> = dataset.files.iter().map(|f| f.id).collect();
    let pairs = PairList::new(&ids, protocol);
    if pairs.genuine.is_empty() || pairs.impostor.is_empty() {
        bail!(
            "{}: the protocol gives {} genuine and {} impostor comparisons; both are needed \
             (at least two fingers, one with two impressions)",
            spec.dir.display(),
            pairs.genuine.len(),
            pairs.impostor.len()
        );
    }
    let name = database_name(&spec.dir);
    let prepared: Vec<_> = views.iter().map(|v| matcher.prepare(v)).collect();
    let progress = progress_bar(&name, pairs.len());
    // Only the comparisons are timed: preparation is once per view, not per comparison.
    let start = Instant::now();
    let scratch = || matcher.scratch();
    let score = |a: &_, b: &_, s: &mut _| matcher.score(a, b, s);
    let genuine = score_pairs(&prepared, &pairs.genuine, scratch, score, &mut |done| {
        progress.set_position(done as u64)
    });
    let done = genuine.len();
    let impostor = score_pairs(&prepared, &pairs.impostor, scratch, score, &mut |n| {
        progress.set_position((done + n) as u64)
    });
    let scoring_time = start.elapsed();
    progress.finish_and_clear();
    let scores = Scores { genuine, impostor };
    let curve = VerificationCurve::new(&scores.genuine, &scores.impostor)?;
    let summary = curve.summary();
    Ok(DbResult {
        name,
        perturbation: setup.perturbation,
        dataset,
        pairs,
        scores,
        curve,
        summary,
        scoring_time,
        extract_ms,
    })
}

/// The transformations named on the command line (`none` alone when there are none).
fn parse_perturbations(names: &[String]) -> anyhow::Result<Vec<Perturbation>> {
    if names.is_empty() {
        return Ok(vec![Perturbation::None]);
    }
    let mut out = Vec::new();
    for name in names {
        if name == "all" {
            out.extend(Perturbation::ALL);
            continue;
        }
        let p = Perturbation::from_name(name).with_context(|| {
            let known: Vec<_> = Perturbation::ALL.iter().map(|p| p.name()).collect();
            format!(
                "unknown transformation {name:?}; known: {}, all",
                known.join(", ")
            )
        })?;
        out.push(p);
    }
    let mut seen = Vec::new();
    out.retain(|p| {
        let new = !seen.contains(p);
        seen.push(*p);
        new
    });
    Ok(out)
}

/// A row's name: the database, with its transformation when there is one.
fn row_name(r: &DbResult) -> String {
    match r.perturbation {
        Perturbation::None => r.name.clone(),
        p => format!("{} {}", r.name, p.name()),
    }
}

/// Genuine comparisons wrongly rejected at the EER: the EER times the genuine count,
/// rounded (one genuine pair of 280 is 0.36 points).
fn genuine_errors(r: &DbResult) -> usize {
    (r.summary.eer * r.summary.genuine as f64).round() as usize
}

/// Writes the transformed images of one folder as PNG into
/// ROOT/TRANSFORMATION/DATABASE, with the stated resolution in `ppi.txt`.
fn write_transformed(
    root: &Path,
    spec: &FolderSpec,
    dataset: &Dataset,
    loader: &ImageLoader,
) -> anyhow::Result<()> {
    let dir = root
        .join(loader.perturbation.0.name())
        .join(database_name(&spec.dir).replace('/', "_"));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let ppi = loader.ppi;
    std::fs::write(dir.join("ppi.txt"), format!("{ppi}\n"))?;
    use rayon::prelude::*;
    dataset.files.par_iter().try_for_each(|f| {
        let raster = loader.transformed(f)?;
        let png = encode_png(&raster)?;
        let name = format!("{:03}_{}.png", f.id.finger, f.id.impression);
        std::fs::write(dir.join(&name), png)
            .with_context(|| format!("cannot write {}", dir.join(&name).display()))
    })
}

/// Writes one folder's extracted views as ISO/IEC 19794-2:2005 templates into
/// ROOT/TRANSFORMATION/DATABASE (the database named as in the table, so that evaluating the
/// written folder gives rows of the same name).
fn write_templates(
    root: &Path,
    spec: &FolderSpec,
    dataset: &Dataset,
    perturbation: Perturbation,
    views: &[FingerView],
) -> anyhow::Result<()> {
    let dir = root
        .join(perturbation.name())
        .join(database_name(&spec.dir));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (f, view) in dataset.files.iter().zip(views) {
        let bytes = write(&FingerTemplate::single(view.clone()), Format::Iso2005)
            .with_context(|| format!("cannot encode the minutiae of {}", f.path.display()))?;
        let path = dir.join(format!("{:03}_{}.iso", f.id.finger, f.id.impression));
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

fn median_of(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn mean_of(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

fn pct(rate: f64) -> String {
    format!("{:.2}", 100.0 * rate)
}

fn print_table(results: &[DbResult], protocol: ProtocolArg, threads: usize) {
    let name_w = results
        .iter()
        .map(|r| row_name(r).len())
        .max()
        .unwrap_or(0)
        .max(8);
    println!(
        "protocol {}, {threads} thread(s); rates in %",
        match protocol {
            ProtocolArg::AllPairs => "all-pairs",
            ProtocolArg::Fvc => "fvc (impostors between first impressions)",
        }
    );
    println!(
        "{:<name_w$} {:>9} {:>8} {:>6} {:>15} {:>7} {:>8} {:>8} {:>10}",
        "database",
        "gen (err)",
        "impostor",
        "EER",
        "[low, high]",
        "FMR100",
        "FMR1000",
        "ZeroFMR",
        "cmp/s"
    );
    let row = |name: &str, g: String, i: String, s: &Summary, rate: f64| {
        println!(
            "{name:<name_w$} {g:>9} {i:>8} {:>6} {:>15} {:>7} {:>8} {:>8} {:>10.0}",
            pct(s.eer),
            format!("[{}, {}]", pct(s.eer_low), pct(s.eer_high)),
            pct(s.fmr100),
            pct(s.fmr1000),
            pct(s.zero_fmr),
            rate
        );
    };
    let mut total_cmp = 0usize;
    let mut total_time = 0.0f64;
    for r in results {
        let n = r.pairs.len();
        total_cmp += n;
        total_time += r.scoring_time.as_secs_f64();
        row(
            &row_name(r),
            format!("{} ({})", r.summary.genuine, genuine_errors(r)),
            r.summary.impostor.to_string(),
            &Summary::from(&r.summary),
            n as f64 / r.scoring_time.as_secs_f64().max(1e-9),
        );
    }
    let mut groups: Vec<Perturbation> = Vec::new();
    for r in results {
        if !groups.contains(&r.perturbation) {
            groups.push(r.perturbation);
        }
    }
    for p in &groups {
        let members: Vec<&DbResult> = results.iter().filter(|r| r.perturbation == *p).collect();
        if groups.len() > 1 {
            let errors: usize = members.iter().map(|r| genuine_errors(r)).sum();
            row(
                &format!("mean {}", p.name()),
                format!("({errors})"),
                String::new(),
                &Summary::mean(&members),
                f64::NAN,
            );
        }
    }
    let all: Vec<&DbResult> = results.iter().collect();
    let mean = Summary::mean(&all);
    row(
        "mean",
        format!("({})", results.iter().map(genuine_errors).sum::<usize>()),
        String::new(),
        &mean,
        total_cmp as f64 / total_time.max(1e-9),
    );
    for r in results {
        if let Some(ms) = r.extract_ms.as_deref() {
            println!(
                "{}: extraction {:.1} ms median, {:.1} ms mean per image ({} images)",
                r.name,
                median_of(ms),
                mean_of(ms),
                ms.len()
            );
        }
    }
}

/// The rates of one row of the table.
struct Summary {
    eer: f64,
    eer_low: f64,
    eer_high: f64,
    fmr100: f64,
    fmr1000: f64,
    zero_fmr: f64,
}

impl Summary {
    fn from(s: &VerificationSummary) -> Summary {
        Summary {
            eer: s.eer,
            eer_low: s.eer_low,
            eer_high: s.eer_high,
            fmr100: s.fmr100,
            fmr1000: s.fmr1000,
            zero_fmr: s.zero_fmr,
        }
    }

    fn mean(results: &[&DbResult]) -> Summary {
        let n = results.len().max(1) as f64;
        let avg = |f: fn(&VerificationSummary) -> f64| {
            results.iter().map(|r| f(&r.summary)).sum::<f64>() / n
        };
        Summary {
            eer: avg(|s| s.eer),
            eer_low: avg(|s| s.eer_low),
            eer_high: avg(|s| s.eer_high),
            fmr100: avg(|s| s.fmr100),
            fmr1000: avg(|s| s.fmr1000),
            zero_fmr: avg(|s| s.zero_fmr),
        }
    }
}

fn write_json(path: &Path, results: &[DbResult]) -> anyhow::Result<()> {
    let report = JsonReport {
        databases: results
            .iter()
            .map(|r| JsonDb {
                name: &r.name,
                perturbation: r.perturbation.name(),
                genuine_errors: genuine_errors(r),
                genuine: r.summary.genuine,
                impostor: r.summary.impostor,
                eer: r.summary.eer,
                eer_low: r.summary.eer_low,
                eer_high: r.summary.eer_high,
                fmr100: r.summary.fmr100,
                fmr1000: r.summary.fmr1000,
                zero_fmr: r.summary.zero_fmr,
                extract_ms_median: r.extract_ms.as_deref().map(median_of),
                extract_ms_mean: r.extract_ms.as_deref().map(mean_of),
            })
            .collect(),
        mean_eer: Summary::mean(&results.iter().collect::<Vec<_>>()).eer,
    };
    let mut text = serde_json::to_string_pretty(&report)?;
    text.push('\n');
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn write_scores(path: &Path, results: &[DbResult]) -> anyhow::Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    writeln!(out, "database,kind,probe,candidate,score")?;
    for r in results {
        let db = csv_field(&r.name);
        let file_name = |k: usize| {
            csv_field(
                &r.dataset.files[k]
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            )
        };
        for (kind, pairs, scores) in [
            ("genuine", &r.pairs.genuine, &r.scores.genuine),
            ("impostor", &r.pairs.impostor, &r.scores.impostor),
        ] {
            for (&(i, j), s) in pairs.iter().zip(scores) {
                // Scores come from f32: print them as such (shortest exact form).
                let s = *s as f32;
                writeln!(out, "{db},{kind},{},{},{s}", file_name(i), file_name(j))?;
            }
        }
    }
    out.flush()
        .with_context(|| format!("cannot write {}", path.display()))
}

fn write_calibration(path: &Path, results: &[DbResult], args: &Args) -> anyhow::Result<()> {
    let impostors: Vec<f64> = results
        .iter()
        .flat_map(|r| r.scores.impostor.iter().copied())
        .collect();
    let names: Vec<&str> = results.iter().map(|r| r.name.as_str()).collect();
    let description = format!(
        "biomatch {} matcher, {} impostor comparisons ({} protocol) of {}",
        env!("CARGO_PKG_VERSION"),
        impostors.len(),
        match args.protocol {
            ProtocolArg::AllPairs => "all-pairs",
            ProtocolArg::Fvc => "FVC",
        },
        names.join(", ")
    );
    let calibration = Calibration::from_impostor_scores(&impostors)?.with_description(description);
    if !calibration.has_tail() {
        eprintln!(
            "note: the impostor scores do not support a tail fit; the calibration refuses FMRs \
             below 1/{}",
            impostors.len()
        );
    }
    std::fs::write(path, calibration.to_json())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Prints the extractor's (or with `matcher`, the matcher's) default constants as JSON.
pub fn print_params(matcher: bool) -> anyhow::Result<()> {
    let text = if matcher {
        serde_json::to_string_pretty(&MatcherParams::default())?
    } else {
        serde_json::to_string_pretty(&ExtractParams::default())?
    };
    println!("{text}");
    Ok(())
}

/// Reads constants (extractor or matcher) from a JSON file.
fn read_params<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> anyhow::Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{}: not {what}", path.display()))
}

/// Runs the evaluation.
pub fn run(args: Args) -> anyhow::Result<()> {
    let specs = args
        .dirs
        .iter()
        .map(|s| parse_folder(s))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let protocol = match args.protocol {
        ProtocolArg::AllPairs => Protocol::AllPairs,
        ProtocolArg::Fvc => Protocol::Fvc,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()
        .context("cannot start the worker threads")?;
    let threads = pool.current_num_threads();
    let matcher = match &args.matcher_params {
        None => Matcher::default(),
        Some(path) => Matcher::new(read_params(path, "matcher parameters")?),
    };
    let params = match &args.extract_params {
        None => ExtractParams::default(),
        Some(path) => read_params(path, "extractor parameters")?,
    };
    let perturbations = parse_perturbations(&args.perturb)?;
    let mut results = Vec::new();
    for &perturbation in &perturbations {
        let setup = RunSetup {
            protocol,
            matcher: &matcher,
            params: &params,
            perturbation,
            seed: args.seed,
            write_images: args.write_images.as_deref(),
            write_templates: args.write_templates.as_deref(),
        };
        for spec in &specs {
            results.push(pool.install(|| evaluate(spec, &setup))?);
        }
    }

    print_table(&results, args.protocol, threads);
    if let Some(path) = &args.json {
        write_json(path, &results)?;
    }
    if let Some(path) = &args.scores {
        write_scores(path, &results)?;
    }
    if let Some(path) = &args.calibration {
        write_calibration(path, &results, &args)?;
    }
    if let Some(path) = &args.det {
        // One line per database and transformation, named as in the table.
        let names: Vec<String> = results.iter().map(row_name).collect();
        let series: Vec<_> = results
            .iter()
            .zip(&names)
            .map(|(r, name)| DetSeries {
                name,
                curve: &r.curve,
            })
            .collect();
        let title = format!(
            "DET, {} protocol",
            match args.protocol {
                ProtocolArg::AllPairs => "all-pairs",
                ProtocolArg::Fvc => "FVC",
            }
        );
        std::fs::write(path, det_svg(&series, &title))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_specs() {
        assert_eq!(
            parse_folder("no/such/DB1@500").unwrap(),
            FolderSpec {
                dir: PathBuf::from("no/such/DB1"),
                ppi: Some(500.0)
            }
        );
        assert_eq!(parse_folder("no/such/DB1").unwrap().ppi, None);
        assert!(parse_folder("no/such/DB1@fast").is_err());
        assert!(parse_folder("no/such/DB1@0").is_err());
    }

    #[test]
    fn names() {
        assert_eq!(
            database_name(Path::new("../shared/fvc2002/DB1_B/")),
            "fvc2002/DB1_B"
        );
        assert_eq!(database_name(Path::new("DB1_B")), "DB1_B");
    }
}
