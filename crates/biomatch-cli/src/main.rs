//! `biomatch`: the integrators' command-line tool.

use clap::{Parser, Subcommand};

mod an2k_cmd;
mod audit_cmd;
mod bench_finger;
mod demo_cmd;
mod eval_verify;
mod extract_cmd;
mod face_cmd;
mod gallery_cmd;
mod image_cmd;
mod match_cmd;
mod quality_cmd;
mod template_cmd;
mod watchlist_cmd;

/// biomatch: fingerprint and face matching for border gates.
#[derive(Parser)]
#[command(name = "biomatch", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Inspect and convert fingerprint minutiae templates.
    #[command(subcommand)]
    Template(template_cmd::TemplateCmd),
    /// Print the similarity score of two fingerprint templates.
    Match(match_cmd::Args),
    /// Measure accuracy on a dataset.
    #[command(subcommand)]
    Eval(EvalCmd),
    /// Measure speed.
    #[command(subcommand)]
    Bench(BenchCmd),
    /// Extract minutiae from a fingerprint image into a template.
    Extract(extract_cmd::Args),
    /// Score the quality of fingerprint images (0-100) with feedback flags.
    Quality(quality_cmd::Args),
    /// Decode fingerprint images (WSQ and common formats).
    #[command(subcommand)]
    Image(image_cmd::ImageCmd),
    /// Read, unpack and build ANSI/NIST-ITL transactions.
    #[command(subcommand)]
    An2k(an2k_cmd::An2kCmd),
    /// Build subject galleries and identify probes against them.
    #[command(subcommand)]
    Gallery(gallery_cmd::GalleryCmd),
    /// Run the gate demo on the embedded fixtures.
    Demo(demo_cmd::Args),
    /// Check or extend a tamper-evident audit log.
    #[command(subcommand)]
    Audit(audit_cmd::AuditCmd),
}

#[derive(Subcommand)]
enum EvalCmd {
    /// 1:1 fingerprint verification accuracy over FVC-named folders.
    Verify(eval_verify::Args),
    /// Face verification accuracy and quantised-index recall over an embeddings file.
    Face(face_cmd::EvalArgs),
    /// How well quality scores predict verification errors (error versus discard), with
    /// other measures (NIST NFIQ 2) and other matchers' scores from CSV files.
    Quality(quality_cmd::EvalArgs),
    /// Print the extractor's default constants as JSON (the form `verify --extract-params`
    /// reads; tuning scripts start from it), or with `--matcher` the matcher's (the form
    /// `verify --matcher-params` reads).
    Params {
        /// The matcher's constants instead of the extractor's.
        #[arg(long)]
        matcher: bool,
    },
}

#[derive(Subcommand)]
enum BenchCmd {
    /// Fingerprint 1:1 comparisons per second (one thread).
    FingerMatch(bench_finger::Args),
    /// Face 1:N search speed against the memory-bandwidth bound.
    Face(face_cmd::BenchArgs),
    /// Fingerprint 1:N search speed over a large synthetic gallery.
    FingerIdentify(gallery_cmd::BenchArgs),
    /// Gallery load time, plain against encrypted (the same gallery saved both ways).
    GalleryLoad(gallery_cmd::LoadBenchArgs),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Template(cmd) => template_cmd::run(cmd),
        Command::Match(args) => match_cmd::run(args),
        Command::Eval(EvalCmd::Verify(args)) => eval_verify::run(args),
        Command::Eval(EvalCmd::Face(args)) => face_cmd::run_eval(args),
        Command::Eval(EvalCmd::Params { matcher }) => eval_verify::print_params(matcher),
        Command::Bench(BenchCmd::FingerMatch(args)) => bench_finger::run(args),
        Command::Bench(BenchCmd::Face(args)) => face_cmd::run_bench(args),
        Command::Bench(BenchCmd::FingerIdentify(args)) => gallery_cmd::run_bench(args),
        Command::Bench(BenchCmd::GalleryLoad(args)) => gallery_cmd::run_load_bench(args),
        Command::Extract(args) => extract_cmd::run(args),
        Command::Quality(args) => quality_cmd::run(args),
        Command::Eval(EvalCmd::Quality(args)) => quality_cmd::run_eval(args),
        Command::Image(cmd) => image_cmd::run(cmd),
        Command::An2k(cmd) => an2k_cmd::run(cmd),
        Command::Gallery(cmd) => gallery_cmd::run(cmd),
        Command::Demo(args) => demo_cmd::run(args),
        Command::Audit(cmd) => match audit_cmd::run(cmd) {
            Ok(0) => Ok(()),
            Ok(code) => std::process::exit(code),
            Err(e) => Err(e),
        },
    };
    if let Err(err) = result {
        eprintln!("error: {err:#}");
        std::process::exit(exit_code(&err));
    }
}

/// Exit status of a failed command: 3 for corrupt or foreign saved data (a gallery or face
/// index file refused as corrupt, of another version, or not such a file at all), 1 for
/// everything else (2 is clap's usage error).
fn exit_code(err: &anyhow::Error) -> i32 {
    use biomatch::face::FaceError;
    use biomatch::gallery::GalleryError;
    let corrupt = err.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<GalleryError>(),
            Some(
                GalleryError::Corrupt { .. }
                    | GalleryError::ChecksumMismatch { .. }
                    | GalleryError::NotAGallery
                    | GalleryError::UnsupportedVersion(..)
            )
        ) || matches!(
            cause.downcast_ref::<FaceError>(),
            Some(
                FaceError::Corrupt(_)
                    | FaceError::ChecksumMismatch
                    | FaceError::Truncated
                    | FaceError::NotAnIndexFile
                    | FaceError::UnsupportedVersion(_)
            )
        )
    });
    if corrupt { 3 } else { 1 }
}
