//! `biomatch template info|convert`: inspect and convert minutiae templates.

use std::path::PathBuf;

use anyhow::{Context, Result};
use biomatch::finger::Resolution;
use biomatch::finger::formats::{self, Decoded, Format, Mode, ReadOptions, XytFlavour};

#[derive(clap::Subcommand)]
pub enum TemplateCmd {
    /// Print what a template holds: format, version and, per view, finger position,
    /// impression type, quality, image size, resolution and minutiae count.
    Info(InfoArgs),
    /// Convert a template to another format.
    Convert(ConvertArgs),
}

/// How to read the input.
#[derive(clap::Args)]
pub struct ReadArgs {
    /// Reject any deviation from the standard (default: lenient, deviations are warnings).
    #[arg(long)]
    strict: bool,
    /// The input format, if detection should be skipped (iso2005, iso2011, ansi2004,
    /// ansi2009, ansi2009am1, xyt, xyt-m1, type9).
    #[arg(long, value_name = "FORMAT")]
    from: Option<String>,
    /// Flavour of a detected xyt file: `nist` (NIST-internal, the default) or `m1`.
    #[arg(long, value_name = "FLAVOUR", default_value = "nist")]
    xyt: String,
    /// Image width in pixels, for formats that do not store it (xyt, Type-9).
    #[arg(long)]
    width: Option<u16>,
    /// Image height in pixels, for formats that do not store it (xyt, Type-9).
    #[arg(long)]
    height: Option<u16>,
    /// Resolution in pixels per centimetre, for formats that do not store it.
    #[arg(long)]
    ppcm: Option<u16>,
}

#[derive(clap::Args)]
pub struct InfoArgs {
    /// The template file.
    file: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    read: ReadArgs,
}

#[derive(clap::Args)]
pub struct ConvertArgs {
    /// The input template.
    input: PathBuf,
    /// The output file.
    output: PathBuf,
    /// Output format: iso2005, iso2011, ansi2004, ansi2009, ansi2009am1, xyt, xyt-m1.
    #[arg(long, value_name = "FORMAT")]
    to: String,
    /// Keep only this view (0-based), e.g. to write one view of a multi-view record as xyt.
    #[arg(long)]
    view: Option<usize>,
    /// CBEFF product owner (IBIA vendor ID) to store in ANSI records; templates read from
    /// ISO or xyt have none, and strict ANSI readers reject owner 0.
    #[arg(long)]
    cbeff_owner: Option<u16>,
    /// CBEFF product type to store in ANSI records.
    #[arg(long)]
    cbeff_type: Option<u16>,
    #[command(flatten)]
    read: ReadArgs,
}

pub fn run(cmd: TemplateCmd) -> Result<()> {
    match cmd {
        TemplateCmd::Info(args) => info(args),
        TemplateCmd::Convert(args) => convert(args),
    }
}

fn read(path: &PathBuf, args: &ReadArgs) -> Result<Decoded> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let xyt_flavour = match args.xyt.to_ascii_lowercase().as_str() {
        "nist" | "internal" => XytFlavour::NistInternal,
        "m1" => XytFlavour::M1,
        other => anyhow::bail!("unknown xyt flavour {other:?}; expected `nist` or `m1`"),
    };
    let format = args
        .from
        .as_deref()
        .map(|s| s.parse::<Format>())
        .transpose()?;
    let options = ReadOptions {
        mode: if args.strict {
            Mode::Strict
        } else {
            Mode::Lenient
        },
        format,
        xyt_flavour,
        image_width: args.width,
        image_height: args.height,
        resolution: args.ppcm.map(|p| Resolution {
            x_ppcm: p,
            y_ppcm: p,
        }),
    };
    let decoded =
        formats::read(&bytes, &options).with_context(|| format!("reading {}", path.display()))?;
    for w in &decoded.warnings {
        eprintln!("warning: {}: {w}", path.display());
    }
    Ok(decoded)
}

