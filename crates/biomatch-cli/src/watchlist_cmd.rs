//! Watchlist handling for the gallery commands: the encryption key options, loading and
//! saving with them, records files, search filters and times, and the `gallery purge`,
//! `remove`, `rekey` and `keygen` commands.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use biomatch::audit::AuditAction;

use crate::audit_cmd::AuditArgs;
use biomatch::gallery::{
    Category, Filter, Gallery, GalleryKey, Record, SubjectId, UnixSeconds, unix_now,
};

/// The gallery encryption key option of every command that reads or writes a gallery.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct KeyArgs {
    /// The gallery's encryption key: a file of 32 bytes or 64 hex digits (or the
    /// BIOMATCH_GALLERY_KEY_FILE environment variable; never the key itself). A gallery
    /// written with a key is encrypted (AES-256-GCM); one read with a key must be.
    #[arg(long, env = "BIOMATCH_GALLERY_KEY_FILE")]
    pub key_file: Option<PathBuf>,
}

impl KeyArgs {
    /// The key, when a key file was named.
    pub fn key(&self) -> anyhow::Result<Option<GalleryKey>> {
        self.key_file
            .as_deref()
            .map(|p| GalleryKey::from_file(p).with_context(|| format!("key file {}", p.display())))
            .transpose()
    }

    /// Loads a gallery file (decrypting it when a key was named).
    pub fn load(&self, path: &Path) -> anyhow::Result<Gallery> {
        let limits = biomatch::LoadLimits::default();
        let g = match self.key()? {
            Some(k) => Gallery::load_encrypted(path, &k, &limits),
            None => Gallery::load(path),
        };
        g.with_context(|| format!("loading {}", path.display()))
    }

    /// Saves a gallery file atomically (encrypted when a key was named).
    pub fn save(&self, g: &Gallery, path: &Path) -> anyhow::Result<()> {
        match self.key()? {
            Some(k) => g.save_encrypted(path, &k),
            None => g.save(path),
        }
        .with_context(|| format!("saving {}", path.display()))
    }

    /// [`KeyArgs::load`], then a load event in the audit log (when one was asked for).
    pub fn load_logged(&self, path: &Path, audit: &AuditArgs) -> anyhow::Result<Gallery> {
        let g = self.load(path)?;
        audit.record(AuditAction::Load, Vec::new(), Some(subjects_in(&g, path)))?;
        Ok(g)
    }

    /// [`KeyArgs::save`], then a save event in the audit log (when one was asked for).
    pub fn save_logged(&self, g: &Gallery, path: &Path, audit: &AuditArgs) -> anyhow::Result<()> {
        self.save(g, path)?;
        audit.record(AuditAction::Save, Vec::new(), Some(subjects_in(g, path)))
    }
}

fn subjects_in(g: &Gallery, path: &Path) -> String {
    format!("{} subjects in {}", g.len(), path.display())
}

/// Parses a time: RFC 3339 (`2027-01-31T00:00:00Z`) or whole seconds since the Unix epoch.
pub fn parse_time(s: &str) -> anyhow::Result<UnixSeconds> {
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
    }
    let t = humantime::parse_rfc3339_weak(s)
        .with_context(|| format!("{s:?} is neither RFC 3339 nor seconds since 1970"))?;
    let d = t
        .duration_since(std::time::UNIX_EPOCH)
        .with_context(|| format!("{s:?} is before 1970"))?;
    Ok(d.as_secs() as i64)
}

/// Formats a time as RFC 3339 (UTC), or "always"/"never" for an open window.
pub fn fmt_time(t: UnixSeconds) -> String {
    match t {
        i64::MIN => "always".into(),
        i64::MAX => "never".into(),
        t if t >= 0 => humantime::format_rfc3339_seconds(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(t as u64),
        )
        .to_string(),
        t => format!("{t} s"),
    }
}

/// One line of a records file (JSON lines).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordLine {
    id: String,
    category: String,
    agency: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    valid_from: Option<serde_json::Value>,
    #[serde(default)]
    valid_until: Option<serde_json::Value>,
    #[serde(default)]
    fields: std::collections::BTreeMap<String, String>,
}

fn time_value(v: &Option<serde_json::Value>, open: i64) -> anyhow::Result<i64> {
    match v {
        None | Some(serde_json::Value::Null) => Ok(open),
        Some(serde_json::Value::Number(n)) => n.as_i64().context("time is not a whole number"),
        Some(serde_json::Value::String(s)) => parse_time(s),
        Some(other) => bail!("time {other} is neither a string nor a number"),
    }
}

