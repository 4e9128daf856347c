//! `biomatch demo`: a border-gate walk-through on the embedded fixtures.
//!
//! Six real fingers (FVC2002 DB1_B, three impressions each) and six real face identities
//! (LFW, three images each) are paired into chimeric travellers. The watchlist enrols each
//! traveller's first impressions; the gate scenarios use the other impressions.

use std::time::Instant;

use anyhow::Context;
use biomatch::audit::{AuditAction, AuditEvent, AuditLog};
use biomatch::calibration::Calibration;
use biomatch::face::FaceTemplate;
use biomatch::finger::extract::{ExtractParams, extract_with_quality};
use biomatch::finger::formats::{ReadOptions, read};
use biomatch::finger::image::decode_bytes;
use biomatch::finger::{FingerPosition, FingerView};
use biomatch::gallery::synth::SynthModel;
use biomatch::gallery::{
    CandidateSubject, Category, Gallery, GalleryConfig, Probe, Record, SearchOptions, Subject,
    SubjectId, fusion, unix_now,
};

use crate::gallery_cmd::{fmt_fmr, read_npy_f32};

/// Arguments of `demo`.
#[derive(clap::Args)]
pub struct Args {
    /// Target false-match rate of a 1:1 gate decision.
    #[arg(long, default_value_t = 1e-4)]
    fmr: f64,
    /// Target false-positive identification rate of a watchlist search.
    #[arg(long, default_value_t = 1e-3)]
    fpir: f64,
}

macro_rules! finger_fixtures {
    ($($f:literal),*) => {
        &[$(($f, include_bytes!(concat!("../../../fixtures/gallery/fingers/", $f, ".iso")) as &[u8])),*]
    };
}

const FINGERS: &[(&str, &[u8])] = finger_fixtures!(
    "101_1", "101_2", "101_3", "102_1", "102_2", "102_3", "103_1", "103_2", "103_3", "104_1",
    "104_2", "104_3", "105_1", "105_2", "105_3", "106_1", "106_2", "106_3"
);
/// A live capture for the quality scenario: FVC2002 DB1_B 101_2, the same finger as the
/// fixture templates 101_* (P-001's right index), as a 500 ppi PGM.
const CAPTURE_PGM: &[u8] = include_bytes!("../../../fixtures/c/image/101_2.pgm");
/// The same capture as a smudged touch gives it (contrast quartered, strong noise; see
/// fixtures/README.md).
const SMUDGED_PGM: &[u8] = include_bytes!("../../../fixtures/c/image/101_2_smudged.pgm");
/// The gate asks for another capture below this quality score (the lowest tenth of the shared
/// FVC captures score below it).
const RECAPTURE_BELOW: u8 = 25;
const FACES_NPY: &[u8] = include_bytes!("../../../fixtures/gallery/faces.npy");
const FACE_LABELS: &str = include_str!("../../../fixtures/gallery/faces_labels.txt");
const FACE_MODEL: &str = "facenet512";

/// A chimeric traveller: id, (fixture finger, position) pairs, fixture face identity.
type Traveller = (
    &'static str,
    &'static [(usize, FingerPosition)],
    Option<usize>,
);

struct Fixtures {
    /// `fingers[f][i]`: impression `i` of finger `f`.
    fingers: Vec<Vec<FingerView>>,
    /// `faces[p][i]`: image `i` of identity `p` (identities in fixture order).
    faces: Vec<(String, Vec<FaceTemplate>)>,
}

fn load() -> anyhow::Result<Fixtures> {
    let mut fingers: Vec<Vec<FingerView>> = Vec::new();
    for (name, bytes) in FINGERS {
        let view = read(bytes, &ReadOptions::default())
            .with_context(|| format!("fixture {name}"))?
            .template
            .views
            .into_iter()
            .next()
            .context("fixture without a view")?;
        if name.ends_with("_1") {
            fingers.push(Vec::new());
        }
        fingers.last_mut().context("fixture order")?.push(view);
    }
    let (_, cols, values) = read_npy_f32(FACES_NPY)?;
    let mut faces: Vec<(String, Vec<FaceTemplate>)> = Vec::new();
    for (label, row) in FACE_LABELS.lines().zip(values.chunks_exact(cols)) {
        let t = FaceTemplate::new(FACE_MODEL, row)?;
        match faces.last_mut() {
            Some((l, v)) if l == label => v.push(t),
            _ => faces.push((label.to_string(), vec![t])),
        }
    }
    Ok(Fixtures { fingers, faces })
}

