//! `biomatch quality IMAGE...` (score and feedback per capture) and
//! `biomatch eval quality DIR[@PPI]...` (how well quality scores predict verification errors:
//! error versus discard).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use biomatch::eval::dataset::{Dataset, SampleKind};
use biomatch::eval::quality::{ErrorVersusDiscard, GenuineComparison, tau_at_fmr, tau_at_fnmr};
use biomatch::eval::scoring::score_pairs;
use biomatch::eval::{PairList, Protocol};
use biomatch::finger::extract::{ExtractParams, extract_with_quality};
use biomatch::finger::image::decode_bytes;
use biomatch::finger::matcher::Matcher;
use biomatch::finger::quality::{QualityReport, algorithm};
use rayon::prelude::*;
use serde::Serialize;

use crate::eval_verify::{FolderSpec, database_name, parse_folder};

/// Arguments of `biomatch quality`.
#[derive(clap::Args)]
pub struct Args {
    /// Fingerprint images (TIFF, PNG, BMP, JPEG, PNM, WSQ).
    #[arg(required = true)]
    images: Vec<PathBuf>,
    /// Resolution of the images in pixels per inch (default: the file's, else 500).
    #[arg(long)]
    ppi: Option<f32>,
    /// One JSON object per image per line: `file`, `score`, `flags`, `ms` (and `error` when
    /// the image could not be scored).
    #[arg(long)]
    json: bool,
    /// Also print the measurements the score is computed from (`features` in JSON).
    #[arg(long)]
    features: bool,
}

#[derive(Serialize)]
struct JsonLine<'a> {
    file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    flags: Option<Vec<&'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    features: Option<&'a biomatch::finger::quality::QualityFeatures>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Scores one image file: the report and the milliseconds the extraction pass took.
fn score_file(path: &Path, ppi: Option<f32>) -> anyhow::Result<(QualityReport, f64)> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let raster =
        decode_bytes(&bytes, ppi).with_context(|| format!("decoding {}", path.display()))?;
    let start = Instant::now();
    let (_, report) = extract_with_quality(&raster, &ExtractParams::default())?;
    Ok((report, start.elapsed().as_secs_f64() * 1e3))
}

/// `biomatch quality`: images are scored one after the other on one thread, so `ms` is the
/// single-thread time of the extraction pass that measures the quality.
pub fn run(args: Args) -> anyhow::Result<()> {
    if let Some(p) = args.ppi
        && !(p.is_finite() && p > 0.0)
    {
        bail!("--ppi must be a positive number of pixels per inch");
    }
    let mut failed = 0usize;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for path in &args.images {
        let file = path.display().to_string();
        match score_file(path, args.ppi) {
            Ok((report, ms)) => {
                if args.json {
                    let line = JsonLine {
                        file,
                        score: Some(report.score),
                        flags: Some(report.flags.names()),
                        ms: Some((ms * 1000.0).round() / 1000.0),
                        features: args.features.then_some(&report.features),
                        error: None,
                    };
                    writeln!(out, "{}", serde_json::to_string(&line)?)?;
                } else {
                    let flags = report.flags.names().join(",");
                    let flags = if flags.is_empty() { "-".into() } else { flags };
                    writeln!(
                        out,
                        "{file}: quality {:>3}  flags {flags}  {ms:.1} ms",
                        report.score
                    )?;
                    if args.features {
                        writeln!(out, "  {}", serde_json::to_string(&report.features)?)?;
                    }
                }
            }
            Err(e) => {
                failed += 1;
                if args.json {
                    let line = JsonLine {
                        file,
                        score: None,
                        flags: None,
                        ms: None,
                        features: None,
                        error: Some(format!("{e:#}")),
                    };
                    writeln!(out, "{}", serde_json::to_string(&line)?)?;
                } else {
                    eprintln!("{file}: error: {e:#}");
                }
            }
        }
    }
    if failed > 0 {
        bail!(
            "{failed} of {} images could not be scored",
            args.images.len()
        );
    }
    Ok(())
}