/// Reads a records file: one JSON object per line, `{"id": ..., "category": "wanted",
/// "agency": ..., "reference": ..., "action": ..., "valid_from": "2026-12-01T00:00:00Z",
/// "valid_until": ..., "fields": {...}}` (times RFC 3339 or seconds; absent: open window).
pub fn read_records(path: &Path) -> anyhow::Result<Vec<(SubjectId, Record)>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = || format!("{} line {}", path.display(), n + 1);
        let l: RecordLine = serde_json::from_str(line).with_context(at)?;
        let mut r = Record::new(Category::parse(&l.category).with_context(at)?, &l.agency);
        r.reference = l.reference;
        r.action = l.action;
        r.valid_from = time_value(&l.valid_from, i64::MIN).with_context(at)?;
        r.valid_until = time_value(&l.valid_until, i64::MAX).with_context(at)?;
        r.fields = l.fields;
        r.validate().with_context(at)?;
        out.push((SubjectId::new(&l.id).with_context(at)?, r));
    }
    Ok(out)
}

/// Sets the records of a records file on enrolled subjects and logs a replace event naming
/// them.
pub fn set_records_logged(
    g: &Gallery,
    file: &Path,
    audit: &AuditArgs,
) -> anyhow::Result<Vec<String>> {
    let ids = apply_records(g, read_records(file)?)?;
    audit.record(
        AuditAction::Replace,
        ids.clone(),
        Some("records set".into()),
    )?;
    Ok(ids)
}

/// Sets the records of enrolled subjects (each id must be enrolled); returns the ids.
pub fn apply_records(
    g: &Gallery,
    records: Vec<(SubjectId, Record)>,
) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    for (id, r) in records {
        let mut s = g
            .get(&id)
            .with_context(|| format!("records file names {id}, who is not enrolled"))?;
        s.set_record(Some(r));
        g.replace(s)?;
        ids.push(id.to_string());
    }
    Ok(ids)
}

/// The search filter and time options of `gallery identify`.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct FilterArgs {
    /// Only entries of this category (repeatable): wanted, missing, stolen-document,
    /// deny-entry, observe, or a free-text category.
    #[arg(long)]
    pub category: Vec<String>,
    /// Only entries listed by this agency (repeatable).
    #[arg(long)]
    pub agency: Vec<String>,
    /// The search's time for validity windows (RFC 3339 or seconds; default: now).
    #[arg(long)]
    pub at: Option<String>,
}

impl FilterArgs {
    /// The filter and the time.
    pub fn resolve(&self) -> anyhow::Result<(Filter, UnixSeconds)> {
        let categories = self
            .category
            .iter()
            .map(|c| Category::parse(c))
            .collect::<Result<Vec<_>, _>>()?;
        let at = match &self.at {
            Some(s) => parse_time(s)?,
            None => unix_now(),
        };
        Ok((
            Filter {
                categories,
                agencies: self.agency.clone(),
            },
            at,
        ))
    }
}

/// One line describing a record (for candidate lists).
pub fn describe(r: &Record) -> String {
    let mut s = format!("[{}] {}", r.category, r.agency);
    if !r.reference.is_empty() {
        s += &format!(" {}", r.reference);
    }
    if !r.action.is_empty() {
        s += &format!(": {}", r.action);
    }
    if r.valid_until != i64::MAX {
        s += &format!(" (valid until {})", fmt_time(r.valid_until));
    }
    s
}

/// Arguments of `gallery purge`.
#[derive(clap::Args)]
pub struct PurgeArgs {
    /// The gallery file (rewritten without the expired entries).
    gallery: PathBuf,
    /// Purge entries expired by this time (RFC 3339 or seconds; default: now).
    #[arg(long)]
    at: Option<String>,
    #[command(flatten)]
    key: KeyArgs,
    #[command(flatten)]
    audit: crate::audit_cmd::AuditArgs,
}

/// Arguments of `gallery remove`.
#[derive(clap::Args)]
pub struct RemoveArgs {
    /// The gallery file (rewritten without the subjects).
    gallery: PathBuf,
    /// The subject ids to remove.
    #[arg(required = true)]
    ids: Vec<String>,
    #[command(flatten)]
    key: KeyArgs,
    #[command(flatten)]
    audit: crate::audit_cmd::AuditArgs,
}