fn at(view: &FingerView, position: FingerPosition) -> FingerView {
    let mut v = view.clone();
    v.finger_position = position;
    v
}

/// Calibrations: finger impostors are the fixture fingers against each other and against
/// 1,000 synthetic distractors fitted on them; face impostors are the fixture faces of
/// different identities.
fn calibrate(fx: &Fixtures) -> anyhow::Result<(Calibration, Calibration)> {
    use rayon::prelude::*;
    let m = biomatch::finger::matcher::Matcher::default();
    let all: Vec<(usize, &FingerView)> = fx
        .fingers
        .iter()
        .enumerate()
        .flat_map(|(f, v)| v.iter().map(move |v| (f, v)))
        .collect();
    let prepared: Vec<_> = all.iter().map(|(_, v)| m.prepare(v)).collect();
    let views: Vec<FingerView> = all.iter().map(|(_, v)| (*v).clone()).collect();
    let model = SynthModel::fit(&views)?;
    let synth: Vec<_> = (0..1000)
        .into_par_iter()
        .map(|i| m.prepare(&model.generate(0xDE30, i)))
        .collect();
    let mut pairs = Vec::new();
    for i in 0..all.len() {
        for j in i + 1..all.len() {
            if all[i].0 != all[j].0 {
                pairs.push((&prepared[i], &prepared[j]));
            }
        }
        for s in &synth {
            pairs.push((&prepared[i], s));
        }
    }
    let scores: Vec<f64> = pairs
        .par_iter()
        .map_init(|| m.scratch(), |sc, (a, b)| m.score(a, b, sc) as f64)
        .collect();
    let mut face_scores = Vec::new();
    let flat: Vec<(usize, &FaceTemplate)> = fx
        .faces
        .iter()
        .enumerate()
        .flat_map(|(p, (_, v))| v.iter().map(move |t| (p, t)))
        .collect();
    for i in 0..flat.len() {
        for j in i + 1..flat.len() {
            if flat[i].0 != flat[j].0 {
                face_scores.push(flat[i].1.similarity(flat[j].1)? as f64);
            }
        }
    }
    Ok((
        Calibration::from_impostor_scores(&scores)?,
        Calibration::from_impostor_scores(&face_scores)?,
    ))
}

