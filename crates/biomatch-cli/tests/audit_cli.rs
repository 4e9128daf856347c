//! `biomatch audit` and the gallery commands' `--audit-log`: intact logs verify, edits are
//! named, a killed appender leaves a log that verifies up to its last complete entry, keys.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

fn biomatch() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_biomatch"));
    c.env_remove("BIOMATCH_AUDIT_KEY_FILE");
    c
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel)
}

fn verify(log: &Path, key: Option<&Path>) -> Output {
    let mut c = biomatch();
    c.args(["audit", "verify"]).arg(log);
    if let Some(k) = key {
        c.arg("--key-file").arg(k);
    }
    c.output().unwrap()
}

fn append(log: &Path, repeat: u64, key: Option<&Path>) {
    let mut c = biomatch();
    c.args(["audit", "append"])
        .arg(log)
        .args([
            "--operator",
            "gate-3",
            "--action",
            "identify",
            "--subject",
            "P-1",
        ])
        .args(["--decision", "no hit", "--repeat", &repeat.to_string()]);
    if let Some(k) = key {
        c.arg("--key-file").arg(k);
    }
    assert!(c.status().unwrap().success());
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn verify_reports_intact_and_broken_logs() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.log");
    append(&log, 5, None);
    let ok = verify(&log, None);
    assert!(ok.status.success());
    assert!(
        stdout(&ok).contains("intact, 5 entries verify"),
        "{}",
        stdout(&ok)
    );
    let text = std::fs::read_to_string(&log).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let edited = lines[3].replace("P-1", "P-2");
    lines[3] = &edited;
    std::fs::write(&log, lines.join("\n") + "\n").unwrap();
    let bad = verify(&log, None);
    assert_eq!(bad.status.code(), Some(4));
    assert!(
        stdout(&bad).contains("BROKEN at line 4"),
        "{}",
        stdout(&bad)
    );
    // Appending to a broken log is refused.
    let refused = biomatch()
        .args(["audit", "append"])
        .arg(&log)
        .args(["--operator", "x", "--action", "save"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("broken at line 4"));
}

#[test]
fn a_keyed_log_needs_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let (log, key) = (dir.path().join("k.log"), dir.path().join("key.hex"));
    std::fs::write(
        &key,
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
    )
    .unwrap();
    append(&log, 3, Some(&key));
    assert!(verify(&log, Some(&key)).status.success());
    let unkeyed = verify(&log, None);
    assert_eq!(unkeyed.status.code(), Some(4));
    assert!(stdout(&unkeyed).contains("BROKEN at line 1"));
    // The same key as 32 raw bytes works too; a short key file is refused.
    let raw = dir.path().join("key.bin");
    std::fs::write(
        &raw,
        [
            0x00u8, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
            0xee, 0xff, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
            0xcc, 0xdd, 0xee, 0xff,
        ],
    )
    .unwrap();
    assert!(verify(&log, Some(&raw)).status.success());
    let short = dir.path().join("short.bin");
    std::fs::write(&short, [1u8; 16]).unwrap();
    assert!(!verify(&log, Some(&short)).status.success());
}

#[test]
fn a_killed_appender_leaves_a_log_that_verifies_up_to_its_last_entry() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..3 {
        let log = dir.path().join(format!("kill-{round}.log"));
        let mut child = biomatch()
            .args(["audit", "append"])
            .arg(&log)
            .args([
                "--operator",
                "gate-9",
                "--action",
                "enrol",
                "--subject",
                "S",
            ])
            .args(["--repeat", "100000000"])
            .spawn()
            .unwrap();
        // Let it append for a while, then kill it (SIGKILL: no chance to finish a line).
        let start = std::time::Instant::now();
        while std::fs::metadata(&log).map_or(0, |m| m.len()) < 20_000
            && start.elapsed() < Duration::from_secs(20)
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let bytes = std::fs::read(&log).unwrap();
        let complete = bytes.iter().filter(|&&b| b == b'\n').count();
        assert!(complete > 10, "round {round}: {complete} entries");
        let out = verify(&log, None);
        let text = stdout(&out);
        assert!(!text.contains("BROKEN"), "{text}");
        if bytes.last() == Some(&b'\n') {
            assert!(out.status.success());
            assert!(
                text.contains(&format!("intact, {complete} entries")),
                "{text}"
            );
        } else {
            // Killed inside a write: the partial line is reported, everything before verifies.
            assert_eq!(out.status.code(), Some(4));
            assert!(
                text.contains(&format!("line {} is a half-written entry", complete + 1)),
                "{text}"
            );
            assert!(text.contains(&format!("the {complete} entries before it verify")));
        }
    }
}

#[test]
fn gallery_identify_and_import_write_audit_entries_without_biometrics() {
    let dir = tempfile::tempdir().unwrap();
    let (gallery, log) = (dir.path().join("g.bmg"), dir.path().join("audit.log"));
    let built = biomatch()
        .args(["gallery", "build", "--fingers"])
        .arg(fixture("gallery/fingers"))
        .arg("--out")
        .arg(&gallery)
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let ident = biomatch()
        .args(["gallery", "identify", "--gallery"])
        .arg(&gallery)
        .arg("--finger")
        .arg(fixture("gallery/fingers/103_2.iso"))
        .arg("--audit-log")
        .arg(&log)
        .args(["--operator", "gate-12", "--top", "3"])
        .output()
        .unwrap();
    assert!(
        ident.status.success(),
        "{}",
        String::from_utf8_lossy(&ident.stderr)
    );
    let text = std::fs::read_to_string(&log).unwrap();
    // Two entries: the gallery's load, then the search.
    assert_eq!(text.lines().count(), 2, "{text}");
    let load: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(load["action"], "load");
    assert_eq!(load["subjects"].as_array().unwrap().len(), 0);
    let entry: serde_json::Value = serde_json::from_str(text.lines().nth(1).unwrap()).unwrap();
    let keys: Vec<&str> = entry
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "action", "decision", "hash", "operator", "prev", "seq", "subjects", "time"
        ]
    );
    assert_eq!(entry["action"], "identify");
    assert_eq!(entry["operator"], "gate-12");
    assert_eq!(entry["subjects"].as_array().unwrap().len(), 3);
    assert!(entry["decision"].as_str().unwrap().starts_with("top "));
    assert!(verify(&log, None).status.success());
    // --audit-log without --operator is a usage error.
    let no_op = biomatch()
        .args(["gallery", "identify", "--gallery"])
        .arg(&gallery)
        .arg("--finger")
        .arg(fixture("gallery/fingers/103_2.iso"))
        .arg("--audit-log")
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(no_op.status.code(), Some(2));
}