/// Arguments of `gallery records`.
#[derive(clap::Args)]
pub struct RecordsArgs {
    /// The gallery file.
    gallery: PathBuf,
    /// Set these records (JSON lines, see `gallery build --records`) and save the gallery.
    #[arg(long)]
    set: Option<PathBuf>,
    #[command(flatten)]
    key: KeyArgs,
    #[command(flatten)]
    audit: crate::audit_cmd::AuditArgs,
}

/// Arguments of `gallery rekey`.
#[derive(clap::Args)]
pub struct RekeyArgs {
    /// The gallery file, rewritten atomically under the new key.
    gallery: PathBuf,
    /// The current key file (omit for an unencrypted gallery; or BIOMATCH_GALLERY_KEY_FILE).
    #[arg(long, env = "BIOMATCH_GALLERY_KEY_FILE")]
    key_file: Option<PathBuf>,
    /// The new key file (omit to write the gallery unencrypted).
    #[arg(long)]
    new_key_file: Option<PathBuf>,
    #[command(flatten)]
    audit: crate::audit_cmd::AuditArgs,
}

/// `gallery purge`: removes expired entries and saves.
pub fn purge(a: PurgeArgs) -> anyhow::Result<()> {
    let g = a.key.load_logged(&a.gallery, &a.audit)?;
    let at =
        a.at.as_deref()
            .map(parse_time)
            .transpose()?
            .unwrap_or_else(unix_now);
    let ids: Vec<String> = g.purge(at).iter().map(|i| i.to_string()).collect();
    a.audit.record(
        AuditAction::Purge,
        ids.clone(),
        Some(format!("expired by {}", fmt_time(at))),
    )?;
    a.key.save_logged(&g, &a.gallery, &a.audit)?;
    if ids.is_empty() {
        println!("no expired entry by {}, {} subjects", fmt_time(at), g.len());
    } else {
        println!(
            "purged {} expired entr{} ({}), {} subjects left",
            ids.len(),
            if ids.len() == 1 { "y" } else { "ies" },
            ids.join(", "),
            g.len()
        );
    }
    Ok(())
}

/// `gallery remove`: removes subjects and saves (their data leaves the file).
pub fn remove(a: RemoveArgs) -> anyhow::Result<()> {
    let g = a.key.load_logged(&a.gallery, &a.audit)?;
    for id in &a.ids {
        g.remove(&SubjectId::new(id)?)?;
    }
    a.audit.record(AuditAction::Remove, a.ids.clone(), None)?;
    a.key.save_logged(&g, &a.gallery, &a.audit)?;
    println!("removed {}, {} subjects left", a.ids.join(", "), g.len());
    Ok(())
}

/// `gallery records`: lists the records, or sets some from a file.
pub fn records(a: RecordsArgs) -> anyhow::Result<()> {
    let g = a.key.load_logged(&a.gallery, &a.audit)?;
    if let Some(file) = &a.set {
        let ids = set_records_logged(&g, file, &a.audit)?;
        a.key.save_logged(&g, &a.gallery, &a.audit)?;
        println!("set {} records", ids.len());
        return Ok(());
    }
    let now = unix_now();
    for s in g.subjects() {
        if let Some(r) = s.record() {
            let state = if r.is_valid_at(now) {
                "valid"
            } else if r.is_expired_at(now) {
                "expired"
            } else {
                "not yet valid"
            };
            println!("{:<24} {} ({state})", s.id().as_str(), describe(r));
        }
    }
    Ok(())
}

/// `gallery rekey`: re-encrypts under a new key (atomically).
pub fn rekey(a: RekeyArgs) -> anyhow::Result<()> {
    let old = KeyArgs {
        key_file: a.key_file.clone(),
    };
    let new = KeyArgs {
        key_file: a.new_key_file.clone(),
    };
    let g = old.load_logged(&a.gallery, &a.audit)?;
    new.save(&g, &a.gallery)?;
    let what = if a.new_key_file.is_some() {
        "re-encrypted under the new key"
    } else {
        "written unencrypted"
    };
    a.audit
        .record(AuditAction::Save, Vec::new(), Some(what.into()))?;
    println!("{}: {} subjects {what}", a.gallery.display(), g.len());
    Ok(())
}

/// `gallery keygen`: writes a fresh random key file (64 hex digits; owner-only permissions
/// on Unix); refuses to overwrite a file.
pub fn keygen(out: &Path) -> anyhow::Result<()> {
    let key = GalleryKey::generate()?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(out)
        .with_context(|| format!("creating key file {}", out.display()))?;
    use std::io::Write;
    f.write_all(key.to_hex().as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()?;
    println!("wrote a new 256-bit key to {}", out.display());
    Ok(())
}
