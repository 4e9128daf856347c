//! Subjects: an integrator-chosen id, an optional face, fingers by position and an optional
//! watchlist [`Record`].

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::face::FaceTemplate;
use crate::finger::template::{FingerPosition, FingerView};
use crate::gallery::GalleryError;
use crate::gallery::params::{
    MAX_FINGERS_PER_SUBJECT, MAX_ID_BYTES, MAX_IMPRESSIONS, MAX_MINUTIAE,
};
use crate::gallery::record::Record;

/// A subject id chosen by the integrator: UTF-8, 1..=[`SubjectId::MAX_BYTES`] bytes, no
/// control characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubjectId(String);

impl SubjectId {
    /// The longest id accepted, in bytes.
    pub const MAX_BYTES: usize = MAX_ID_BYTES;

    /// Validates an id.
    pub fn new(id: &str) -> Result<SubjectId, GalleryError> {
        let bad = |reason| GalleryError::InvalidId {
            id: id.chars().take(64).collect(),
            reason,
        };
        if id.is_empty() {
            return Err(bad("empty"));
        }
        if id.len() > MAX_ID_BYTES {
            return Err(bad("longer than 256 bytes"));
        }
        if id.chars().any(char::is_control) {
            return Err(bad("contains a control character"));
        }
        Ok(SubjectId(id.to_string()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SubjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One enrolled subject: a face (optional) and finger impressions keyed by finger position
/// (several impressions per finger allowed; position 0 means "unknown finger").
#[derive(Clone, Debug)]
pub struct Subject {
    id: SubjectId,
    face: Option<FaceTemplate>,
    fingers: BTreeMap<FingerPosition, Vec<Arc<FingerView>>>,
    record: Option<Arc<Record>>,
}

impl Subject {
    /// A subject with no biometrics yet.
    pub fn new(id: SubjectId) -> Subject {
        Subject {
            id,
            face: None,
            fingers: BTreeMap::new(),
            record: None,
        }
    }

    /// Sets the face template.
    pub fn with_face(mut self, face: FaceTemplate) -> Subject {
        self.face = Some(face);
        self
    }

    /// Sets the watchlist record (category, agency, action, validity...).
    pub fn with_record(mut self, record: Record) -> Subject {
        self.record = Some(Arc::new(record));
        self
    }

    /// Sets or clears the watchlist record.
    pub fn set_record(&mut self, record: Option<Record>) {
        self.record = record.map(Arc::new);
    }

    /// The watchlist record, if any.
    pub fn record(&self) -> Option<&Record> {
        self.record.as_deref()
    }

    /// The shared watchlist record (for candidate lists).
    pub(crate) fn record_arc(&self) -> Option<&Arc<Record>> {
        self.record.as_ref()
    }

    /// Adds one impression of the finger at `view.finger_position`.
    pub fn with_finger(mut self, view: FingerView) -> Subject {
        self.add_finger(view);
        self
    }

    /// Adds one impression of the finger at `view.finger_position`.
    pub fn add_finger(&mut self, view: FingerView) {
        self.fingers
            .entry(view.finger_position)
            .or_default()
            .push(Arc::new(view));
    }

    /// The id.
    pub fn id(&self) -> &SubjectId {
        &self.id
    }

    /// The face template, if any.
    pub fn face(&self) -> Option<&FaceTemplate> {
        self.face.as_ref()
    }

    /// Finger impressions by position.
    pub fn fingers(&self) -> &BTreeMap<FingerPosition, Vec<Arc<FingerView>>> {
        &self.fingers
    }

    /// Every impression with its position, in position order.
    pub fn impressions(&self) -> impl Iterator<Item = (FingerPosition, &Arc<FingerView>)> {
        self.fingers
            .iter()
            .flat_map(|(p, views)| views.iter().map(move |v| (*p, v)))
    }

    /// Number of finger impressions.
    pub fn impression_count(&self) -> usize {
        self.fingers.values().map(Vec::len).sum()
    }

    /// Checks the record against the gallery's limits.
    pub(crate) fn validate(&self) -> Result<(), GalleryError> {
        if let Some(r) = &self.record {
            r.validate()?;
        }
        if self.face.is_none() && self.impression_count() == 0 {
            return Err(GalleryError::EmptySubject(self.id.0.clone()));
        }
        if self.fingers.len() > MAX_FINGERS_PER_SUBJECT {
            return Err(GalleryError::TooLarge {
                what: "finger positions in one subject",
                got: self.fingers.len(),
                limit: MAX_FINGERS_PER_SUBJECT,
            });
        }
        for views in self.fingers.values() {
            if views.len() > MAX_IMPRESSIONS {
                return Err(GalleryError::TooLarge {
                    what: "impressions of one finger",
                    got: views.len(),
                    limit: MAX_IMPRESSIONS,
                });
            }
            for v in views {
                validate_view(v)?;
            }
        }
        Ok(())
    }
}

/// Checks one finger view (probe or enrolled) against the gallery's limits.
pub(crate) fn validate_view(v: &FingerView) -> Result<(), GalleryError> {
    if v.minutiae.len() > MAX_MINUTIAE {
        return Err(GalleryError::TooLarge {
            what: "minutiae in one view",
            got: v.minutiae.len(),
            limit: MAX_MINUTIAE,
        });
    }
    if v.minutiae
        .iter()
        .any(|m| !(m.x.is_finite() && m.y.is_finite() && m.angle.is_finite()))
    {
        return Err(GalleryError::NonFiniteMinutia);
    }
    Ok(())
}