/// Arguments of `biomatch eval quality`.
#[derive(clap::Args)]
pub struct EvalArgs {
    /// Database folders of FVC-named images NNN_M.ext, `@PPI` giving their resolution.
    #[arg(required = true, value_name = "DIR[@PPI]")]
    dirs: Vec<String>,
    /// Quality measures to judge (repeatable): `biomatch`, or `csv:FILE` with columns
    /// `file` and one of `quality`, `nfiq2`, `score`, and to tell databases apart either
    /// `database` ("fvc2002/DB1_B") or `year` and `db`.
    #[arg(long, value_name = "biomatch|csv:FILE", default_value = "biomatch")]
    quality: Vec<String>,
    /// Scores to judge them on: `biomatch` (extract and compare all pairs) or `scores:FILE`,
    /// a CSV as `biomatch eval verify --scores` writes (database,kind,probe,candidate,score;
    /// higher = more similar), for example another matcher's.
    #[arg(long, value_name = "biomatch|scores:FILE", default_value = "biomatch")]
    matcher: String,
    /// Write the figures as JSON (rates as fractions).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Draw the error-versus-discard curves as SVG, one panel per database.
    #[arg(long, value_name = "FILE.svg")]
    svg: Option<PathBuf>,
    /// Write biomatch's quality of every image as CSV (database,file,quality).
    #[arg(long, value_name = "FILE.csv")]
    write_quality: Option<PathBuf>,
}

/// Discarded fractions the table reports.
const DISCARDS: [f64; 5] = [0.0, 0.01, 0.05, 0.10, 0.20];
/// The partial area runs up to this discarded fraction.
const AREA_LIMIT: f64 = 0.20;
/// Starting FNMR of the main threshold.
const START_FNMR: f64 = 0.10;
/// FMR of the second threshold.
const SECOND_FMR: f64 = 0.01;

enum QualitySource {
    Biomatch,
    Csv {
        label: String,
        /// (database or "" when the file names no database, file name) -> quality.
        values: HashMap<(String, String), f64>,
    },
}

impl QualitySource {
    fn label(&self) -> String {
        match self {
            QualitySource::Biomatch => "biomatch".into(),
            QualitySource::Csv { label, .. } => label.clone(),
        }
    }
}

fn parse_quality(spec: &str) -> anyhow::Result<QualitySource> {
    if spec == "biomatch" {
        return Ok(QualitySource::Biomatch);
    }
    let Some(path) = spec.strip_prefix("csv:") else {
        bail!("--quality {spec}: expected `biomatch` or `csv:FILE`");
    };
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("reading quality CSV {path}"))?;
    let headers = reader.headers()?.clone();
    let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.trim()));
    let file_col = col(&["file"]).with_context(|| format!("{path}: no `file` column"))?;
    let (value_col, value_name) = ["quality", "nfiq2", "score"]
        .iter()
        .find_map(|n| col(&[n]).map(|c| (c, *n)))
        .with_context(|| format!("{path}: no `quality`, `nfiq2` or `score` column"))?;
    let database_col = col(&["database"]);
    let (year_col, db_col) = (col(&["year"]), col(&["db"]));
    let mut values = HashMap::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{path}: row {}", line + 2))?;
        let field = |c: usize| record.get(c).unwrap_or("").trim().to_string();
        let database = match (database_col, year_col, db_col) {
            (Some(c), _, _) => field(c),
            (None, Some(y), Some(d)) => format!("{}/{}", field(y), field(d)),
            _ => String::new(),
        };
        let text = field(value_col);
        let value: f64 = text
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .with_context(|| {
                format!("{path}: row {}: quality {text:?} is not a number", line + 2)
            })?;
        values.insert((database, field(file_col)), value);
    }
    let stem = Path::new(path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string());
    Ok(QualitySource::Csv {
        label: format!("{value_name}:{stem}"),
        values,
    })
}

