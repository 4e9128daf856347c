//! `biomatch audit verify|append`: the tamper-evident audit log, and the `--audit-log` options
//! of the gallery commands.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use biomatch::audit::{self, AuditAction, AuditEvent, AuditKey, AuditLog};

/// Audit log commands.
#[derive(clap::Subcommand)]
pub enum AuditCmd {
    /// Check a log's chain: exit 0 when every entry verifies and the file ends cleanly, else
    /// name the first broken entry (or the half-written last one) and exit 4.
    Verify {
        /// The log.
        log: PathBuf,
        /// The HMAC key of a keyed log: a file of 32 bytes or 64 hex digits (or the
        /// BIOMATCH_AUDIT_KEY_FILE environment variable; never the key itself).
        #[arg(long, env = "BIOMATCH_AUDIT_KEY_FILE")]
        key_file: Option<PathBuf>,
    },
    /// Append an event (for scripts around a gate; the gallery commands log their own).
    Append {
        /// The log (created if missing).
        log: PathBuf,
        /// The operator or gate id.
        #[arg(long)]
        operator: String,
        /// What happened.
        #[arg(long, value_enum)]
        action: ActionArg,
        /// A subject id involved (repeatable).
        #[arg(long)]
        subject: Vec<String>,
        /// The decision returned.
        #[arg(long)]
        decision: Option<String>,
        /// The HMAC key file (as for `verify`).
        #[arg(long, env = "BIOMATCH_AUDIT_KEY_FILE")]
        key_file: Option<PathBuf>,
        /// Append the event this many times (for load tests of a log).
        #[arg(long, default_value_t = 1)]
        repeat: u64,
    },
}

/// An audit action on the command line.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ActionArg {
    /// Subjects enrolled.
    Enrol,
    /// A record replaced.
    Replace,
    /// Subjects removed.
    Remove,
    /// Expired subjects purged.
    Purge,
    /// A 1:N search.
    Identify,
    /// A 1:1 comparison.
    Verify,
    /// A gallery loaded.
    Load,
    /// A gallery saved.
    Save,
}

impl From<ActionArg> for AuditAction {
    fn from(a: ActionArg) -> AuditAction {
        match a {
            ActionArg::Enrol => AuditAction::Enrol,
            ActionArg::Replace => AuditAction::Replace,
            ActionArg::Remove => AuditAction::Remove,
            ActionArg::Purge => AuditAction::Purge,
            ActionArg::Identify => AuditAction::Identify,
            ActionArg::Verify => AuditAction::Verify,
            ActionArg::Load => AuditAction::Load,
            ActionArg::Save => AuditAction::Save,
        }
    }
}

/// Reads a key file: exactly 32 bytes, or 64 hex digits (surrounding whitespace ignored).
pub fn read_key(path: &Path) -> anyhow::Result<AuditKey> {
    let bytes =
        std::fs::read(path).with_context(|| format!("reading key file {}", path.display()))?;
    AuditKey::parse(&bytes)
        .with_context(|| format!("key file {}: 32 bytes or 64 hex digits", path.display()))
}

fn key_of(path: &Option<PathBuf>) -> anyhow::Result<Option<AuditKey>> {
    path.as_deref().map(read_key).transpose()
}

/// Exit status of a log that does not verify.
pub const BROKEN_EXIT: i32 = 4;

/// `biomatch audit ...`: `Ok(exit status)`.
pub fn run(cmd: AuditCmd) -> anyhow::Result<i32> {
    match cmd {
        AuditCmd::Verify { log, key_file } => {
            let key = key_of(&key_file)?;
            let v = audit::verify(&log, key.as_ref())?;
            let keyed = if key.is_some() { ", keyed" } else { "" };
            if let Some((line, reason)) = &v.first_broken {
                println!(
                    "{}: BROKEN at line {line}: {reason} ({} entries before it verify{keyed})",
                    log.display(),
                    v.verified
                );
                return Ok(BROKEN_EXIT);
            }
            if let Some(line) = v.torn_tail {
                println!(
                    "{}: line {line} is a half-written entry (an interrupted append); the {} \
                     entries before it verify{keyed}",
                    log.display(),
                    v.verified
                );
                return Ok(BROKEN_EXIT);
            }
            println!(
                "{}: intact, {} entries verify{keyed}",
                log.display(),
                v.verified
            );
            Ok(0)
        }
        AuditCmd::Append {
            log,
            operator,
            action,
            subject,
            decision,
            key_file,
            repeat,
        } => {
            let mut l = AuditLog::open(&log, key_of(&key_file)?)?;
            for _ in 0..repeat {
                l.append(AuditEvent {
                    time: audit::now(),
                    operator: operator.clone(),
                    action: action.into(),
                    subjects: subject.clone(),
                    decision: decision.clone(),
                })?;
            }
            Ok(0)
        }
    }
}

/// The `--audit-log` options of the gallery commands.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct AuditArgs {
    /// Append an event for this command to this audit log.
    #[arg(long, requires = "operator")]
    pub audit_log: Option<PathBuf>,
    /// The operator or gate id recorded with the event.
    #[arg(long)]
    pub operator: Option<String>,
    /// The log's HMAC key file (or BIOMATCH_AUDIT_KEY_FILE).
    #[arg(long, env = "BIOMATCH_AUDIT_KEY_FILE")]
    pub audit_key_file: Option<PathBuf>,
}

impl AuditArgs {
    /// Appends one event when a log was asked for.
    pub fn record(
        &self,
        action: AuditAction,
        subjects: Vec<String>,
        decision: Option<String>,
    ) -> anyhow::Result<()> {
        let Some(path) = &self.audit_log else {
            return Ok(());
        };
        let Some(operator) = &self.operator else {
            bail!("--audit-log needs --operator");
        };
        let mut log = AuditLog::open(path, key_of(&self.audit_key_file)?)?;
        log.append(AuditEvent {
            time: audit::now(),
            operator: operator.clone(),
            action,
            subjects,
            decision,
        })?;
        Ok(())
    }
}