fn describe(c: &CandidateSubject) -> String {
    let mut parts: Vec<String> = c
        .fingers
        .iter()
        .map(|f| {
            format!(
                "{} {:.3} (FMR {})",
                f.position.name(),
                f.score,
                fmt_fmr(f.fmr)
            )
        })
        .collect();
    if let Some(f) = &c.face {
        parts.push(format!("face {:.3} (FMR {})", f.score, fmt_fmr(f.fmr)));
    }
    format!(
        "{}: fused FMR {} (score {:.2}) <- {}",
        c.id,
        fmt_fmr(c.fused_fmr),
        c.fused_score,
        parts.join(", ")
    )
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let fx = load()?;
    let t = Instant::now();
    let (finger_cal, face_cal) = calibrate(&fx)?;
    println!(
        "calibration: {} finger impostor scores (fixture fingers vs each other and 1,000 \
         synthetic distractors), {} face impostor scores ({:.0} ms)",
        finger_cal.len(),
        face_cal.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let mut config = GalleryConfig::new(FACE_MODEL, 512);
    config.finger_calibration = Some(finger_cal);
    config.face_calibration = Some(face_cal);
    let gallery = Gallery::new(config);

    // Chimeric travellers: fingers of one FVC volunteer, face of one LFW identity.
    const RI: FingerPosition = FingerPosition::RIGHT_INDEX;
    const LI: FingerPosition = FingerPosition::LEFT_INDEX;
    let (ri, li) = (RI, LI);
    let plan: [Traveller; 4] = [
        ("P-001", &[(0, RI), (1, LI)], Some(0)),
        ("P-002", &[(2, RI), (3, LI)], Some(1)),
        ("P-003", &[(4, RI)], Some(2)),
        ("P-004", &[], Some(3)),
    ];
    // Watchlist records: P-002 is wanted (valid for a year from a month ago); P-003's stolen
    // document entry expired yesterday.
    let now = unix_now();
    const DAY: i64 = 86_400;
    let mut wanted = Record::new(Category::Wanted, "INTERPOL");
    wanted.reference = "red notice 2026/12345".into();
    wanted.action = "stop at the gate, call the duty officer".into();
    wanted.valid_from = now - 30 * DAY;
    wanted.valid_until = now + 365 * DAY;
    let mut stolen = Record::new(Category::StolenDocument, "national police");
    stolen.reference = "case 77-0412".into();
    stolen.action = "seize the document".into();
    stolen.valid_until = now - DAY;
    let mut records = [("P-002", wanted), ("P-003", stolen)]
        .into_iter()
        .collect::<std::collections::HashMap<_, _>>();
    let t = Instant::now();
    for (id, fingers, face) in plan {
        let mut s = Subject::new(SubjectId::new(id)?);
        s.set_record(records.remove(id));
        for &(f, pos) in fingers {
            s.add_finger(at(&fx.fingers[f][0], pos));
        }
        if let Some(p) = face {
            s = s.with_face(fx.faces[p].1[0].clone());
        }
        gallery.enrol(s)?;
    }
    println!(
        "watchlist: {} subjects, {} finger impressions, enrolled in {:.1} ms",
        gallery.len(),
        gallery.finger_count(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let fpir_t = fusion::fpir_threshold(args.fpir, gallery.len());
    println!(
        "decision rules: 1:1 accept when fused FMR <= {:.0e}; 1:N hit when fused FMR <= {:.1e} \
         (FPIR {:.0e} over {} subjects)\n",
        args.fmr,
        fpir_t,
        args.fpir,
        gallery.len()
    );

    // Every decision goes into a tamper-evident audit log (a temporary file), verified at the end.
    let audit_path =
        std::env::temp_dir().join(format!("biomatch-demo-{}.audit", std::process::id()));
    let _ = std::fs::remove_file(&audit_path);
    let audit = std::cell::RefCell::new(AuditLog::open(&audit_path, None)?);
    let record = |action: AuditAction, subjects: Vec<String>, decision: &str| {
        audit.borrow_mut().append(AuditEvent {
            time: biomatch::audit::now(),
            operator: "demo-gate-1".into(),
            action,
            subjects,
            decision: Some(decision.to_string()),
        })
    };
    let verify = |title: &str, claim: &str, probe: Probe| -> anyhow::Result<()> {
        let t = Instant::now();
        let c = gallery.verify(&SubjectId::new(claim)?, &probe)?;
        let ok = c.fused_fmr.is_some_and(|f| f <= args.fmr);
        record(
            AuditAction::Verify,
            vec![claim.to_string()],
            if ok { "accept" } else { "reject" },
        )?;
        println!(
            "{title}\n  passport {claim}: {}  [{:.1} ms]\n  {}\n",
            if ok { "ACCEPT" } else { "REJECT" },
            t.elapsed().as_secs_f64() * 1e3,
            describe(&c)
        );
        Ok(())
    };
    let identify = |title: &str, probe: Probe| -> anyhow::Result<()> {
        let t = Instant::now();
        let c = gallery.search(
            &probe,
            &SearchOptions {
                top_k: 3,
                ..Default::default()
            },
        )?;
        let ms = t.elapsed().as_secs_f64() * 1e3;
        let hit = c
            .first()
            .filter(|c| c.fused_fmr.is_some_and(|f| f <= fpir_t));
        record(
            AuditAction::Identify,
            c.iter().map(|c| c.id.as_str().to_string()).collect(),
            if hit.is_some() { "hit" } else { "no hit" },
        )?;
        match hit {
            Some(h) => {
                println!("{title}\n  WATCHLIST HIT {}  [{ms:.1} ms]", h.id);
                if let Some(r) = &h.record {
                    println!("  record: {}", crate::watchlist_cmd::describe(r));
                }
            }
            None => println!("{title}\n  NO HIT  [{ms:.1} ms]"),
        }
        for (r, c) in c.iter().enumerate() {
            println!("  {}. {}", r + 1, describe(c));
        }
        println!();
        Ok(())
    };

    verify(
        "1. Genuine traveller: P-001 presents both index fingers and face (second captures)",
        "P-001",
        Probe {
            face: Some(fx.faces[0].1[1].clone()),
            fingers: vec![at(&fx.fingers[0][1], ri), at(&fx.fingers[1][1], li)],
        },
    )?;
    verify(
        "2. Impostor: P-003 travels on P-002's passport (right index and face)",
        "P-002",
        Probe {
            face: Some(fx.faces[2].1[1].clone()),
            fingers: vec![at(&fx.fingers[4][1], ri)],
        },
    )?;
    identify(
        "3. Watchlist search, enrolled traveller P-002 (right index third capture, face third image)",
        Probe {
            face: Some(fx.faces[1].1[2].clone()),
            fingers: vec![at(&fx.fingers[2][2], ri)],
        },
    )?;
    identify(
        "4. Watchlist search, traveller not enrolled (unseen finger and face)",
        Probe {
            face: Some(fx.faces[4].1[1].clone()),
            fingers: vec![at(&fx.fingers[5][1], ri)],
        },
    )?;
    identify(
        "5. Watchlist search by finger only, position unknown (P-001's left index, third capture)",
        Probe {
            face: None,
            fingers: vec![fx.fingers[1][2].clone()],
        },
    )?;
    capture_scenario(&verify)?;
    identify(
        "7. Watchlist search, P-003 whose stolen-document entry expired yesterday (right index and face, second captures)",
        Probe {
            face: Some(fx.faces[2].1[1].clone()),
            fingers: vec![at(&fx.fingers[4][1], ri)],
        },
    )?;
    let purged: Vec<String> = gallery.purge(now).iter().map(|i| i.to_string()).collect();
    record(AuditAction::Purge, purged.clone(), "expired")?;
    println!(
        "retention: purged the expired entries ({}); {} subjects left\n",
        purged.join(", "),
        gallery.len()
    );
    drop(audit);
    let v = biomatch::audit::verify(&audit_path, None)?;
    let _ = std::fs::remove_file(&audit_path);
    println!(
        "audit log: {} entries (one per decision and change, no biometric data), hash chain {}",
        v.verified,
        if v.is_intact() { "intact" } else { "BROKEN" }
    );
    println!("total {:.0} ms", t0.elapsed().as_secs_f64() * 1e3);
    Ok(())
}

/// Scenario 6: the gate checks each live capture's quality before matching it.
fn capture_scenario(
    verify: &dyn Fn(&str, &str, Probe) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let capture = decode_bytes(CAPTURE_PGM, Some(500.0))?;
    let smudged = decode_bytes(SMUDGED_PGM, Some(500.0))?;
    println!(
        "6. Capture at the glass: P-001 touches the sensor with the right index; the gate asks \
         for another capture below quality {RECAPTURE_BELOW}"
    );
    let params = ExtractParams::default();
    for (touch, raster) in [
        ("first touch (smudged)", smudged),
        ("second touch", capture),
    ] {
        let t = Instant::now();
        let (view, q) = extract_with_quality(&raster, &params)?;
        let ms = t.elapsed().as_secs_f64() * 1e3;
        let flags = q.flags.names().join(", ");
        let flags = if flags.is_empty() {
            "none".into()
        } else {
            flags
        };
        if q.score < RECAPTURE_BELOW {
            println!(
                "  {touch}: quality {} (flags: {flags})  RECAPTURE: place the finger again, \
                 flat and centred  [{ms:.1} ms]",
                q.score
            );
            continue;
        }
        println!(
            "  {touch}: quality {} (flags: {flags}), {} minutiae: kept  [{ms:.1} ms]\n",
            q.score,
            view.minutiae.len()
        );
        verify(
            "   Verification of the kept capture (our extractor) against P-001's enrolled \
             template (a commercial extractor's)",
            "P-001",
            Probe {
                face: None,
                fingers: vec![at(&view, FingerPosition::RIGHT_INDEX)],
            },
        )?;
        return Ok(());
    }
    anyhow::bail!("no capture was good enough")
}