/// One database's scores and per-file qualities.
struct DbData {
    name: String,
    files: Vec<String>,
    genuine: Vec<(usize, usize, f64)>,
    impostor: Vec<f64>,
    /// Per quality source, per file.
    qualities: Vec<Vec<f64>>,
}

/// Reads `database,kind,probe,candidate,score` rows, grouped by database.
type ScoreRows = HashMap<String, (Vec<(String, String, f64)>, Vec<f64>)>;

fn read_scores(path: &str) -> anyhow::Result<ScoreRows> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("reading scores CSV {path}"))?;
    let mut out: ScoreRows = HashMap::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{path}: row {}", line + 2))?;
        if record.len() < 5 {
            bail!(
                "{path}: row {}: expected database,kind,probe,candidate,score",
                line + 2
            );
        }
        let score: f64 = record[4]
            .trim()
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .with_context(|| format!("{path}: row {}: score is not a number", line + 2))?;
        let entry = out.entry(record[0].trim().to_string()).or_default();
        match record[1].trim() {
            "genuine" => entry.0.push((
                record[2].trim().to_string(),
                record[3].trim().to_string(),
                score,
            )),
            "impostor" => entry.1.push(score),
            other => bail!("{path}: row {}: unknown kind {other:?}", line + 2),
        }
    }
    Ok(out)
}

