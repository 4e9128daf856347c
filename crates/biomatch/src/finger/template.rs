//! The fingerprint template model shared by every format reader and writer, the extractor and
//! the matcher.
//!
//! # Internal convention
//! Every reader converts *into* this convention and every writer converts *out of* it, so the
//! rest of the library never sees a format's units:
//!
//! * **Coordinates** are pixels at the view's stated [`Resolution`], as `f32`, origin at the
//!   top-left corner of the image, x to the right, y **down**.
//! * **Direction** ([`Minutia::angle`]) is in degrees in `[0, 360)`, `f32`, measured as ISO/IEC
//!   19794-2 defines it: 0° points along +x (east) and angles grow **counter-clockwise as seen
//!   on screen** (so a direction of 90° points *up*, towards smaller y). The direction points
//!   *into* the feature: up the ridge of a ridge ending, up the valley between the branches of
//!   a bifurcation. NIST `.xyt` and ANSI/NIST-ITL Type-9 directions are rotated by 180° and y is
//!   flipped at their edges.
//! * Angles are kept at full precision: an ISO angle unit (1.40625°) or an ANSI unit (2°) is
//!   converted exactly and only quantised again when a format is written.
//! * **Quality** follows ISO/IEC 19794-2:2011: `Some(0..=100)`; `None` means "not reported"
//!   (the 2005/2004 value 0, a missing ISO-2011 quality byte, or 254 "not computed");
//!   [`MinutiaQuality::Failed`] is 255 "computation failed".

use serde::{Deserialize, Serialize};

/// Resolution of the image a view's minutiae were taken from, in pixels per centimetre
/// (197 ppcm ≈ 500 ppi).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Resolution {
    /// Horizontal resolution, pixels per centimetre.
    pub x_ppcm: u16,
    /// Vertical resolution, pixels per centimetre.
    pub y_ppcm: u16,
}

impl Resolution {
    /// 197 ppcm in both axes: the standard 500 ppi.
    pub const PPI_500: Resolution = Resolution {
        x_ppcm: 197,
        y_ppcm: 197,
    };

    /// The resolution for a pixels-per-inch value, rounded to whole ppcm.
    pub fn from_ppi(ppi: f32) -> Resolution {
        let ppcm = (ppi / 2.54).round().clamp(0.0, u16::MAX as f32) as u16;
        Resolution {
            x_ppcm: ppcm,
            y_ppcm: ppcm,
        }
    }

    /// Horizontal resolution in pixels per inch.
    pub fn x_ppi(&self) -> f32 {
        self.x_ppcm as f32 * 2.54
    }

    /// Vertical resolution in pixels per inch.
    pub fn y_ppi(&self) -> f32 {
        self.y_ppcm as f32 * 2.54
    }
}

/// The kind of a minutia (the 2-bit type code shared by every binary format).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MinutiaKind {
    /// Type not known ("other" in ISO, "either" in ANSI 2009); code `00`.
    Other,
    /// A ridge ending; code `01`.
    RidgeEnding,
    /// A ridge bifurcation; code `10`.
    Bifurcation,
    /// The reserved code `11`, kept so that a lenient read loses nothing.
    Reserved,
}

impl MinutiaKind {
    /// The 2-bit code used by ISO/ANSI binary records.
    pub fn code(self) -> u8 {
        match self {
            MinutiaKind::Other => 0,
            MinutiaKind::RidgeEnding => 1,
            MinutiaKind::Bifurcation => 2,
            MinutiaKind::Reserved => 3,
        }
    }

    /// The kind for a 2-bit code (only the low two bits are looked at).
    pub fn from_code(code: u8) -> MinutiaKind {
        match code & 3 {
            0 => MinutiaKind::Other,
            1 => MinutiaKind::RidgeEnding,
            2 => MinutiaKind::Bifurcation,
            _ => MinutiaKind::Reserved,
        }
    }
}

/// Quality of one minutia, as ISO/IEC 19794-2:2011 defines it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MinutiaQuality {
    /// Not reported or not computed.
    Unknown,
    /// A score from 0 (worst) to 100 (best).
    Score(u8),
    /// The extractor tried to compute a quality and failed (ISO 2011 / ANSI 2009 value 255).
    Failed,
}

/// One minutia in the internal convention (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Minutia {
    /// Column in pixels from the left edge.
    pub x: f32,
    /// Row in pixels from the top edge (y points down).
    pub y: f32,
    /// Direction in degrees, `[0, 360)`, counter-clockwise on screen, 0 = +x, into the feature.
    pub angle: f32,
    /// Ridge ending, bifurcation or unknown.
    pub kind: MinutiaKind,
    /// Minutia quality.
    pub quality: MinutiaQuality,
}

impl Minutia {
    /// Direction in radians, `[0, 2π)`.
    pub fn angle_rad(&self) -> f32 {
        self.angle.to_radians()
    }
}

/// Finger position codes shared by ISO/IEC 19794-2 and ANSI INCITS 378 (0 = unknown,
/// 1..=10 the ten fingers, higher values multi-finger and palm codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FingerPosition(pub u8);

