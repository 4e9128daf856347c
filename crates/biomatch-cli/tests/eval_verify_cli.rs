//! `biomatch eval verify` and `biomatch match` end to end on the ISO template folders (skipped
//! when the datasets are absent).

use std::path::PathBuf;
use std::process::Command;

fn datasets() -> PathBuf {
    match std::env::var_os("BIOMATCH_DATASETS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets"),
    }
}

fn iso_folder(year: &str, db: &str) -> Option<PathBuf> {
    let p = datasets().join("iso-secugen").join(year).join(db);
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "SKIPPED: dataset {} not found (set BIOMATCH_DATASETS)",
            p.display()
        );
        None
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
    for db in dbs {
        assert_eq!(
            (db["genuine"].as_u64(), db["impostor"].as_u64()),
            (Some(280), Some(2880))
        );
        for key in [
            "eer", "eer_low", "eer_high", "fmr100", "fmr1000", "zero_fmr",
        ] {
            let v = db[key].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&v), "{key} = {v}");
        }
        assert!(db["eer_low"].as_f64() <= db["eer_high"].as_f64());
    }
    let mean = (dbs[0]["eer"].as_f64().unwrap() + dbs[1]["eer"].as_f64().unwrap()) / 2.0;
    assert!((report["mean_eer"].as_f64().unwrap() - mean).abs() < 1e-12);
    // One CSV row per comparison plus the header.
    assert_eq!(outputs[0].1.lines().count(), 1 + 2 * 3160);
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
    assert_eq!(report["databases"][0]["genuine"], 280);
    assert_eq!(report["databases"][0]["impostor"], 45);
    let _ = std::fs::remove_dir_all(&out);
}

/// Image folders need their resolution; with it they are extracted, and the extraction
/// times are reported next to the accuracy.
#[test]
fn image_folder_is_extracted_and_timed() {
    let images = datasets().join("fvc2002").join("DB1_B");
    if !images.exists() {
        eprintln!("SKIPPED: dataset {} not found", images.display());
        return;
    }
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
    assert_eq!(db["genuine"], 280);
    assert_eq!(db["impostor"], 2880);
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
    assert!(score.is_finite() && score >= 0.0);
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
    assert!((0.0..=1.0).contains(&fmr));
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
