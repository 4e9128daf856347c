//! The expected scores the C tests compare the C ABI's against (`fixtures/c/expected-scores.txt`),
//! computed with the Rust library: every ordered pair of the ten fixture fingers (matcher
//! score) and every pair of the fixture faces (cosine similarity).
//!
//! The test fails when the committed file differs from what the library computes now (a
//! stale file would make the C checks compare against old scores). After an intended change
//! of scores, regenerate it: `BIOMATCH_WRITE_C_EXPECTED=1 cargo test -p biomatch --test
//! c_fixture_scores`.
//!
//! Format, one comparison per line, easy to read with `fscanf("%15s %31s %31s %f")`:
//! `finger 101_1 102_2 0.1234` / `face watchlist_03 probe_03 0.7` (scores in Rust's shortest
//! round-trip form, so `strtof` gives back the exact f32).

use std::fmt::Write;
use std::path::PathBuf;

use biomatch::face::FaceTemplate;
use biomatch::finger::formats::{ReadOptions, read};
use biomatch::finger::matcher::Matcher;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/c")
}

fn expected_text() -> String {
    let dir = fixtures();
    let mut out =
        String::from("# kind a b score: written by crates/biomatch/tests/c_fixture_scores.rs\n");
    let matcher = Matcher::default();
    let names: Vec<String> = (101..=105)
        .flat_map(|f| (1..=2).map(move |i| format!("{f}_{i}")))
        .collect();
    let prepared: Vec<_> = names
        .iter()
        .map(|n| {
            let bytes = std::fs::read(dir.join(format!("finger/{n}.iso"))).unwrap();
            let t = read(&bytes, &ReadOptions::default()).unwrap().template;
            matcher.prepare(t.first_view().unwrap())
        })
        .collect();
    let mut scratch = matcher.scratch();
    for (a, pa) in names.iter().zip(&prepared) {
        for (b, pb) in names.iter().zip(&prepared) {
            let s = matcher.score(pa, pb, &mut scratch);
            writeln!(out, "finger {a} {b} {s}").unwrap();
        }
    }
    let face = |name: &str| {
        let bytes = std::fs::read(dir.join(format!("face/{name}.f32"))).unwrap();
        let v: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        assert_eq!(v.len(), 512, "{name}");
        FaceTemplate::new("facenet512", &v).unwrap()
    };
    let faces: Vec<(String, FaceTemplate)> = (0..20)
        .flat_map(|k| [format!("watchlist_{k:02}"), format!("probe_{k:02}")])
        .map(|n| {
            let t = face(&n);
            (n, t)
        })
        .collect();
    for (a, ta) in &faces {
        for (b, tb) in &faces {
            let s = ta.similarity(tb).unwrap();
            writeln!(out, "face {a} {b} {s}").unwrap();
        }
    }
    out
}

#[test]
fn c_expected_scores_are_current() {
    let path = fixtures().join("expected-scores.txt");
    let want = expected_text();
    assert_eq!(want.lines().count(), 1 + 100 + 40 * 40);
    if std::env::var_os("BIOMATCH_WRITE_C_EXPECTED").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (regenerate: see this file's doc)", path.display()));
    assert!(
        have == want,
        "{} is stale: regenerate it with BIOMATCH_WRITE_C_EXPECTED=1 cargo test -p biomatch \
         --test c_fixture_scores",
        path.display()
    );
}
