//! `biomatch eval verify` and `biomatch match` end to end on the ISO template folders; every
//! figure the CLI reports is checked against one computed here with the core library's
//! reader and matcher. Skipped when the datasets are absent and `BIOMATCH_DATASETS` is unset;
//! a failure when it is set.

use std::path::{Path, PathBuf};
use std::process::Command;

use biomatch::calibration::Calibration;
use biomatch::eval::dataset::ImageLoader;
use biomatch::eval::{VerificationCurve, VerificationSummary};
use biomatch::finger::FingerView;
use biomatch::finger::formats::{ReadOptions, read};
use biomatch::finger::matcher::Matcher;

fn datasets() -> PathBuf {
    match std::env::var_os("BIOMATCH_DATASETS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets"),
    }
}

/// The dataset folder `rel`. When it is missing: a failure if `BIOMATCH_DATASETS` is set (as
/// in CI), else `None` after saying the test is skipped.
fn dataset(rel: &str) -> Option<PathBuf> {
    let p = datasets().join(rel);
    if p.exists() {
        Some(p)
    } else if std::env::var_os("BIOMATCH_DATASETS").is_some() {
        panic!(
            "dataset {} not found, and BIOMATCH_DATASETS is set: a missing dataset is a failure",
            p.display()
        );
    } else {
        eprintln!(
            "SKIPPED: dataset {} not found (set BIOMATCH_DATASETS to run and require it)",
            p.display()
        );
        None
    }
}

fn iso_folder(year: &str, db: &str) -> Option<PathBuf> {
    dataset(&format!("iso-secugen/{year}/{db}"))
}

/// The views of an FVC folder's templates (`F_I.iso`), read with the core library, as
/// (finger, impression, view), sorted.
fn iso_views(dir: &Path) -> Vec<(u32, u32, FingerView)> {
    let mut out: Vec<(u32, u32, FingerView)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "iso"))
        .map(|p| {
            let stem = p.file_stem().unwrap().to_str().unwrap().to_string();
            let (f, i) = stem.split_once('_').unwrap();
            let bytes = std::fs::read(&p).unwrap();
            let view = read(&bytes, &ReadOptions::default())
                .unwrap()
                .template
                .views
                .remove(0);
            (f.parse().unwrap(), i.parse().unwrap(), view)
        })
        .collect();
    out.sort_by_key(|(f, i, _)| (*f, *i));
    out
}

/// Genuine and impostor scores computed directly with the core matcher: genuine = every
/// pair of impressions of one finger; impostor = every pair of different fingers
/// (`all_impostors`) or only the first impressions of different fingers (the FVC protocol).
fn expected_scores(views: &[(u32, u32, FingerView)], all_impostors: bool) -> (Vec<f64>, Vec<f64>) {
    let m = Matcher::default();
    let prepared: Vec<_> = views.iter().map(|(_, _, v)| m.prepare(v)).collect();
    let first_of = |f: u32| {
        views
            .iter()
            .filter(|x| x.0 == f)
            .map(|x| x.1)
            .min()
            .unwrap()
    };
    let mut scratch = m.scratch();
    let (mut genuine, mut impostor) = (Vec::new(), Vec::new());
    for i in 0..views.len() {
        for j in i + 1..views.len() {
            let same = views[i].0 == views[j].0;
            let firsts = views[i].1 == first_of(views[i].0) && views[j].1 == first_of(views[j].0);
            if same || all_impostors || firsts {
                let s = f64::from(m.score(&prepared[i], &prepared[j], &mut scratch));
                if same {
                    genuine.push(s)
                } else {
                    impostor.push(s)
                }
            }
        }
    }
    (genuine, impostor)
}

/// Checks a database entry of the CLI's JSON report against a summary computed here.
fn assert_report_matches(db: &serde_json::Value, want: &VerificationSummary) {
    assert_eq!(db["genuine"].as_u64(), Some(want.genuine as u64), "{db}");
    assert_eq!(db["impostor"].as_u64(), Some(want.impostor as u64), "{db}");
    for (key, v) in [
        ("eer", want.eer),
        ("eer_low", want.eer_low),
        ("eer_high", want.eer_high),
        ("fmr100", want.fmr100),
        ("fmr1000", want.fmr1000),
        ("zero_fmr", want.zero_fmr),
    ] {
        let got = db[key].as_f64().unwrap();
        assert!((got - v).abs() < 1e-12, "{key}: CLI {got}, expected {v}");
    }
}