fn load_db(
    spec: &FolderSpec,
    sources: &[QualitySource],
    scores: Option<&ScoreRows>,
    matcher: &Matcher,
) -> anyhow::Result<DbData> {
    let dataset = Dataset::open(&spec.dir, spec.ppi)?;
    if dataset.kind != SampleKind::Image {
        bail!(
            "{}: quality is measured on images; this folder holds templates",
            spec.dir.display()
        );
    }
    let ppi = spec.ppi.with_context(|| {
        format!(
            "{} holds images: give their resolution as DIR@PPI",
            spec.dir.display()
        )
    })?;
    let name = database_name(&spec.dir);
    let files: Vec<String> = dataset
        .files
        .iter()
        .map(|f| {
            f.path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect();
    let need_extraction =
        scores.is_none() || sources.iter().any(|s| matches!(s, QualitySource::Biomatch));
    let extracted = if need_extraction {
        let params = ExtractParams::default();
        dataset
            .files
            .par_iter()
            .map(|f| {
                let bytes = std::fs::read(&f.path)
                    .with_context(|| format!("reading {}", f.path.display()))?;
                let raster = decode_bytes(&bytes, Some(ppi))
                    .with_context(|| format!("decoding {}", f.path.display()))?;
                extract_with_quality(&raster, &params)
                    .with_context(|| format!("extracting {}", f.path.display()))
            })
            .collect::<anyhow::Result<Vec<_>>>()?
    } else {
        Vec::new()
    };
    let mut qualities = Vec::new();
    for source in sources {
        let q = match source {
            QualitySource::Biomatch => extracted.iter().map(|(_, r)| f64::from(r.score)).collect(),
            QualitySource::Csv { label, values } => files
                .iter()
                .map(|file| {
                    values
                        .get(&(name.clone(), file.clone()))
                        .or_else(|| values.get(&(String::new(), file.clone())))
                        .copied()
                        .with_context(|| format!("{label}: no quality for {name} {file}"))
                })
                .collect::<anyhow::Result<Vec<f64>>>()?,
        };
        qualities.push(q);
    }
    let (genuine, impostor) = match scores {
        Some(rows) => {
            let (g, i) = rows
                .get(&name)
                .with_context(|| format!("the scores file has no rows for {name}"))?;
            let index: HashMap<&str, usize> = files
                .iter()
                .enumerate()
                .map(|(k, f)| (f.as_str(), k))
                .collect();
            let mut genuine = Vec::with_capacity(g.len());
            for (p, c, s) in g {
                let (Some(&a), Some(&b)) = (index.get(p.as_str()), index.get(c.as_str())) else {
                    bail!(
                        "{name}: scores name {p} or {c}, which is not in {}",
                        spec.dir.display()
                    );
                };
                genuine.push((a, b, *s));
            }
            (genuine, i.clone())
        }
        None => {
            let ids: Vec<_> = dataset.files.iter().map(|f| f.id).collect();
            let pairs = PairList::new(&ids, Protocol::AllPairs);
            let prepared: Vec<_> = extracted.iter().map(|(v, _)| matcher.prepare(v)).collect();
            let scratch = || matcher.scratch();
            let score = |a: &_, b: &_, s: &mut _| matcher.score(a, b, s);
            let g = score_pairs(&prepared, &pairs.genuine, scratch, score, &mut |_| {});
            let i = score_pairs(&prepared, &pairs.impostor, scratch, score, &mut |_| {});
            let genuine = pairs
                .genuine
                .iter()
                .zip(g)
                .map(|(&(a, b), s)| (a, b, s))
                .collect();
            (genuine, i)
        }
    };
    if genuine.is_empty() || impostor.is_empty() {
        bail!("{name}: needs genuine and impostor comparisons");
    }
    Ok(DbData {
        name,
        files,
        genuine,
        impostor,
        qualities,
    })
}

/// One quality measure judged on one database.
#[derive(Serialize)]
struct Judged {
    quality: String,
    /// FNMR at the 10 % threshold after discarding each of [`DISCARDS`].
    fnmr_after: Vec<(f64, f64)>,
    /// Normalised partial area to 20 % discarded, threshold at FNMR 10 %.
    normalised_area: Option<f64>,
    /// The same with the threshold at FMR 1e-2.
    start_fnmr_at_fmr: f64,
    normalised_area_at_fmr: Option<f64>,
    /// The curve (discarded fraction, FNMR) at the 10 % threshold, for drawing.
    #[serde(skip)]
    curve: Vec<(f64, f64)>,
}

#[derive(Serialize)]
struct JudgedDb {
    database: String,
    genuine: usize,
    impostor: usize,
    qualities: Vec<Judged>,
}

fn judge(db: &DbData, labels: &[String]) -> anyhow::Result<JudgedDb> {
    let scores: Vec<f64> = db.genuine.iter().map(|g| g.2).collect();
    let tau = tau_at_fnmr(&scores, START_FNMR)?;
    let tau_fmr = tau_at_fmr(&db.impostor, SECOND_FMR)?;
    let mut qualities = Vec::new();
    for (q, label) in db.qualities.iter().zip(labels) {
        let comparisons: Vec<GenuineComparison> = db
            .genuine
            .iter()
            .map(|&(a, b, score)| GenuineComparison {
                score,
                quality: q[a].min(q[b]),
            })
            .collect();
        let edc = ErrorVersusDiscard::new(&comparisons, tau)?;
        let edc_fmr = ErrorVersusDiscard::new(&comparisons, tau_fmr)?;
        qualities.push(Judged {
            quality: label.clone(),
            fnmr_after: DISCARDS.iter().map(|&f| (f, edc.fnmr_after(f))).collect(),
            normalised_area: edc.normalised_partial_area(AREA_LIMIT),
            start_fnmr_at_fmr: edc_fmr.start_fnmr(),
            normalised_area_at_fmr: edc_fmr.normalised_partial_area(AREA_LIMIT),
            curve: (0..=100)
                .map(|i| {
                    let f = AREA_LIMIT * i as f64 / 100.0;
                    (f, edc.fnmr_after(f))
                })
                .collect(),
        });
    }
    Ok(JudgedDb {
        database: db.name.clone(),
        genuine: db.genuine.len(),
        impostor: db.impostor.len(),
        qualities,
    })
}

fn fmt_area(a: Option<f64>) -> String {
    a.map_or("   -  ".into(), |a| format!("{a:6.3}"))
}

fn mean(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let v: Vec<f64> = values.flatten().collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn print_table(judged: &[JudgedDb], labels: &[String]) {
    println!(
        "error versus discard: genuine comparisons discarded by the lower quality of the pair \
         (ties as expectations)"
    );
    println!(
        "threshold per database at FNMR {:.0} %; FNMR % after discarding 0/1/5/10/20 %; \
         area = normalised partial area to {:.0} % (1 = no prediction, lower is better); \
         @FMR1e-2 = the same with the threshold at FMR 1e-2",
        START_FNMR * 100.0,
        AREA_LIMIT * 100.0
    );
    let width = labels.iter().map(|l| l.len()).max().unwrap_or(8).max(8);
    println!(
        "{:<14} {:<width$}  {:>6} {:>6} {:>6} {:>6} {:>6}  {:>6}  {:>8} {:>6}",
        "database", "quality", "0%", "1%", "5%", "10%", "20%", "area", "FNMR@1e-2", "area"
    );
    for db in judged {
        for j in &db.qualities {
            let f: Vec<String> = j
                .fnmr_after
                .iter()
                .map(|(_, r)| format!("{:6.2}", r * 100.0))
                .collect();
            println!(
                "{:<14} {:<width$}  {}  {}  {:>8.2} {}",
                db.database,
                j.quality,
                f.join(" "),
                fmt_area(j.normalised_area),
                j.start_fnmr_at_fmr * 100.0,
                fmt_area(j.normalised_area_at_fmr)
            );
        }
    }
    for (k, label) in labels.iter().enumerate() {
        let m = mean(judged.iter().map(|d| d.qualities[k].normalised_area));
        let m2 = mean(judged.iter().map(|d| d.qualities[k].normalised_area_at_fmr));
        let best = judged
            .iter()
            .filter(|d| {
                let mine = d.qualities[k].normalised_area.unwrap_or(f64::INFINITY);
                d.qualities
                    .iter()
                    .enumerate()
                    .all(|(o, q)| o == k || mine < q.normalised_area.unwrap_or(f64::INFINITY))
            })
            .count();
        let best = if labels.len() > 1 {
            format!("; lowest area on {best} of {} databases", judged.len())
        } else {
            String::new()
        };
        println!(
            "mean area {label}: {} (threshold at FNMR 10 %), {} (at FMR 1e-2){best}",
            fmt_area(m).trim(),
            fmt_area(m2).trim()
        );
    }
}

/// The curves as SVG, one panel per database.
fn draw_svg(judged: &[JudgedDb], labels: &[String]) -> String {
    const COLOURS: [&str; 6] = [
        "#1f6fd1", "#d1431f", "#2a9d3a", "#8a3ad1", "#d19a1f", "#555555",
    ];
    let (pw, ph, cols) = (260.0, 190.0, 4usize);
    let rows = judged.len().div_ceil(cols).max(1);
    let (w, h) = (cols as f64 * pw + 20.0, rows as f64 * ph + 60.0);
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
         font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"10\" y=\"18\" font-size=\"13\">Error versus discard (threshold at FNMR 10 %): \
         FNMR against the fraction of genuine comparisons discarded by quality</text>\n"
    );
    for (k, label) in labels.iter().enumerate() {
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"38\" fill=\"{}\">{}</text>",
            10 + k * 180,
            COLOURS[k % COLOURS.len()],
            escape(label)
        );
    }
    for (i, db) in judged.iter().enumerate() {
        let (ox, oy) = (
            10.0 + (i % cols) as f64 * pw + 40.0,
            50.0 + (i / cols) as f64 * ph + 20.0,
        );
        let (iw, ih) = (pw - 60.0, ph - 60.0);
        let top = db
            .qualities
            .iter()
            .flat_map(|q| q.curve.iter().map(|p| p.1))
            .fold(0.0f64, f64::max)
            .max(1e-6);
        let _ = writeln!(
            s,
            "<text x=\"{ox}\" y=\"{}\">{}</text>\n<rect x=\"{ox}\" y=\"{oy}\" width=\"{iw}\" \
             height=\"{ih}\" fill=\"none\" stroke=\"#999\"/>\n<text x=\"{ox}\" y=\"{}\">0</text>\
             <text x=\"{}\" y=\"{}\">20 % discarded</text>\n<text x=\"{}\" y=\"{}\" \
             text-anchor=\"end\">{:.0} %</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>",
            oy - 5.0,
            escape(&db.database),
            oy + ih + 14.0,
            ox + iw - 80.0,
            oy + ih + 14.0,
            ox - 3.0,
            oy + 9.0,
            top * 100.0,
            ox - 3.0,
            oy + ih
        );
        for (k, q) in db.qualities.iter().enumerate() {
            let points: Vec<String> = q
                .curve
                .iter()
                .map(|&(f, r)| {
                    format!(
                        "{:.1},{:.1}",
                        ox + f / AREA_LIMIT * iw,
                        oy + ih - r / top * ih
                    )
                })
                .collect();
            let _ = writeln!(
                s,
                "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" points=\"{}\"/>",
                COLOURS[k % COLOURS.len()],
                points.join(" ")
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `biomatch eval quality`.
pub fn run_eval(args: EvalArgs) -> anyhow::Result<()> {
    let sources: Vec<QualitySource> = args
        .quality
        .iter()
        .map(|q| parse_quality(q))
        .collect::<anyhow::Result<_>>()?;
    let labels: Vec<String> = sources.iter().map(QualitySource::label).collect();
    let scores = match args.matcher.as_str() {
        "biomatch" => None,
        other => match other.strip_prefix("scores:") {
            Some(path) => Some(read_scores(path)?),
            None => bail!("--matcher {other}: expected `biomatch` or `scores:FILE`"),
        },
    };
    let matcher = Matcher::default();
    let mut data = Vec::new();
    for dir in &args.dirs {
        let spec = parse_folder(dir)?;
        data.push(load_db(&spec, &sources, scores.as_ref(), &matcher)?);
    }
    if let Some(path) = &args.write_quality {
        let Some(k) = sources
            .iter()
            .position(|s| matches!(s, QualitySource::Biomatch))
        else {
            bail!("--write-quality needs --quality biomatch");
        };
        let mut w = csv::Writer::from_path(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        w.write_record(["database", "file", "quality"])?;
        for db in &data {
            for (file, q) in db.files.iter().zip(&db.qualities[k]) {
                w.write_record([db.name.as_str(), file.as_str(), &format!("{q}")])?;
            }
        }
        w.flush()?;
    }
    let judged: Vec<JudgedDb> = data
        .iter()
        .map(|db| judge(db, &labels))
        .collect::<anyhow::Result<_>>()?;
    print_table(&judged, &labels);
    if let Some(path) = &args.json {
        #[derive(Serialize)]
        struct Report<'a> {
            algorithm: &'a str,
            matcher: &'a str,
            start_fnmr: f64,
            area_limit: f64,
            databases: &'a [JudgedDb],
            mean_area: HashMap<&'a str, Option<f64>>,
        }
        let mean_area = labels
            .iter()
            .enumerate()
            .map(|(k, l)| {
                (
                    l.as_str(),
                    mean(judged.iter().map(|d| d.qualities[k].normalised_area)),
                )
            })
            .collect();
        let report = Report {
            algorithm: algorithm(),
            matcher: &args.matcher,
            start_fnmr: START_FNMR,
            area_limit: AREA_LIMIT,
            databases: &judged,
            mean_area,
        };
        std::fs::write(path, serde_json::to_string_pretty(&report)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &args.svg {
        std::fs::write(path, draw_svg(&judged, &labels))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}
