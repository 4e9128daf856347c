//! The watchlist through the CLI: records from a file, filters and search times in
//! `gallery identify`, `purge`, `remove`, encryption with key files (and the environment
//! variable), `rekey`, `keygen`, and the audit events of these commands.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn biomatch() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_biomatch"));
    c.env_remove("BIOMATCH_AUDIT_KEY_FILE")
        .env_remove("BIOMATCH_GALLERY_KEY_FILE");
    c
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel)
}

fn run(c: &mut Command) -> Output {
    let o = c.output().unwrap();
    assert!(
        o.status.success(),
        "{:?}: {}{}",
        c,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

/// Fingers 101..106 enrolled (impression 1), records for 101 (valid in 2027), 102 (expired at
/// the start of 2027) and 103 (another agency).
fn setup(dir: &Path, key: Option<&Path>) -> PathBuf {
    let records = dir.join("records.jsonl");
    std::fs::write(
        &records,
        concat!(
            r#"{"id":"101","category":"wanted","agency":"INTERPOL","reference":"A-1/2027","action":"detain, call the duty officer","valid_from":"2026-01-01T00:00:00Z","valid_until":"2028-01-01T00:00:00Z","fields":{"notice":"red"}}"#,
            "\n",
            r#"{"id":"102","category":"stolen-document","agency":"INTERPOL","action":"seize the document","valid_until":1798761600}"#,
            "\n",
            r#"{"id":"103","category":"missing","agency":"national police","action":"protect, inform"}"#,
            "\n"
        ),
    )
    .unwrap();
    let g = dir.join("w.bmg");
    let mut c = biomatch();
    c.args(["gallery", "build", "--fingers"])
        .arg(fixture("gallery/fingers"))
        .arg("--records")
        .arg(&records)
        .arg("--out")
        .arg(&g)
        .arg("--audit-log")
        .arg(dir.join("build.log"))
        .args(["--operator", "enrolment-office"]);
    if let Some(k) = key {
        c.arg("--key-file").arg(k);
    }
    run(&mut c);
    g
}

fn identify(g: &Path, probe: &str, extra: &[&str], key: Option<&Path>) -> String {
    let mut c = biomatch();
    c.args(["gallery", "identify", "--gallery"])
        .arg(g)
        .arg("--finger")
        .arg(fixture(&format!("gallery/fingers/{probe}")))
        .args(["--top", "1"])
        .args(extra);
    if let Some(k) = key {
        c.arg("--key-file").arg(k);
    }
    text(&run(&mut c))
}

#[test]
fn records_filters_times_and_purge() {
    let dir = tempfile::tempdir().unwrap();
    let g = setup(dir.path(), None);
    // The build logged its enrolments, the records set and the save.
    let built = std::fs::read_to_string(dir.path().join("build.log")).unwrap();
    let actions: Vec<String> = built
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["action"].to_string())
        .collect();
    assert_eq!(actions, ["\"enrol\"", "\"replace\"", "\"save\""], "{built}");
    assert!(
        built
            .lines()
            .nth(1)
            .unwrap()
            .contains("\"101\",\"102\",\"103\""),
        "{built}"
    );
    // A hit shows its record.
    let out = identify(&g, "101_2.iso", &["--at", "2027-06-01T00:00:00Z"], None);
    assert!(out.contains("1. 101 "), "{out}");
    assert!(
        out.contains("[wanted] INTERPOL A-1/2027: detain, call the duty officer (valid until 2028-01-01T00:00:00Z)"),
        "{out}"
    );
    // 102 expired at 2027-01-01 (1798761600): before, it hits; after, never.
    let before = identify(&g, "102_2.iso", &["--at", "1798761599"], None);
    assert!(
        before.contains("1. 102 ") && before.contains("[stolen-document]"),
        "{before}"
    );
    let after = identify(&g, "102_2.iso", &["--at", "2027-01-01T00:00:00Z"], None);
    assert!(!after.contains(" 102 "), "{after}");
    // Filters: 103 is a missing person of another agency.
    let wanted = identify(
        &g,
        "103_2.iso",
        &["--category", "wanted", "--exhaustive"],
        None,
    );
    assert!(!wanted.contains(" 103 "), "{wanted}");
    let police = identify(&g, "103_2.iso", &["--agency", "national police"], None);
    assert!(
        police.contains("1. 103 ") && police.contains("[missing] national police"),
        "{police}"
    );

    // Purge at 2027-06-01 removes 102 only, and the file no longer names it.
    let log = dir.path().join("audit.log");
    let out = text(&run(biomatch()
        .args(["gallery", "purge"])
        .arg(&g)
        .args(["--at", "2027-06-01T00:00:00Z", "--operator", "dpo"])
        .arg("--audit-log")
        .arg(&log)));
    assert!(
        out.contains("purged 1 expired entry (102), 5 subjects left"),
        "{out}"
    );
    let bytes = std::fs::read(&g).unwrap();
    assert!(!bytes.windows(18).any(|w| w == b"seize the document"));
    let listed = text(&run(biomatch().args(["gallery", "records"]).arg(&g)));
    assert!(
        listed.contains("101") && !listed.contains("102"),
        "{listed}"
    );
    // The audit log names the purged subject and verifies.
    let audit = std::fs::read_to_string(&log).unwrap();
    let actions: Vec<&str> = ["\"load\"", "\"purge\"", "\"save\""]
        .into_iter()
        .filter(|a| audit.contains(a))
        .collect();
    assert_eq!(actions.len(), 3, "{audit}");
    let purge_line = audit.lines().nth(1).unwrap();
    assert!(
        purge_line.contains("\"purge\"") && purge_line.contains("\"102\""),
        "{audit}"
    );
    let v = text(&run(biomatch().args(["audit", "verify"]).arg(&log)));
    assert!(v.contains("intact, 3 entries verify"), "{v}");

    // remove erases a subject from the file.
    run(biomatch().args(["gallery", "remove"]).arg(&g).arg("103"));
    let bytes = std::fs::read(&g).unwrap();
    assert!(!bytes.windows(15).any(|w| w == b"national police"));
}

#[test]
fn encrypted_galleries_need_their_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let k1 = dir.path().join("k1.key");
    let k2 = dir.path().join("k2.key");
    run(biomatch().args(["gallery", "keygen"]).arg(&k1));
    run(biomatch().args(["gallery", "keygen"]).arg(&k2));
    assert_eq!(std::fs::read_to_string(&k1).unwrap().trim().len(), 64);
    assert_ne!(std::fs::read(&k1).unwrap(), std::fs::read(&k2).unwrap());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&k1).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // keygen never overwrites.
    assert!(
        !biomatch()
            .args(["gallery", "keygen"])
            .arg(&k1)
            .status()
            .unwrap()
            .success()
    );

    let g = setup(dir.path(), Some(&k1));
    let bytes = std::fs::read(&g).unwrap();
    assert!(!bytes.windows(8).any(|w| w == b"INTERPOL"));
    let out = identify(
        &g,
        "101_2.iso",
        &["--at", "2027-06-01T00:00:00Z"],
        Some(&k1),
    );
    assert!(
        out.contains("1. 101 ") && out.contains("[wanted] INTERPOL"),
        "{out}"
    );
    // Without a key, with the wrong one: clear errors, non-zero exits.
    let no_key = biomatch()
        .args(["gallery", "info"])
        .arg(&g)
        .output()
        .unwrap();
    assert!(!no_key.status.success());
    assert!(
        text(&no_key).contains("encrypted: a key is needed"),
        "{}",
        text(&no_key)
    );
    let wrong = biomatch()
        .args(["gallery", "info"])
        .arg(&g)
        .arg("--key-file")
        .arg(&k2)
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    assert!(
        text(&wrong).contains("wrong key, or the file was altered"),
        "{}",
        text(&wrong)
    );
    // The key through the environment variable.
    let info = text(&run(biomatch()
        .args(["gallery", "info"])
        .arg(&g)
        .env("BIOMATCH_GALLERY_KEY_FILE", &k1)));
    assert!(
        info.contains("6 subjects") && info.contains("encrypted; 3 watchlist records"),
        "{info}"
    );

    // Rekey: the old key stops working, the new one works.
    run(biomatch()
        .args(["gallery", "rekey"])
        .arg(&g)
        .arg("--key-file")
        .arg(&k1)
        .arg("--new-key-file")
        .arg(&k2));
    let old = biomatch()
        .args(["gallery", "info"])
        .arg(&g)
        .arg("--key-file")
        .arg(&k1)
        .output()
        .unwrap();
    assert!(!old.status.success());
    let info = text(&run(biomatch()
        .args(["gallery", "info"])
        .arg(&g)
        .arg("--key-file")
        .arg(&k2)));
    assert!(info.contains("6 subjects"), "{info}");
    // A key given for a plain file is refused.
    run(biomatch()
        .args(["gallery", "rekey"])
        .arg(&g)
        .arg("--key-file")
        .arg(&k2));
    let plain = biomatch()
        .args(["gallery", "info"])
        .arg(&g)
        .arg("--key-file")
        .arg(&k2)
        .output()
        .unwrap();
    assert!(!plain.status.success());
    assert!(text(&plain).contains("not encrypted"), "{}", text(&plain));
}
