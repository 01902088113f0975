//! Giving migrations new versions after the newest one, keeping their order: what a merged
//! branch's migrations need when the other branch's newer ones are already applied. A migration's
//! version is its file name, so this renames files and touches nothing else.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use super::ledger::Standing;
use super::{MigrationFiles, scaffold};

/// One migration's move to a new version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    /// Its version now.
    pub from: i64,
    /// Its new version.
    pub to: i64,
    /// Each file's path now and after (up first, then down when there is one).
    pub renames: Vec<(PathBuf, PathBuf)>,
}

/// The moves that give `versions` (every out-of-order migration of `standing` when empty) new
/// versions after the newest migration in the folder or the database, in their order. Refuses a
/// version that is not in the folder or that is applied to the database.
pub fn plan(standing: &Standing<'_>, versions: &[i64], now: u64) -> Result<Vec<Move>> {
    let source = standing.source;
    let mut chosen: Vec<i64> = if versions.is_empty() {
        standing.out_of_order().iter().map(|entry| entry.version).collect()
    } else {
        versions.to_vec()
    };
    chosen.sort_unstable();
    chosen.dedup();
    let mut files: Vec<&MigrationFiles> = Vec::new();
    for &version in &chosen {
        let Some(found) = source.get(version) else {
            bail!(
                "no migration in {} has version {version}; `cargo xtask history` lists them",
                source.dir.display()
            );
        };
        if let Some(row) = standing.applied.iter().find(|row| row.version == version) {
            bail!(
                "{} is applied to `{}` (at {}), so its version is recorded there and must not change; \
                 rebase only migrations that no database has applied",
                found.up.file_name(),
                standing.database,
                row.installed_on
            );
        }
        files.push(found);
    }
    let others = source.migrations.iter().map(MigrationFiles::version).filter(|v| !chosen.contains(v));
    let mut newest = others.chain(standing.applied.iter().map(|row| row.version)).max();
    let mut moves = Vec::new();
    for files in files {
        let to = scaffold::version_after(newest, now);
        newest = Some(to);
        let from = files.version();
        let scripts = std::iter::once(&files.up).chain(files.down.as_ref());
        let renames = scripts
            .map(|script| {
                let name = script.file_name();
                let rest =
                    name.strip_prefix(&from.to_string()).expect("a migration file starts with its version");
                (script.path.clone(), script.path.with_file_name(format!("{to}{rest}")))
            })
            .collect();
        moves.push(Move { from, to, renames });
    }
    Ok(moves)
}

/// Renames every file of `moves`; refuses before renaming anything when a new name is taken, and
/// puts back what it renamed when a rename fails.
pub fn apply(moves: &[Move]) -> Result<()> {
    let renames: Vec<&(PathBuf, PathBuf)> = moves.iter().flat_map(|m| &m.renames).collect();
    if let Some((_, taken)) = renames.iter().find(|(_, to)| to.exists()) {
        bail!("{} already exists; nothing was renamed", taken.display());
    }
    for (done, (from, to)) in renames.iter().enumerate() {
        if let Err(err) = std::fs::rename(from, to) {
            for (back_to, back_from) in renames[..done].iter().rev() {
                let _ = std::fs::rename(back_from, back_to);
            }
            return Err(err).with_context(|| {
                format!("cannot rename {} to {}; nothing was renamed", from.display(), to.display())
            });
        }
    }
    Ok(())
}
