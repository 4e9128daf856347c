//! `biomatch bench face` on given `.npy` data (the peer script's mode) and its kernel and
//! batch-product choices.

use std::path::Path;
use std::process::Command;

fn biomatch() -> Command {
    Command::new(env!("CARGO_BIN_EXE_biomatch"))
}

/// Writes a `rows x cols` float32 `.npy` file (version 1.0 header, written by hand).
fn write_npy(path: &Path, rows: usize, cols: usize, value: impl Fn(usize, usize) -> f32) {
    let mut header =
        format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for r in 0..rows {
        for c in 0..cols {
            bytes.extend_from_slice(&value(r, c).to_le_bytes());
        }
    }
    std::fs::write(path, bytes).unwrap();
}

fn value(r: usize, c: usize) -> f32 {
    (((r * 131 + c * 37) % 97) as f32 - 48.0) / 50.0
}

#[test]
fn the_gallery_and_probes_come_from_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let (g, p, out) = (
        dir.path().join("g.npy"),
        dir.path().join("p.npy"),
        dir.path().join("out.json"),
    );
    write_npy(&g, 300, 136, value);
    write_npy(&p, 20, 136, |r, c| value(r + 7, c));
    for (batch, product) in [("1", None), ("10", Some("gemm"))] {
        let mut cmd = biomatch();
        cmd.args(["bench", "face", "--gallery"])
            .arg(&g)
            .arg("--probes")
            .arg(&p)
            .args([
                "--queries",
                "20",
                "--batch",
                batch,
                "--threads",
                "1",
                "--json",
            ])
            .arg(&out);
        if let Some(product) = product {
            cmd.args(["--batch-product", product]);
        }
        let run = cmd.output().unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let json = std::fs::read_to_string(&out).unwrap();
        // --n and --dim (defaults 1,000,000 and 512) are taken from the file.
        assert!(json.contains("\"n\": 300"), "{json}");
        assert!(json.contains("\"dim\": 136"), "{json}");
        assert!(json.contains("\"queries\": 20"), "{json}");
        if let Some(product) = product {
            assert!(
                json.contains(&format!("\"batch_product\": \"{product}\"")),
                "{json}"
            );
        }
    }
}

#[test]
fn bad_choices_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (g, p) = (dir.path().join("g.npy"), dir.path().join("p.npy"));
    write_npy(&g, 50, 128, value);
    write_npy(&p, 5, 128, value);
    let fails = |args: &[&str], reason: &str| {
        let run = biomatch().args(args).output().unwrap();
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(
            !run.status.success() && err.contains(reason),
            "{args:?}: {err}"
        );
    };
    let (g, p) = (g.to_str().unwrap(), p.to_str().unwrap());
    fails(
        &[
            "bench",
            "face",
            "--gallery",
            g,
            "--probes",
            p,
            "--queries",
            "6",
        ],
        "fewer than --queries 6",
    );
    fails(&["bench", "face", "--gallery", g], "--probes");
    fails(
        &["bench", "face", "--kernel", "sse9"],
        "unknown kernel family",
    );
    fails(
        &["bench", "face", "--batch-product", "fft"],
        "unknown batch product",
    );
    // The portable family has no panel kernels.
    fails(
        &[
            "bench",
            "face",
            "--n",
            "10",
            "--kernel",
            "scalar",
            "--batch-product",
            "panels",
        ],
        "no panels batch product",
    );
}
