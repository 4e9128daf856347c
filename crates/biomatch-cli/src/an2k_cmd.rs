//! `biomatch an2k ...`: inspect, unpack and build ANSI/NIST-ITL transactions.

use std::path::{Path, PathBuf};

use anyhow::Context;
use biomatch::finger::extract::{ExtractParams, extract};
use biomatch::finger::formats::an2k::{self, Compression, FingerImage, RS, Record, US};
use biomatch::finger::formats::{self, Format, Mode, ReadOptions};
use biomatch::finger::image::wsq::{self, WsqEncodeOptions};
use biomatch::finger::image::{decode_bytes, encode_png};
use biomatch::finger::{FingerPosition, FingerTemplate};
use serde_json::json;

#[derive(clap::Subcommand)]
pub enum An2kCmd {
    /// List the records, fields and images of a transaction.
    Info {
        /// The transaction file.
        file: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Reject any deviation from the standard instead of warning.
        #[arg(long)]
        strict: bool,
    },
    /// Write a transaction's images (as stored, plus PNG where they decode) and minutiae
    /// (ISO/IEC 19794-2:2005, one file per finger) into a folder.
    Extract {
        /// The transaction file.
        file: PathBuf,
        /// The folder to write into (created if needed).
        outdir: PathBuf,
    },
    /// Build a transaction from fingerprint images (Type-14 WSQ), optional minutiae
    /// (Type-9, extracted from the images) and an optional face photo (Type-10).
    Build {
        /// Where to write the transaction.
        output: PathBuf,
        /// Type of transaction (1.004), e.g. CAR, MAP, or an agency profile's code.
        #[arg(long)]
        tot: String,
        /// A finger: POSITION=IMAGE[@PPI] (position 1..=10, ISO/ANSI codes), repeatable.
        #[arg(long = "finger", value_name = "POS=IMAGE[@PPI]")]
        fingers: Vec<String>,
        /// A face photo (JPEG or PNG, stored as it is).
        #[arg(long)]
        face: Option<PathBuf>,
        /// Also extract minutiae from each finger image into Type-9 records.
        #[arg(long)]
        minutiae: bool,
        /// A Type-2 field: NUMBER=VALUE (e.g. 2.018=DOE,JOHN writes 2.018), repeatable.
        #[arg(long = "text", value_name = "NUMBER=VALUE")]
        text: Vec<String>,
        /// WSQ bit rate for the finger images.
        #[arg(long, default_value_t = 0.75)]
        bitrate: f32,
        /// Transaction control number (1.009); default from the clock.
        #[arg(long)]
        tcn: Option<String>,
    },
}

pub fn run(cmd: An2kCmd) -> anyhow::Result<()> {
    match cmd {
        An2kCmd::Info { file, json, strict } => info(&file, json, strict),
        An2kCmd::Extract { file, outdir } => extract_cmd(&file, &outdir),
        An2kCmd::Build {
            output,
            tot,
            fingers,
            face,
            minutiae,
            text,
            bitrate,
            tcn,
        } => build(
            &output,
            &tot,
            &fingers,
            face.as_deref(),
            minutiae,
            &text,
            bitrate,
            tcn,
        ),
    }
}

fn load(file: &Path, mode: Mode) -> anyhow::Result<an2k::Decoded> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    an2k::read(&bytes, mode).with_context(|| format!("reading {}", file.display()))
}

/// A field value for display: RS shown as ` | `, US as `^`, other control bytes as `.`.
fn printable(v: &[u8], max: usize) -> String {
    let mut s = String::new();
    for ch in String::from_utf8_lossy(v).chars() {
        match ch {
            c if c == RS as char => s.push_str(" | "),
            c if c == US as char => s.push('^'),
            c if c.is_control() => s.push('.'),
            c => s.push(c),
        }
        if s.len() > max {
            s.truncate(max);
            s.push_str("...");
            break;
        }
    }
    s
}

