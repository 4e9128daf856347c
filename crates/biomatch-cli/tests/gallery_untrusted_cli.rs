//! `biomatch gallery info` refuses hostile gallery files as corrupt data (exit status 3),
//! within a 100 MiB address-space limit.

#[path = "../../biomatch/tests/common/crafted.rs"]
mod crafted;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("bm-cli-untrusted-{}-{name}", std::process::id()))
}

/// `biomatch gallery info FILE` with its address space limited to `limit_kib` (POSIX
/// `ulimit -v`): an allocation beyond it fails, and Rust aborts the process.
fn info_limited(file: &Path, limit_kib: u64) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {limit_kib} && exec \"$0\" gallery info \"$1\""
        ))
        .arg(env!("CARGO_BIN_EXE_biomatch"))
        .arg(file)
        .output()
        .expect("sh runs")
}

#[test]
fn the_issue_file_is_refused_as_corrupt_data_within_100_mib() {
    let bad = temp("issue.bmg");
    std::fs::write(&bad, crafted::huge_tag_many_faces()).unwrap();
    let out = info_limited(&bad, 100 * 1024);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "stderr: {stderr}");
    assert!(
        stderr.contains("gallery file is corrupt") && stderr.contains("face model tag"),
        "{stderr}"
    );
    // The control: a well-formed gallery of the same kind loads under the same limit, so the
    // limit is not what refused the hostile one.
    let good = temp("good.bmg");
    let mut p = crafted::head(b"facenet512", 128, 2);
    crafted::face_subject(&mut p, "alice", 128, 0.5);
    crafted::finger_subject(&mut p, "bob", &[(10.0, 20.0, 30.0), (40.0, 50.0, 60.0)]);
    std::fs::write(&good, crafted::file(&p)).unwrap();
    let out = info_limited(&good, 100 * 1024);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("2 subjects, 1 finger impressions, face model \"facenet512\" (128 values)"),
        "{stdout}"
    );
    // Other corrupt files: a duplicate id and a NaN minutia (valid checksums).
    let mut p = crafted::head(b"m", 128, 2);
    crafted::face_subject(&mut p, "twin", 128, 0.5);
    crafted::face_subject(&mut p, "twin", 128, 0.5);
    std::fs::write(&good, crafted::file(&p)).unwrap();
    assert_eq!(info_limited(&good, 100 * 1024).status.code(), Some(3));
    let mut p = crafted::head(b"m", 128, 1);
    crafted::finger_subject(&mut p, "nan", &[(f32::NAN, 0.0, 0.0)]);
    std::fs::write(&good, crafted::file(&p)).unwrap();
    assert_eq!(info_limited(&good, 100 * 1024).status.code(), Some(3));
    // A missing file is not corrupt data: exit status 1.
    std::fs::remove_file(&good).unwrap();
    assert_eq!(info_limited(&good, 100 * 1024).status.code(), Some(1));
    std::fs::remove_file(&bad).unwrap();
}
