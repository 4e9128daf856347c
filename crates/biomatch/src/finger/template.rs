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
///
/// The indices are kept exactly as the record stores them: the standards' index base is
/// disputed (NIST data and tools count from 1 and use 0 for "no neighbour", FingerprintIO
/// counts from 0), so they are neither shifted nor checked against the minutia count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RidgeCount {
    /// Index of the first minutia, as stored in the record.
    pub a: u16,
    /// Index of the second minutia, as stored in the record.
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

/// Capture date and time of an ISO 19794-2:2011 representation, as stored (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CaptureDateTime {
    /// Year, e.g. 2005.
    pub year: u16,
    /// Month 1..=12.
    pub month: u8,
    /// Day of the month 1..=31.
    pub day: u8,
    /// Hour 0..=23.
    pub hour: u8,
    /// Minute 0..=59.
    pub minute: u8,
    /// Second 0..=59.
    pub second: u8,
    /// Millisecond 0..=999 (`0xFFFF` when not given).
    pub millisecond: u16,
}

/// A quality block: a score with the vendor and algorithm that computed it (ISO 2011 quality
/// blocks; the ANSI 378-2009 finger quality with its quality-algorithm vendor and ID).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct QualityBlock {
    /// Score 0..=100, 255 = computation failed.
    pub score: u8,
    /// IBIA-registered vendor of the quality algorithm (0 = not reported).
    pub vendor: u16,
    /// The vendor's algorithm ID (0 = not reported).
    pub algorithm: u16,
}

/// A certification block of an ISO 19794-2:2011 representation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CertificationBlock {
    /// Certification authority ID.
    pub authority: u16,
    /// Certification scheme ID.
    pub scheme: u8,
}

/// Capture and quality metadata of a view that only some formats carry. Kept so that a read
/// followed by a write in the same format loses nothing.
///
/// * ISO 19794-2:2011 uses every field. [`FingerView::finger_quality`] is read from the
///   first quality block; when writing, the blocks are written as stored, or a single block
///   (finger quality, vendor 0, algorithm 0) when there are none and the finger quality is
///   not 0.
/// * ANSI 378-2009 stores one quality block: the finger quality with its quality-algorithm
///   vendor and ID (`quality_blocks[0]`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureInfo {
    /// Capture date and time (`None` when the record says "not given", all bytes 0xFF).
    pub date_time: Option<CaptureDateTime>,
    /// Capture device technology (0 unknown, 1 white-light optical TIR, ...).
    pub device_technology: u8,
    /// Capture device vendor (IBIA-registered, 0 unknown).
    pub device_vendor: u16,
    /// Capture device type ID assigned by the vendor.
    pub device_type: u16,
    /// Quality blocks.
    pub quality_blocks: Vec<QualityBlock>,
    /// Certification blocks.
    pub certifications: Vec<CertificationBlock>,
    /// ISO 2011 ridge-ending placement: 0 = valley-skeleton bifurcation (the 2005/ANSI
    /// placement), 1 = ridge-skeleton end point.
    pub ridge_ending_type: u8,
    /// ISO 2011: the minutiae are stored without a quality byte (5-byte minutiae).
    pub minutia_quality_omitted: bool,
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
    /// Capture and quality metadata that only ISO 19794-2:2011 and ANSI 378-2009 carry
    /// (empty/default for the other formats).
    pub capture: CaptureInfo,
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
            capture: CaptureInfo::default(),
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
    /// ISO 19794-2:2011 only: the record header says representations carry certification
    /// blocks (written as set, or when any view has certification blocks).
    pub has_certification_blocks: bool,
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
