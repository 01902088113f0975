//! Which migrations count as new for `check`: findings fail the build only in those. Old
//! migrations already ran everywhere; failing on them would stop every build for good.
//!
//! A migration is new when both sources that answer say so:
//! - the configured database: not applied there (when it answers; CI's is usually empty, so
//!   there every migration is unapplied);
//! - git: added since the merge base of `HEAD` with the main branch (`$LINT_BASE`, else
//!   `origin/main`, else `main`), when git and that branch are there. On the main branch itself
//!   the merge base is `HEAD`, so nothing is new: each file was checked in its pull request.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::engine::{MigrationFiles, Source, Standing};
use crate::pg;
use dburl::DbUrl;

/// The migrations of `source` that are new, and one line saying how that was decided.
pub async fn new_migrations<'s>(
    source: &'s Source,
    url: &DbUrl,
    root: &Path,
) -> (Vec<&'s MigrationFiles>, String) {
    let applied = applied_versions(source, url).await;
    let base = git_base(root, &source.dir);
    let new = source
        .migrations
        .iter()
        .filter(|m| applied.as_ref().is_none_or(|a| !a.contains(&m.version())))
        .filter(|m| {
            base.as_ref().is_none_or(|(_, files)| {
                let name = m.up.file_name();
                !files.contains(&name)
            })
        })
        .collect();
    let by_database = match &applied {
        Some(_) => format!("not applied on `{}`", url.database()),
        None => format!("`{}` did not answer, so every migration counts as unapplied", url.database()),
    };
    let by_git = match &base {
        Some((base, _)) => format!("added since {base}"),
        None => "git or the main branch is not there (set LINT_BASE to a branch)".to_owned(),
    };
    (new, format!("new migrations: {by_database}; {by_git}"))
}

async fn applied_versions(source: &Source, url: &DbUrl) -> Option<BTreeSet<i64>> {
    let mut conn = pg::connect(url).await.ok()?;
    let standing = Standing::read(&mut conn, source, &url.database()).await.ok();
    pg::close(conn).await;
    Some(standing?.applied.iter().map(|row| row.version).collect())
}

/// The merge base with the main branch (as `branch@sha`) and the migration file names there.
fn git_base(root: &Path, dir: &Path) -> Option<(String, BTreeSet<String>)> {
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git").arg("-C").arg(root).args(args).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    let branches: Vec<String> = match std::env::var("LINT_BASE") {
        Ok(branch) if !branch.is_empty() => vec![branch],
        _ => vec!["origin/main".to_owned(), "main".to_owned()],
    };
    let branch = branches.into_iter().find(|b| git(&["rev-parse", "--verify", "--quiet", b]).is_some())?;
    let sha = git(&["merge-base", "HEAD", &branch])?;
    let relative = dir.strip_prefix(root).unwrap_or(dir).display().to_string();
    let listing = git(&["ls-tree", "--name-only", &sha, &format!("{relative}/")])?;
    let names = listing.lines().filter_map(|l| l.rsplit('/').next()).map(str::to_owned).collect();
    Some((format!("the merge base with {branch} ({})", &sha[..sha.len().min(10)]), names))
}
