//! `biomatch eval params` and the tuning options of `eval verify` (`--matcher-params`,
//! `--write-templates`), on the embedded fixtures.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn biomatch() -> Command {
    Command::new(env!("CARGO_BIN_EXE_biomatch"))
}

fn out_dir(tag: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("biomatch-params-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

/// Runs `eval verify` on `folder` with extra arguments; returns the scores CSV.
fn scores(folder: &Path, extra: &[&std::ffi::OsStr], out: &Path) -> Result<String, String> {
    let csv = out.join("scores.csv");
    let run = biomatch()
        .args(["eval", "verify"])
        .arg(folder)
        .args(extra)
        .arg("--scores")
        .arg(&csv)
        .output()
        .unwrap();
    if !run.status.success() {
        return Err(String::from_utf8_lossy(&run.stderr).into_owned());
    }
    Ok(std::fs::read_to_string(&csv).unwrap())
}

/// The printed matcher defaults read back unchanged (same scores as no file); a changed
/// constant changes the scores; an unknown field is refused with its name.
#[test]
fn matcher_params_round_trip_and_take_effect() {
    let out = out_dir("matcher");
    let folder = fixtures().join("gallery/fingers");
    let printed = biomatch()
        .args(["eval", "params", "--matcher"])
        .output()
        .unwrap();
    assert!(printed.status.success());
    let defaults: serde_json::Value = serde_json::from_slice(&printed.stdout).unwrap();
    assert_eq!(defaults["neighbours"], 8, "{defaults}");
    let path = out.join("defaults.json");
    std::fs::write(&path, &printed.stdout).unwrap();

    let plain = scores(&folder, &[], &out).unwrap();
    let opt = std::ffi::OsStr::new("--matcher-params");
    let same = scores(&folder, &[opt, path.as_os_str()], &out).unwrap();
    assert_eq!(plain, same);
    assert!(plain.lines().count() > 100, "{plain}");

    let strict = out.join("strict.json");
    std::fs::write(
        &strict,
        r#"{"angle_tolerance": 2.0, "length_tolerance": 1.0}"#,
    )
    .unwrap();
    let changed = scores(&folder, &[opt, strict.as_os_str()], &out).unwrap();
    assert_eq!(changed.lines().count(), plain.lines().count());
    assert_ne!(changed, plain, "tighter tolerances must change some score");

    let unknown = out.join("unknown.json");
    std::fs::write(&unknown, r#"{"neighbors": 8}"#).unwrap();
    let err = scores(&folder, &[opt, unknown.as_os_str()], &out).unwrap_err();
    assert!(err.contains("neighbors"), "{err}");
}

/// `--write-templates` writes one ISO template per image, named as the images, under
/// TRANSFORMATION/DATABASE, and that folder evaluates with the same comparisons.
#[test]
fn written_templates_evaluate_like_the_images() {
    let out = out_dir("templates");
    // The fixture's two impressions of finger 101, also filed as finger 102 so that the
    // protocol has impostor pairs.
    let images = out.join("db").join("DB9_B");
    std::fs::create_dir_all(&images).unwrap();
    for (from, to) in [
        ("101_1", "101_1"),
        ("101_2", "101_2"),
        ("101_1", "102_1"),
        ("101_2", "102_2"),
    ] {
        let src = fixtures().join(format!("c/image/{from}.pgm"));
        std::fs::copy(src, images.join(format!("{to}.pgm"))).unwrap();
    }
    let spec = format!("{}@500", images.display());
    let root = out.join("tpl");
    let opt = std::ffi::OsStr::new("--write-templates");
    let from_images = scores(Path::new(&spec), &[opt, root.as_os_str()], &out).unwrap();
    let folder = root.join("none").join("db").join("DB9_B");
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected: Vec<String> = std::fs::read_dir(&images)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".pgm"))
        .map(|n| n.replace(".pgm", ".iso"))
        .collect();
    expected.sort();
    assert_eq!(names, expected);
    let from_templates = scores(&folder, &[], &out).unwrap();
    assert_eq!(
        from_templates.lines().count(),
        from_images.lines().count(),
        "same comparisons"
    );
}
