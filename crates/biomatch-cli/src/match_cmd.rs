//! `biomatch match A B`: the similarity score of two fingerprint templates.

use std::path::{Path, PathBuf};

use anyhow::Context;
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
}

fn read_view(path: &Path, mode: Mode) -> anyhow::Result<FingerView> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let options = ReadOptions { mode, format: None };
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

/// Prints the score of A against B (higher is more similar) on one line.
pub fn run(args: Args) -> anyhow::Result<()> {
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
    Ok(())
}
