//! `biomatch quality` and `biomatch eval quality` end to end. The error-versus-discard figures
//! are checked against values worked out by hand for a small score file.

use std::path::{Path, PathBuf};
use std::process::Command;

fn biomatch() -> Command {
    Command::new(env!("CARGO_BIN_EXE_biomatch"))
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel)
}

#[test]
fn quality_prints_one_json_line_per_image() {
    let good = fixture("c/image/101_1.pgm");
    let missing = fixture("c/image/does_not_exist.pgm");
    let out = biomatch()
        .args(["quality", "--json", "--ppi", "500"])
        .arg(&good)
        .arg(&missing)
        .output()
        .unwrap();
    // One image failed: a non-zero exit, but a line for each image.
    assert!(!out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let score = lines[0]["score"].as_u64().unwrap();
    assert!((1..=100).contains(&score));
    assert!(lines[0]["flags"].is_array());
    assert!(lines[0]["ms"].as_f64().unwrap() > 0.0);
    assert!(
        lines[1]["error"]
            .as_str()
            .unwrap()
            .contains("does_not_exist")
    );
    // The template `extract` writes carries the same score as its finger quality.
    let dir = tempfile::tempdir().unwrap();
    let iso = dir.path().join("t.iso");
    let ex = biomatch()
        .args(["extract", "--ppi", "500"])
        .arg(&good)
        .arg(&iso)
        .output()
        .unwrap();
    assert!(ex.status.success());
    let info = biomatch()
        .args(["template", "info"])
        .arg(&iso)
        .output()
        .unwrap();
    let info = String::from_utf8(info.stdout).unwrap();
    assert!(info.contains(&format!("quality {score},")), "{info}");
}

/// A folder of 16 FVC-named (empty) image files: 4 fingers x 4 impressions. With a scores
/// file and CSV qualities, `eval quality` never reads the images.
fn fake_database(root: &Path) -> PathBuf {
    let dir = root.join("fvc2099").join("DB9_B");
    std::fs::create_dir_all(&dir).unwrap();
    for f in 101..=104 {
        for i in 1..=4 {
            std::fs::write(dir.join(format!("{f}_{i}.tif")), b"").unwrap();
        }
    }
    dir
}

#[test]
fn eval_quality_matches_hand_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let db = fake_database(tmp.path());
    // Scores: 24 genuine pairs; the two lowest (errors at FNMR 10 %: round(2.4) = 2) both
    // involve 101_1. 96 impostor pairs score 0.
    let mut scores = String::from("database,kind,probe,candidate,score\n");
    let names: Vec<String> = (101..=104)
        .flat_map(|f| (1..=4).map(move |i| format!("{f}_{i}.tif")))
        .collect();
    for a in 0..names.len() {
        for b in a + 1..names.len() {
            let genuine = names[a][..3] == names[b][..3];
            let s = match (names[a].as_str(), names[b].as_str(), genuine) {
                ("101_1.tif", "101_2.tif", _) => 0.01,
                ("101_1.tif", "101_3.tif", _) => 0.02,
                (_, _, true) => 0.5 + (a + b) as f64 / 100.0,
                (_, _, false) => 0.0,
            };
            let kind = if genuine { "genuine" } else { "impostor" };
            scores.push_str(&format!(
                "fvc2099/DB9_B,{kind},{},{},{s}\n",
                names[a], names[b]
            ));
        }
    }
    let scores_path = tmp.path().join("scores.csv");
    std::fs::write(&scores_path, scores).unwrap();
    // Qualities: a constant, and an oracle that rates 101_1 lowest.
    let mut constant = String::from("database,file,quality\n");
    let mut oracle = String::from("year,db,file,nfiq2\n");
    for n in &names {
        constant.push_str(&format!("fvc2099/DB9_B,{n},50\n"));
        let q = if n == "101_1.tif" { 0 } else { 50 };
        oracle.push_str(&format!("fvc2099,DB9_B,{n},{q}\n"));
    }
    let (c_path, o_path) = (
        tmp.path().join("constant.csv"),
        tmp.path().join("oracle.csv"),
    );
    std::fs::write(&c_path, constant).unwrap();
    std::fs::write(&o_path, oracle).unwrap();
    let json = tmp.path().join("out.json");
    let svg = tmp.path().join("out.svg");
    let out = biomatch()
        .args(["eval", "quality"])
        .arg(format!("{}@500", db.display()))
        .arg("--quality")
        .arg(format!("csv:{}", c_path.display()))
        .arg("--quality")
        .arg(format!("csv:{}", o_path.display()))
        .arg("--matcher")
        .arg(format!("scores:{}", scores_path.display()))
        .arg("--json")
        .arg(&json)
        .arg("--svg")
        .arg(&svg)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let row = |label: &str| {
        text.lines()
            .find(|l| l.starts_with("fvc2099/DB9_B") && l.contains(label))
            .unwrap_or_else(|| panic!("no row for {label} in\n{text}"))
            .to_string()
    };
    // Constant quality: discarding changes nothing (FNMR 2/24 = 8.33 %), area exactly 1.
    let c = row("quality:constant");
    assert!(
        c.contains("8.33   8.33   8.33   8.33   8.33   1.000"),
        "{c}"
    );
    // Oracle: the three comparisons with 101_1 tie at quality 0 and hold both errors.
    // Discarding d comparisons removes 2d/3 errors until d = 3: FNMR (2 - 2d/3) / (24 - d):
    // 1 % -> d 0.24 -> 7.74 %, 5 % -> 5.26 %, 10 % -> 1.85 %, 20 % -> 0.
    let o = row("nfiq2:oracle");
    assert!(o.contains("8.33   7.74   5.26   1.85   0.00"), "{o}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let area = report["databases"][0]["qualities"][1]["normalised_area"]
        .as_f64()
        .unwrap();
    // Area of the oracle by hand: the integral over f in [0, 0.125] of (2 - 16f)/(24 - 24f)
    // (zero after), divided by 0.2 x 2/24.
    let exact = {
        let n = 100_000;
        let h = 0.125 / n as f64;
        (0..n)
            .map(|i| {
                let f = (i as f64 + 0.5) * h;
                (2.0 - 16.0 * f) / (24.0 - 24.0 * f) * h
            })
            .sum::<f64>()
            / (0.2 * 2.0 / 24.0)
    };
    assert!((area - exact).abs() < 2e-3, "{area} vs {exact}");
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<polyline"));
}

#[test]
fn eval_quality_refuses_bad_arguments() {
    let tmp = tempfile::tempdir().unwrap();
    let db = fake_database(tmp.path());
    let run = |args: &[&str]| {
        biomatch()
            .args(["eval", "quality"])
            .arg(format!("{}@500", db.display()))
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["--quality", "nfiq3"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("csv:FILE"));
    let bad = tmp.path().join("bad.csv");
    std::fs::write(&bad, "file,quality\n101_1.tif,high\n").unwrap();
    let out = run(&["--quality", &format!("csv:{}", bad.display())]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a number"));
    let out = run(&["--matcher", "bozorth"]);
    assert!(!out.status.success());
}

#[test]
fn gallery_import_refuses_a_weak_capture_naming_score_threshold_and_flags() {
    let tmp = tempfile::tempdir().unwrap();
    let build = |name: &str, image: &str, tcn: &str| {
        let out_path = tmp.path().join(name);
        let out = biomatch()
            .args(["an2k", "build", "--tot", "MAP", "--tcn", tcn, "--finger"])
            .arg(format!("2={}@500", fixture(image).display()))
            .arg(&out_path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out_path
    };
    let weak = build("weak.an2", "c/image/101_2_smudged.pgm", "WEAK-1");
    let good = build("good.an2", "c/image/101_2.pgm", "GOOD-1");
    let gallery = tmp.path().join("g.bmg");
    let import = |t: &Path| {
        biomatch()
            .args(["gallery", "import"])
            .arg(&gallery)
            .arg(t)
            .args(["--min-quality", "25"])
            .output()
            .unwrap()
    };
    let refused = import(&weak);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    // The error names the score, the minimum and the feedback, and where the capture was.
    // (The transaction holds the image WSQ-compressed, so its score may differ a little from
    // the PGM's; both are far below the minimum.)
    assert!(quality_of(&fixture("c/image/101_2_smudged.pgm")) < 25);
    let score: u8 = err
        .split_once("capture quality ")
        .and_then(|(_, a)| a.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no score in {err}"));
    assert!(score < 25, "{err}");
    assert!(err.contains("is below the minimum 25"), "{err}");
    assert!(
        err.contains("feedback: ") && err.contains("weak.an2"),
        "{err}"
    );
    assert!(
        !gallery.exists(),
        "nothing is saved for a refused transaction"
    );
    let accepted = import(&good);
    assert!(
        accepted.status.success(),
        "{}",
        String::from_utf8_lossy(&accepted.stderr)
    );
    assert!(gallery.exists());
}

/// The score `biomatch quality` gives an image at 500 ppi.
fn quality_of(image: &Path) -> u64 {
    let out = biomatch()
        .args(["quality", "--json", "--ppi", "500"])
        .arg(image)
        .output()
        .unwrap();
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    line["score"].as_u64().unwrap()
}
