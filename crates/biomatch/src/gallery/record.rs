//! Watchlist records: why a subject is listed, by whom, what to do on a hit, and when the
//! entry is valid.
//!
//! A [`Record`] travels with its [`Subject`](crate::gallery::Subject), is kept in the gallery
//! file and is returned with every candidate. A search takes a [`Filter`] (categories,
//! agencies) and a time: an entry outside its validity window at that time is never returned,
//! whatever the filter ([`Record::is_valid_at`]). [`Gallery::purge`](crate::gallery::Gallery::purge)
//! removes the entries whose window has ended.

use std::collections::BTreeMap;
use std::fmt;

use crate::gallery::GalleryError;

/// Longest text of a record (agency, reference, action, free-text category, field key or
/// value), in bytes.
pub const MAX_RECORD_TEXT_BYTES: usize = 1024;
/// Most caller-defined fields in one record.
pub const MAX_RECORD_FIELDS: usize = 32;

/// Why a subject is listed: a small documented set, plus free text for anything else.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Wanted by a law-enforcement agency (arrest, extradition).
    Wanted,
    /// A missing person (protection, welfare check).
    Missing,
    /// Travels on or holds a document reported stolen or lost.
    StolenDocument,
    /// Refused entry (entry ban, visa revoked).
    DenyEntry,
    /// A person of interest: observe and report, do not stop.
    Observe,
    /// Anything else, named by the caller (1..=[`MAX_RECORD_TEXT_BYTES`] bytes, no control
    /// characters).
    Other(String),
}

impl Category {
    /// The documented categories, in code order (codes 1..=5; `Other` is code 255).
    pub const DOCUMENTED: [Category; 5] = [
        Category::Wanted,
        Category::Missing,
        Category::StolenDocument,
        Category::DenyEntry,
        Category::Observe,
    ];

    /// The category's numeric code (as stored in files and used by the C API).
    pub fn code(&self) -> u8 {
        match self {
            Category::Wanted => 1,
            Category::Missing => 2,
            Category::StolenDocument => 3,
            Category::DenyEntry => 4,
            Category::Observe => 5,
            Category::Other(_) => 255,
        }
    }

    /// A documented category from its code, or `Other(text)` for code 255.
    pub fn from_code(code: u8, text: &str) -> Result<Category, GalleryError> {
        match code {
            1 => Ok(Category::Wanted),
            2 => Ok(Category::Missing),
            3 => Ok(Category::StolenDocument),
            4 => Ok(Category::DenyEntry),
            5 => Ok(Category::Observe),
            255 => {
                check_text(text, "free-text category", false)?;
                Ok(Category::Other(text.to_string()))
            }
            _ => Err(GalleryError::InvalidRecord(format!(
                "unknown category code {code}"
            ))),
        }
    }

    /// The category's name: `wanted`, `missing`, `stolen-document`, `deny-entry`,
    /// `observe`, or the free text of `Other`.
    pub fn name(&self) -> &str {
        match self {
            Category::Wanted => "wanted",
            Category::Missing => "missing",
            Category::StolenDocument => "stolen-document",
            Category::DenyEntry => "deny-entry",
            Category::Observe => "observe",
            Category::Other(s) => s,
        }
    }

