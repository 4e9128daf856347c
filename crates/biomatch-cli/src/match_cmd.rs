//! `biomatch match A B`: the similarity score of two fingerprint templates.

use std::path::{Path, PathBuf};

use anyhow::Context;
use biomatch::calibration::{Calibration, FmrBasis};
use biomatch::finger::FingerView;
use biomatch::finger::formats::{self, Mode, ReadOptions};
use biomatch::finger::matcher::Matcher;

/// Arguments.
#[derive(clap::Args)]
pub struct Args {
    /// The probe template (ISO/IEC 19794-2 or another supported format).
    a: PathBuf,
    /// The candidate template.
    b: PathBuf,
    /// Reject templates that deviate from their standard instead of warning.
    #[arg(long)]
    strict: bool,
    /// A calibration saved by `biomatch eval verify --calibration`: also print the score's
    /// estimated false-match rate on a second line.
    #[arg(long, value_name = "FILE.json")]
    calibration: Option<PathBuf>,
}

fn read_view(path: &Path, mode: Mode) -> anyhow::Result<FingerView> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let options = ReadOptions {
        mode,
        ..ReadOptions::default()
    };
    let decoded = formats::read(&bytes, &options)
        .with_context(|| format!("cannot decode template {}", path.display()))?;
    for w in &decoded.warnings {
        eprintln!(
            "warning: {}: offset {}: {}",
            path.display(),
            w.offset,
            w.message
        );
    }
    decoded
        .template
        .views
        .into_iter()
        .next()
        .with_context(|| format!("template {} holds no finger view", path.display()))
}

/// Prints the score of A against B (higher is more similar) on one line, and with a
/// calibration its estimated FMR on a second.
pub fn run(args: Args) -> anyhow::Result<()> {
    let calibration = match &args.calibration {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            Some(
                Calibration::from_json(&text)
                    .with_context(|| format!("cannot use calibration {}", path.display()))?,
            )
        }
        None => None,
    };
    let mode = if args.strict {
        Mode::Strict
    } else {
        Mode::Lenient
    };
    let a = read_view(&args.a, mode)?;
    let b = read_view(&args.b, mode)?;
    let matcher = Matcher::default();
    let (pa, pb) = (matcher.prepare(&a), matcher.prepare(&b));
    let score = matcher.score(&pa, &pb, &mut matcher.scratch());
    println!("{score}");
    if let Some(c) = calibration {
        let e = c.fmr_estimate(f64::from(score));
        let basis = match e.basis {
            FmrBasis::Empirical => "counted from the calibration's impostors",
            FmrBasis::TailModel => "extrapolated by the fitted tail",
            FmrBasis::BeyondData => "above every calibration impostor; no tail fitted",
        };
        println!("estimated FMR {:.3e} ({basis})", e.fmr);
    }
    Ok(())
}