impl FingerPosition {
    /// Position not known.
    pub const UNKNOWN: FingerPosition = FingerPosition(0);
    /// Right thumb.
    pub const RIGHT_THUMB: FingerPosition = FingerPosition(1);
    /// Right index finger.
    pub const RIGHT_INDEX: FingerPosition = FingerPosition(2);
    /// Left thumb.
    pub const LEFT_THUMB: FingerPosition = FingerPosition(6);
    /// Left index finger.
    pub const LEFT_INDEX: FingerPosition = FingerPosition(7);

    /// A short human-readable name ("right index", "unknown", "code 13").
    pub fn name(self) -> String {
        const NAMES: [&str; 11] = [
            "unknown",
            "right thumb",
            "right index",
            "right middle",
            "right ring",
            "right little",
            "left thumb",
            "left index",
            "left middle",
            "left ring",
            "left little",
        ];
        NAMES
            .get(self.0 as usize)
            .map(|s| s.to_string())
            .unwrap_or_else(|| format!("code {}", self.0))
    }
}

/// Impression type code as stored in the record (0 live-scan plain, 1 live-scan rolled,
/// 2 non-live plain, 3 non-live rolled, 8 swipe, ...; the code is kept as read).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ImpressionType(pub u8);

/// A ridge count between two minutiae of the same view (extended data, type 0x0001).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RidgeCount {
    /// Index of the first minutia into [`FingerView::minutiae`] (0-based).
    pub a: u16,
    /// Index of the second minutia (0-based).
    pub b: u16,
    /// Number of ridges crossed between them.
    pub count: u8,
}

/// Ridge-count extended data: how the counts were taken and the counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RidgeCountData {
    /// Extraction method code (0 unspecified, 1 four-neighbour, 2 eight-neighbour).
    pub method: u8,
    /// The counts.
    pub counts: Vec<RidgeCount>,
}

/// A core or delta point (extended data, type 0x0002), in the internal convention.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SingularPoint {
    /// Column in pixels.
    pub x: f32,
    /// Row in pixels (y down).
    pub y: f32,
    /// Directions in degrees (internal convention): none, one for a core, three for a delta.
    pub angles: Vec<f32>,
}

/// An extended-data area this library does not interpret (vendor-defined, zonal quality),
/// kept byte-for-byte.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtendedArea {
    /// Area type identifier.
    pub type_id: u16,
    /// Payload bytes (without the 4-byte type/length header).
    pub data: Vec<u8>,
}

/// Optional extended data of a view.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ExtendedData {
    /// Ridge counts, if the record has them.
    pub ridge_counts: Option<RidgeCountData>,
    /// Core points.
    pub cores: Vec<SingularPoint>,
    /// Delta points.
    pub deltas: Vec<SingularPoint>,
    /// Other areas, kept as read.
    pub other: Vec<ExtendedArea>,
}

impl ExtendedData {
    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.ridge_counts.is_none()
            && self.cores.is_empty()
            && self.deltas.is_empty()
            && self.other.is_empty()
    }
}

/// One finger view (one impression of one finger) with its minutiae.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FingerView {
    /// Which finger.
    pub finger_position: FingerPosition,
    /// View number, distinguishing several impressions of one finger (0 first).
    pub view_number: u8,
    /// How the impression was captured.
    pub impression_type: ImpressionType,
    /// Finger quality 0..=100 (0 also used for "not reported" in 2004/2005 records).
    pub finger_quality: u8,
    /// Width of the source image in pixels.
    pub width: u16,
    /// Height of the source image in pixels.
    pub height: u16,
    /// Resolution of the source image.
    pub resolution: Resolution,
    /// The minutiae, in the order the record lists them.
    pub minutiae: Vec<Minutia>,
    /// Ridge counts, cores, deltas and other extended data.
    pub extended: ExtendedData,
}

impl FingerView {
    /// An empty view of the given image geometry (no minutiae, no extended data).
    pub fn new(width: u16, height: u16, resolution: Resolution) -> FingerView {
        FingerView {
            finger_position: FingerPosition::UNKNOWN,
            view_number: 0,
            impression_type: ImpressionType(0),
            finger_quality: 0,
            width,
            height,
            resolution,
            minutiae: Vec::new(),
            extended: ExtendedData::default(),
        }
    }
}

/// Record-level information carried by some formats and kept for faithful rewriting.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordInfo {
    /// Capture device identifier (12 bits in ISO 2005 / ANSI).
    pub capture_device_id: u16,
    /// Whether the capture device is certified (Appendix F / Annex B).
    pub certified: bool,
    /// CBEFF product identifier owner (ANSI only; 0 when absent).
    pub cbeff_owner: u16,
    /// CBEFF product identifier type (ANSI only).
    pub cbeff_type: u16,
}

/// A fingerprint minutiae template: one or more finger views and the record information.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FingerTemplate {
    /// Record-level fields.
    pub record: RecordInfo,
    /// The views, in record order. Views with no minutiae are kept.
    pub views: Vec<FingerView>,
}

impl FingerTemplate {
    /// A template holding a single view.
    pub fn single(view: FingerView) -> FingerTemplate {
        FingerTemplate {
            record: RecordInfo::default(),
            views: vec![view],
        }
    }

    /// The first view, if any: what a 1:1 comparison of single-finger templates uses.
    pub fn first_view(&self) -> Option<&FingerView> {
        self.views.first()
    }
}