fn biomatch() -> Command {
    Command::new(env!("CARGO_BIN_EXE_biomatch"))
}

fn out_dir(tag: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("biomatch-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

/// Same JSON and CSV whatever the thread count; the JSON holds the stated fields in the
/// command-line order; the counts follow the protocol.
#[test]
fn verify_is_deterministic_and_complete() {
    let (Some(db1), Some(db3)) = (
        iso_folder("fvc2002", "DB1_B"),
        iso_folder("fvc2004", "DB3_B"),
    ) else {
        return;
    };
    let out = out_dir("verify");
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let json = out.join(format!("r{threads}.json"));
        let csv = out.join(format!("s{threads}.csv"));
        let det = out.join(format!("d{threads}.svg"));
        let run = biomatch()
            .args(["eval", "verify"])
            .arg(&db3)
            .arg(&db1)
            .args(["--threads", threads, "--json"])
            .arg(&json)
            .arg("--scores")
            .arg(&csv)
            .arg("--det")
            .arg(&det)
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let table = String::from_utf8(run.stdout).unwrap();
        assert!(table.contains("cmp/s"), "{table}");
        assert!(table.lines().any(|l| l.starts_with("mean")), "{table}");
        let svg = std::fs::read_to_string(&det).unwrap();
        assert_eq!(svg.matches("<polyline").count(), 2);
        outputs.push((
            std::fs::read_to_string(&json).unwrap(),
            std::fs::read_to_string(&csv).unwrap(),
        ));
    }
    assert_eq!(outputs[0], outputs[1], "results depend on the thread count");

    let report: serde_json::Value = serde_json::from_str(&outputs[0].0).unwrap();
    let dbs = report["databases"].as_array().unwrap();
    assert_eq!(dbs.len(), 2);
    assert_eq!(dbs[0]["name"], "fvc2004/DB3_B");
    assert_eq!(dbs[1]["name"], "fvc2002/DB1_B");
    let mut csv_scores = Vec::new();
    for (db, dir) in dbs.iter().zip([&db3, &db1]) {
        let views = iso_views(dir);
        assert_eq!(views.len(), 80, "{}", dir.display());
        let (genuine, impostor) = expected_scores(&views, true);
        assert_eq!((genuine.len(), impostor.len()), (280, 2880));
        let want = VerificationCurve::new(&genuine, &impostor)
            .unwrap()
            .summary();
        assert_report_matches(db, &want);
        csv_scores.extend(genuine.iter().chain(&impostor).copied());
    }
    let mean = (dbs[0]["eer"].as_f64().unwrap() + dbs[1]["eer"].as_f64().unwrap()) / 2.0;
    assert!((report["mean_eer"].as_f64().unwrap() - mean).abs() < 1e-12);
    // One CSV row per comparison plus the header, each score one computed here.
    assert_eq!(outputs[0].1.lines().count(), 1 + 2 * 3160);
    let mut from_csv: Vec<f64> = outputs[0]
        .1
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().trim().parse().unwrap())
        .collect();
    from_csv.sort_by(f64::total_cmp);
    csv_scores.sort_by(f64::total_cmp);
    assert_eq!(from_csv.len(), csv_scores.len());
    for (a, b) in from_csv.iter().zip(&csv_scores) {
        assert!((a - b).abs() < 1e-5, "CSV score {a} vs {b}");
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn fvc_protocol_counts() {
    let Some(db) = iso_folder("fvc2002", "DB2_B") else {
        return;
    };
    let out = out_dir("fvc");
    let json = out.join("r.json");
    let run = biomatch()
        .args(["eval", "verify", "--protocol", "fvc"])
        .arg(&db)
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let views = iso_views(&db);
    assert_eq!(views.len(), 80);
    let (genuine, impostor) = expected_scores(&views, false);
    assert_eq!((genuine.len(), impostor.len()), (280, 45));
    let want = VerificationCurve::new(&genuine, &impostor)
        .unwrap()
        .summary();
    assert_report_matches(&report["databases"][0], &want);
    let _ = std::fs::remove_dir_all(&out);
}

/// Image folders need their resolution; with it they are extracted, and the extraction
/// times are reported next to the accuracy.
#[test]
fn image_folder_is_extracted_and_timed() {
    let Some(images) = dataset("fvc2002/DB1_B") else {
        return;
    };
    let run = biomatch()
        .args(["eval", "verify"])
        .arg(&images)
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("give their resolution"));

    let out = out_dir("images");
    let json = out.join("report.json");
    let run = biomatch()
        .args(["eval", "verify"])
        .arg(format!("{}@500", images.display()))
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let db = &report["databases"][0];
    // The same images extracted and scored here with the core library.
    let ds = biomatch::eval::dataset::Dataset::open(&images, Some(500.0)).unwrap();
    assert_eq!(ds.files.len(), 80);
    let extracted = ds.load_views(&ImageLoader::new(500.0)).unwrap();
    let views: Vec<(u32, u32, FingerView)> = ds
        .files
        .iter()
        .zip(extracted)
        .map(|(f, v)| (f.id.finger, f.id.impression, v))
        .collect();
    let (genuine, impostor) = expected_scores(&views, true);
    let want = VerificationCurve::new(&genuine, &impostor)
        .unwrap()
        .summary();
    assert_report_matches(db, &want);
    let median = db["extract_ms_median"].as_f64().unwrap();
    let mean = db["extract_ms_mean"].as_f64().unwrap();
    assert!(median > 0.0 && mean > 0.0, "{median} {mean}");
    let _ = std::fs::remove_dir_all(&out);
}

/// `match` prints one number; a missing file is an error that names it.
#[test]
fn match_prints_one_score() {
    let Some(db) = iso_folder("fvc2002", "DB1_B") else {
        return;
    };
    let run = biomatch()
        .arg("match")
        .arg(db.join("101_1.iso"))
        .arg(db.join("101_2.iso"))
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = String::from_utf8(run.stdout).unwrap();
    assert_eq!(text.lines().count(), 1);
    let score: f32 = text.trim().parse().unwrap();
    let views = iso_views(&db);
    let m = Matcher::default();
    let want = m.score(
        &m.prepare(&views[0].2),
        &m.prepare(&views[1].2),
        &mut m.scratch(),
    );
    assert_eq!((views[0].0, views[0].1, views[1].1), (101, 1, 2));
    assert_eq!(score, want, "CLI score vs the core matcher's");
    let missing = biomatch()
        .arg("match")
        .arg(db.join("101_1.iso"))
        .arg(db.join("nope.iso"))
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nope.iso"));
}

/// A calibration written by `eval verify --calibration` loads in `match --calibration`, which
/// then prints the estimated FMR on a second line.
#[test]
fn calibration_round_trip_through_the_cli() {
    let Some(db) = iso_folder("fvc2002", "DB1_B") else {
        return;
    };
    let out = out_dir("calib");
    let cal = out.join("cal.json");
    let run = biomatch()
        .args(["eval", "verify"])
        .arg(&db)
        .arg("--calibration")
        .arg(&cal)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cal).unwrap()).unwrap();
    assert_eq!(saved["impostor_scores"].as_array().unwrap().len(), 2880);
    assert!(
        saved["description"]
            .as_str()
            .unwrap()
            .contains("fvc2002/DB1_B")
    );
    let run = biomatch()
        .arg("match")
        .arg(db.join("101_1.iso"))
        .arg(db.join("102_1.iso"))
        .arg("--calibration")
        .arg(&cal)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = String::from_utf8(run.stdout).unwrap();
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    let fmr: f64 = lines[1]
        .strip_prefix("estimated FMR ")
        .and_then(|r| r.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{text}"));
    // The same estimate from a calibration built here on the same impostor scores.
    let views = iso_views(&db);
    let (_, impostor) = expected_scores(&views, true);
    let own = Calibration::from_impostor_scores(&impostor).unwrap();
    let m = Matcher::default();
    let (a, b) = (&views[0].2, &views[8].2);
    assert_eq!((views[0].0, views[8].0, views[8].1), (101, 102, 1));
    let score = m.score(&m.prepare(a), &m.prepare(b), &mut m.scratch());
    let want = own.fmr_of_score(f64::from(score));
    assert!(
        (fmr - want).abs() <= 1e-3 * want.abs() + 1e-300,
        "CLI FMR {fmr} vs {want}"
    );
    // A broken calibration file is refused with its name.
    std::fs::write(&cal, "{}").unwrap();
    let bad = biomatch()
        .arg("match")
        .arg(db.join("101_1.iso"))
        .arg(db.join("102_1.iso"))
        .arg("--calibration")
        .arg(&cal)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("cal.json"));
    let _ = std::fs::remove_dir_all(&out);
}