fn info(file: &Path, as_json: bool, strict: bool) -> anyhow::Result<()> {
    let d = load(file, if strict { Mode::Strict } else { Mode::Lenient })?;
    let t = &d.transaction;
    let images = t.images();
    if as_json {
        let records: Vec<_> = t
            .records
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut o = json!({"index": i, "type": r.record_type(), "idc": r.idc()});
                match r {
                    Record::Tagged(tr) => {
                        o["fields"] = tr
                            .fields
                            .iter()
                            .map(|f| json!({"tag": f.tag, "value": String::from_utf8_lossy(&f.value)}))
                            .collect();
                    }
                    Record::BinaryImage(b) => {
                        o["impression"] = json!(b.impression);
                        o["positions"] = json!(b.positions);
                    }
                    Record::Opaque { bytes, .. } => o["bytes"] = json!(bytes.len()),
                }
                if let Some(img) = images.iter().find(|m| m.record == i) {
                    o["image"] = json!({
                        "width": img.width, "height": img.height, "ppi": img.ppi,
                        "compression": img.compression.name(), "bits_per_pixel": img.bits_per_pixel,
                        "positions": img.positions, "bytes": img.data_len,
                    });
                }
                o
            })
            .collect();
        let out = json!({
            "file": file.display().to_string(),
            "version": t.version(),
            "type_of_transaction": t.type_of_transaction(),
            "control_number": t.control_number(),
            "records": records,
            "warnings": d.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!(
        "{}: ANSI/NIST-ITL {}, type of transaction {}, TCN {}, {} records",
        file.display(),
        t.version().unwrap_or_default(),
        t.type_of_transaction().unwrap_or_default(),
        t.control_number().unwrap_or_default(),
        t.records.len()
    );
    for (i, r) in t.records.iter().enumerate() {
        println!(
            "record {i}: Type-{} IDC {}",
            r.record_type(),
            r.idc().map(|v| v.to_string()).unwrap_or("-".into())
        );
        if let Record::Tagged(tr) = r {
            for f in &tr.fields {
                println!("  {:>8}: {}", f.tag, printable(&f.value, 100));
            }
            if let Some((tag, data)) = &tr.data {
                println!("  {tag:>8}: <{} bytes>", data.len());
            }
        }
        if let Some(img) = images.iter().find(|m| m.record == i) {
            println!(
                "  image: {} x {} px, {} ppi, {}, {} bit/pixel, positions {:?}, {} bytes",
                img.width,
                img.height,
                img.ppi
                    .map(|p| format!("{p:.0}"))
                    .unwrap_or("unknown".into()),
                img.compression,
                img.bits_per_pixel,
                img.positions,
                img.data_len
            );
        }
    }
    for w in &d.warnings {
        eprintln!("warning: {w}");
    }
    Ok(())
}

fn extract_cmd(file: &Path, outdir: &Path) -> anyhow::Result<()> {
    let d = load(file, Mode::Lenient)?;
    for w in &d.warnings {
        eprintln!("warning: {w}");
    }
    let t = &d.transaction;
    std::fs::create_dir_all(outdir).with_context(|| format!("creating {}", outdir.display()))?;
    let write = |name: String, bytes: &[u8]| -> anyhow::Result<()> {
        let p = outdir.join(name);
        std::fs::write(&p, bytes).with_context(|| format!("writing {}", p.display()))?;
        println!("{}", p.display());
        Ok(())
    };
    for img in t.images() {
        let stem = format!(
            "record{:02}_type{}_idc{}",
            img.record, img.record_type, img.idc
        );
        write(
            format!("{stem}.{}", img.compression.extension()),
            t.image_data(img.record)?,
        )?;
        if img.compression != Compression::Png {
            match t.decode_image(img.record) {
                Ok(raster) => write(format!("{stem}.png"), &encode_png(&raster)?)?,
                Err(e) => eprintln!("note: {stem}: {e}"),
            }
        }
    }
    if t.records.iter().any(|r| r.record_type() == 9) {
        let m = t.finger_template(&ReadOptions::default())?;
        for w in &m.warnings {
            eprintln!("warning (minutiae): {w}");
        }
        for (k, view) in m.template.views.iter().enumerate() {
            let single = FingerTemplate {
                record: m.template.record.clone(),
                views: vec![view.clone()],
            };
            let bytes = formats::write(&single, Format::Iso2005)?;
            write(
                format!("minutiae{k:02}_finger{}.iso", view.finger_position.0),
                &bytes,
            )?;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn build(
    output: &Path,
    tot: &str,
    fingers: &[String],
    face: Option<&Path>,
    minutiae: bool,
    text: &[String],
    bitrate: f32,
    tcn: Option<String>,
) -> anyhow::Result<()> {
    let mut b = an2k::Builder::new(tot);
    if let Some(tcn) = tcn {
        b = b.type1_field(9, tcn);
    }
    if !text.is_empty() {
        let mut fields = Vec::new();
        for t in text {
            let (n, v) = t
                .split_once('=')
                .with_context(|| format!("--text {t:?} is not NUMBER=VALUE"))?;
            let n = n.trim().trim_start_matches("2.");
            let n: u32 = n
                .parse()
                .with_context(|| format!("--text {t:?}: bad field number"))?;
            fields.push((n, v.to_string()));
        }
        b = b.text_record(&fields);
    }
    for spec in fingers {
        let (pos, rest) = spec
            .split_once('=')
            .with_context(|| format!("--finger {spec:?} is not POS=IMAGE[@PPI]"))?;
        let position: u8 = pos
            .trim()
            .parse()
            .ok()
            .filter(|p| (0..=15).contains(p))
            .with_context(|| format!("--finger {spec:?}: position must be 0..=15"))?;
        let (path, ppi) = match rest.rsplit_once('@') {
            Some((p, ppi)) if ppi.parse::<f32>().is_ok() => (p, ppi.parse::<f32>().ok()),
            _ => (rest, None),
        };
        let data = std::fs::read(path).with_context(|| format!("reading {path}"))?;
        let raster = decode_bytes(&data, ppi).with_context(|| format!("decoding {path}"))?;
        let encoded = wsq::encode(&raster, &WsqEncodeOptions { bitrate })?;
        let (nb, idc) = b.finger_image(&FingerImage {
            position,
            impression: 0,
            width: raster.width as u32,
            height: raster.height as u32,
            ppi: raster.ppi,
            compression: Compression::Wsq,
            data: &encoded,
        });
        b = nb;
        if minutiae {
            let mut view = extract(&raster, &ExtractParams::default())
                .with_context(|| format!("extracting minutiae from {path}"))?;
            view.finger_position = FingerPosition(position);
            b = b.minutiae(&view, idc);
        }
        eprintln!(
            "finger {position}: {path}, {} x {} at {} ppi, WSQ {} bytes",
            raster.width,
            raster.height,
            raster.ppi,
            encoded.len()
        );
    }
    if let Some(face) = face {
        let data = std::fs::read(face).with_context(|| format!("reading {}", face.display()))?;
        let compression = if data.starts_with(&[0xff, 0xd8]) {
            Compression::JpegBaseline
        } else if data.starts_with(b"\x89PNG") {
            Compression::Png
        } else {
            anyhow::bail!("{}: the face photo must be JPEG or PNG", face.display());
        };
        let img = image::load_from_memory(&data)
            .with_context(|| format!("decoding {}", face.display()))?;
        let colour = if img.color().has_color() {
            "SRGB"
        } else {
            "GRAY"
        };
        let (nb, _) = b.face_image(img.width(), img.height(), compression, colour, &data);
        b = nb;
    }
    let t = b.build();
    let bytes = t.to_bytes()?;
    std::fs::write(output, &bytes).with_context(|| format!("writing {}", output.display()))?;
    eprintln!(
        "{}: {} records, {} bytes",
        output.display(),
        t.records.len(),
        bytes.len()
    );
    Ok(())
}