    /// Parses a name as [`Category::name`] prints it; any other text is `Other(text)`.
    pub fn parse(name: &str) -> Result<Category, GalleryError> {
        match Category::DOCUMENTED.iter().find(|c| c.name() == name) {
            Some(c) => Ok(c.clone()),
            None => Category::from_code(255, name),
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Times are whole seconds since the Unix epoch (UTC).
pub type UnixSeconds = i64;

/// Why and until when a subject is on the list. Every text is at most
/// [`MAX_RECORD_TEXT_BYTES`] bytes without control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Why the subject is listed.
    pub category: Category,
    /// The agency that listed the subject (e.g. "INTERPOL", "national police").
    pub agency: String,
    /// The agency's reference, e.g. a notice or case number.
    pub reference: String,
    /// What the officer must do on a hit (e.g. "detain and call the duty officer").
    pub action: String,
    /// The entry hits from this time on (inclusive); `i64::MIN`: since always.
    pub valid_from: UnixSeconds,
    /// The entry stops hitting at this time (exclusive); `i64::MAX`: never expires.
    pub valid_until: UnixSeconds,
    /// Caller-defined key-value fields (at most [`MAX_RECORD_FIELDS`]).
    pub fields: BTreeMap<String, String>,
}

impl Record {
    /// A record of `category` listed by `agency`, valid forever, with empty reference and
    /// action and no fields.
    pub fn new(category: Category, agency: &str) -> Record {
        Record {
            category,
            agency: agency.to_string(),
            reference: String::new(),
            action: String::new(),
            valid_from: i64::MIN,
            valid_until: i64::MAX,
            fields: BTreeMap::new(),
        }
    }

    /// True when the entry may hit at time `at`: `valid_from <= at < valid_until`.
    pub fn is_valid_at(&self, at: UnixSeconds) -> bool {
        self.valid_from <= at && at < self.valid_until
    }

    /// True when the entry's window has ended by time `at` (it will never hit again).
    pub fn is_expired_at(&self, at: UnixSeconds) -> bool {
        at >= self.valid_until
    }

    /// Checks lengths, characters, the field count and that the window is not reversed.
    pub fn validate(&self) -> Result<(), GalleryError> {
        if let Category::Other(s) = &self.category {
            check_text(s, "free-text category", false)?;
        }
        check_text(&self.agency, "agency", true)?;
        check_text(&self.reference, "reference", true)?;
        check_text(&self.action, "action", true)?;
        if self.valid_from > self.valid_until {
            return Err(GalleryError::InvalidRecord(format!(
                "valid_from {} is after valid_until {}",
                self.valid_from, self.valid_until
            )));
        }
        if self.fields.len() > MAX_RECORD_FIELDS {
            return Err(GalleryError::InvalidRecord(format!(
                "{} fields exceed the limit of {MAX_RECORD_FIELDS}",
                self.fields.len()
            )));
        }
        for (k, v) in &self.fields {
            check_text(k, "field name", false)?;
            check_text(v, "field value", true)?;
        }
        Ok(())
    }
}

fn check_text(s: &str, what: &str, empty_ok: bool) -> Result<(), GalleryError> {
    if s.is_empty() && !empty_ok {
        return Err(GalleryError::InvalidRecord(format!("{what} is empty")));
    }
    if s.len() > MAX_RECORD_TEXT_BYTES {
        return Err(GalleryError::InvalidRecord(format!(
            "{what} of {} bytes exceeds the limit of {MAX_RECORD_TEXT_BYTES}",
            s.len()
        )));
    }
    if s.chars().any(char::is_control) {
        return Err(GalleryError::InvalidRecord(format!(
            "{what} contains a control character"
        )));
    }
    Ok(())
}

/// Which entries a search may return, besides validity (which always applies). Empty lists
/// admit everything; a non-empty list admits only entries with a record whose category
/// (or agency) is in it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Admitted categories.
    pub categories: Vec<Category>,
    /// Admitted agencies (exact match).
    pub agencies: Vec<String>,
}

impl Filter {
    /// True when the filter admits an entry with this record (`None`: no record).
    pub fn admits(&self, record: Option<&Record>) -> bool {
        if self.categories.is_empty() && self.agencies.is_empty() {
            return true;
        }
        let Some(r) = record else {
            return false;
        };
        (self.categories.is_empty() || self.categories.contains(&r.category))
            && (self.agencies.is_empty() || self.agencies.contains(&r.agency))
    }
}

/// Whether an entry with this record (or none) may hit at time `at`: entries without a
/// record are always valid.
pub(crate) fn valid_at(record: Option<&Record>, at: UnixSeconds) -> bool {
    record.is_none_or(|r| r.is_valid_at(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_includes_its_start_and_excludes_its_end() {
        let mut r = Record::new(Category::Wanted, "agency");
        r.valid_from = 100;
        r.valid_until = 200;
        assert!(!r.is_valid_at(99));
        assert!(r.is_valid_at(100));
        assert!(r.is_valid_at(199));
        assert!(!r.is_valid_at(200));
        assert!(r.is_expired_at(200) && !r.is_expired_at(199));
        assert!(Record::new(Category::Missing, "a").is_valid_at(i64::MAX - 1));
    }

    #[test]
    fn names_and_codes_round_trip() {
        for c in Category::DOCUMENTED {
            assert_eq!(Category::parse(c.name()).unwrap(), c);
            assert_eq!(Category::from_code(c.code(), "").unwrap(), c);
        }
        assert_eq!(
            Category::parse("smuggling").unwrap(),
            Category::Other("smuggling".into())
        );
        assert!(Category::from_code(9, "").is_err());
        assert!(Category::parse("").is_err());
    }

    #[test]
    fn validation_refuses_reversed_windows_long_texts_and_control_characters() {
        let mut r = Record::new(Category::Wanted, "a");
        assert!(r.validate().is_ok());
        r.valid_from = 5;
        r.valid_until = 4;
        assert!(r.validate().is_err());
        let mut r = Record::new(Category::Wanted, &"x".repeat(MAX_RECORD_TEXT_BYTES + 1));
        assert!(r.validate().is_err());
        r.agency = "line\nbreak".into();
        assert!(r.validate().is_err());
        let mut r = Record::new(Category::Wanted, "a");
        for i in 0..=MAX_RECORD_FIELDS {
            r.fields.insert(format!("k{i}"), "v".into());
        }
        assert!(r.validate().is_err());
    }

    #[test]
    fn filters_need_every_listed_attribute() {
        let r = Record::new(Category::Wanted, "interpol");
        let any = Filter::default();
        assert!(any.admits(Some(&r)) && any.admits(None));
        let wanted = Filter {
            categories: vec![Category::Wanted],
            agencies: vec![],
        };
        assert!(wanted.admits(Some(&r)) && !wanted.admits(None));
        let both = Filter {
            categories: vec![Category::Wanted, Category::Missing],
            agencies: vec!["police".into()],
        };
        assert!(!both.admits(Some(&r)));
        let mut r2 = r.clone();
        r2.agency = "police".into();
        assert!(both.admits(Some(&r2)));
    }
}