fn info(args: InfoArgs) -> Result<()> {
    let d = read(&args.file, &args.read)?;
    if args.json {
        let views: Vec<serde_json::Value> = d
            .template
            .views
            .iter()
            .map(|v| {
                serde_json::json!({
                    "finger_position": v.finger_position.0,
                    "finger_name": v.finger_position.name(),
                    "view_number": v.view_number,
                    "impression_type": v.impression_type.0,
                    "quality": v.finger_quality,
                    "width": v.width,
                    "height": v.height,
                    "resolution_ppcm": v.resolution.x_ppcm,
                    "resolution_y_ppcm": v.resolution.y_ppcm,
                    "minutiae": v.minutiae.len(),
                })
            })
            .collect();
        let warnings: Vec<String> = d.warnings.iter().map(|w| w.to_string()).collect();
        let out = serde_json::json!({
            "format": d.format.id(),
            "format_name": d.format.to_string(),
            "version": d.version,
            "views": views,
            "warnings": warnings,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!("format:  {} ({})", d.format, d.format.id());
    println!("version: {}", d.version);
    println!("views:   {}", d.template.views.len());
    for (i, v) in d.template.views.iter().enumerate() {
        println!(
            "view {i}: finger {} ({}), view number {}, impression type {}, quality {}, \
             image {}x{} px at {}x{} ppcm, {} minutiae",
            v.finger_position.0,
            v.finger_position.name(),
            v.view_number,
            v.impression_type.0,
            v.finger_quality,
            v.width,
            v.height,
            v.resolution.x_ppcm,
            v.resolution.y_ppcm,
            v.minutiae.len()
        );
    }
    Ok(())
}

fn convert(args: ConvertArgs) -> Result<()> {
    let target: Format = args.to.parse()?;
    let mut d = read(&args.input, &args.read)?;
    if let Some(i) = args.view {
        anyhow::ensure!(
            i < d.template.views.len(),
            "--view {i}: the template has {} views",
            d.template.views.len()
        );
        d.template.views = vec![d.template.views.swap_remove(i)];
    }
    if let Some(owner) = args.cbeff_owner {
        d.template.record.cbeff_owner = owner;
    }
    if let Some(ty) = args.cbeff_type {
        d.template.record.cbeff_type = ty;
    }
    let bytes = formats::write(&d.template, target)
        .with_context(|| format!("writing {} as {target}", args.output.display()))?;
    std::fs::write(&args.output, &bytes)
        .with_context(|| format!("writing {}", args.output.display()))?;
    println!(
        "{} ({}) -> {} ({}, {} bytes)",
        args.input.display(),
        d.format,
        args.output.display(),
        target,
        bytes.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/templates")
            .join(name)
    }

    fn read_args(strict: bool) -> ReadArgs {
        ReadArgs {
            strict,
            from: None,
            xyt: "nist".into(),
            width: None,
            height: None,
            ppcm: None,
        }
    }

    #[test]
    fn convert_then_info_reads_the_target_format() {
        let dir =
            std::env::temp_dir().join(format!("biomatch-template-cmd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for to in ["iso2005", "iso2011", "ansi2004", "ansi2009"] {
            let out = dir.join(format!("b2.{to}"));
            run(TemplateCmd::Convert(ConvertArgs {
                input: fixture("biomdi_Appendix-B2_Example.raw"),
                output: out.clone(),
                to: to.into(),
                view: None,
                cbeff_owner: None,
                cbeff_type: None,
                read: read_args(true),
            }))
            .unwrap();
            let d = read(&out, &read_args(true)).unwrap();
            assert_eq!(d.format.id(), to);
            assert_eq!(d.template.views.len(), 2);
            assert_eq!(d.template.views[0].minutiae.len(), 27);
        }
        // One view of a multi-view record as xyt.
        let out = dir.join("b2.xyt");
        run(TemplateCmd::Convert(ConvertArgs {
            input: fixture("biomdi_Appendix-B2_Example.raw"),
            output: out.clone(),
            to: "xyt".into(),
            view: Some(1),
            cbeff_owner: None,
            cbeff_type: None,
            read: read_args(false),
        }))
        .unwrap();
        let lines = std::fs::read_to_string(&out).unwrap().lines().count();
        assert_eq!(lines, 22);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_input_is_an_error_with_the_reason() {
        let err = run(TemplateCmd::Info(InfoArgs {
            file: fixture("biomdi_Appendix-C2_Example.raw"),
            json: false,
            read: read_args(true),
        }))
        .unwrap_err();
        assert!(
            format!("{err:#}").contains("record length field says 340"),
            "{err:#}"
        );
        let err = run(TemplateCmd::Convert(ConvertArgs {
            input: fixture("biomdi_Appendix-B2_Example.raw"),
            output: std::env::temp_dir().join("never-written"),
            to: "iso2099".into(),
            view: None,
            cbeff_owner: None,
            cbeff_type: None,
            read: read_args(false),
        }))
        .unwrap_err();
        assert!(format!("{err:#}").contains("iso2099"), "{err:#}");
    }
}
