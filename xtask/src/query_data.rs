//! `.sqlx/`, the offline query data the backend builds from: regenerated or checked.
//!
//! Works like `cargo sqlx prepare` without sqlx-cli: the backend is type-checked against a freshly
//! migrated scratch database with `SQLX_OFFLINE_DIR` set, so the sqlx macros write one
//! `query-<hash>.json` per query themselves, byte for byte as sqlx-cli would.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result, bail};
use dburl::DbUrl;
use xshell::{Shell, cmd};

use crate::engine::{self, Source};
use crate::pg::scratch::with_scratch_database;
use crate::project::Project;

/// The crate whose queries are checked.
const CRATE: &str = "backend";

/// Regenerates `.sqlx/` (or, with `check`, verifies it) using a scratch database on `server`;
/// returns what it found or did, in one line.
pub async fn prepare(project: &Project, server: &DbUrl, check: bool) -> Result<String> {
    let source = Source::load(&project.migrations_dir)?;
    let generated = project.root.join("target").join("sqlx-prepare");
    reset_dir(&generated)?;
    let root = project.root.clone();
    let out = generated.clone();
    with_scratch_database(server, "prepare", async |scratch| {
        engine::migrate_to_head(scratch, &source, Duration::from_secs(60)).await?;
        let url = scratch.secret_url().to_owned();
        // `cargo check` blocks; run it off the async thread so Ctrl-C still drops the database.
        tokio::task::spawn_blocking(move || check_backend(&root, &url, &out)).await?
    })
    .await?;

    let committed = project.root.join(".sqlx");
    let diff = Diff::between(&read_queries(&committed)?, &read_queries(&generated)?);
    if check {
        diff.ensure_empty()?;
        return Ok(format!(".sqlx/ is up to date ({} queries)", read_queries(&committed)?.len()));
    }
    diff.apply(&committed, &generated)?;
    Ok(format!(
        "wrote {} queries to .sqlx/ ({} added, {} changed, {} removed)",
        read_queries(&committed)?.len(),
        diff.added.len(),
        diff.changed.len(),
        diff.removed.len()
    ))
}

/// Type-checks the backend with live query checking, writing query data into `out`.
fn check_backend(root: &Path, database_url: &str, out: &Path) -> Result<()> {
    // The macros only run when the crate is recompiled: touching each crate root forces that.
    for entry in crate_roots(&root.join(CRATE))? {
        fs::File::options()
            .append(true)
            .open(&entry)
            .and_then(|file| file.set_modified(SystemTime::now()))
            .with_context(|| format!("cannot touch {}", entry.display()))?;
    }
    let sh = Shell::new()?;
    sh.change_dir(root);
    cmd!(sh, "cargo check --quiet --package {CRATE} --all-targets")
        .quiet()
        .env("SQLX_OFFLINE", "false")
        .env("SQLX_OFFLINE_DIR", out)
        .env("DATABASE_URL", database_url)
        .run()
        .context("the backend does not type-check against the migrated schema (errors above)")
}

/// `src/lib.rs`, `src/main.rs` and each `tests/*.rs`, `tests/*/main.rs` that exists.
fn crate_roots(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut roots: Vec<PathBuf> =
        ["src/lib.rs", "src/main.rs"].iter().map(|p| dir.join(p)).filter(|p| p.is_file()).collect();
    if let Ok(entries) = fs::read_dir(dir.join("tests")) {
        for entry in entries {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "rs") {
                roots.push(path);
            } else if path.join("main.rs").is_file() {
                roots.push(path.join("main.rs"));
            }
        }
    }
    Ok(roots)
}

fn reset_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        fs::remove_dir_all(dir).with_context(|| format!("cannot clear {}", dir.display()))?;
    }
    // The macros write into the folder but do not create it.
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
}

/// `query-*.json` file name to contents.
fn read_queries(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut queries = BTreeMap::new();
    let Ok(entries) = fs::read_dir(dir) else { return Ok(queries) };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("query-") && name.ends_with(".json") {
            let bytes =
                fs::read(entry.path()).with_context(|| format!("cannot read {}", entry.path().display()))?;
            queries.insert(name, bytes);
        }
    }
    Ok(queries)
}

/// How the committed query data differs from what the code needs.
struct Diff {
    added: Vec<(String, Vec<u8>)>,
    changed: Vec<(String, Vec<u8>)>,
    removed: Vec<(String, Vec<u8>)>,
}

impl Diff {
    fn between(committed: &BTreeMap<String, Vec<u8>>, generated: &BTreeMap<String, Vec<u8>>) -> Diff {
        let mut diff = Diff { added: Vec::new(), changed: Vec::new(), removed: Vec::new() };
        for (name, bytes) in generated {
            match committed.get(name) {
                None => diff.added.push((name.clone(), bytes.clone())),
                Some(old) if old != bytes => diff.changed.push((name.clone(), bytes.clone())),
                Some(_) => {}
            }
        }
        for (name, bytes) in committed {
            if !generated.contains_key(name) {
                diff.removed.push((name.clone(), bytes.clone()));
            }
        }
        diff
    }

    /// Fails naming the first stale query, as `prepare --check` must.
    fn ensure_empty(&self) -> Result<()> {
        let stale = self.added.len() + self.changed.len() + self.removed.len();
        let Some((why, (name, bytes))) = self
            .added
            .first()
            .map(|q| ("has no offline data", q))
            .or_else(|| self.changed.first().map(|q| ("has changed (its columns or parameters differ)", q)))
            .or_else(|| self.removed.first().map(|q| ("is no longer in the code", q)))
        else {
            return Ok(());
        };
        bail!(
            ".sqlx/ is stale ({stale} file(s)): the query `{}` {why} (.sqlx/{name}); run `cargo xtask prepare` and commit .sqlx/",
            query_text(bytes)
        )
    }

    /// Brings `committed` in line with `generated`.
    fn apply(&self, committed: &Path, generated: &Path) -> Result<()> {
        fs::create_dir_all(committed).with_context(|| format!("cannot create {}", committed.display()))?;
        for (name, _) in self.added.iter().chain(&self.changed) {
            fs::copy(generated.join(name), committed.join(name))
                .with_context(|| format!("cannot write .sqlx/{name}"))?;
        }
        for (name, _) in &self.removed {
            fs::remove_file(committed.join(name)).with_context(|| format!("cannot remove .sqlx/{name}"))?;
        }
        Ok(())
    }
}

/// The query's SQL on one line, shortened, from a query data file.
fn query_text(json: &[u8]) -> String {
    let text = String::from_utf8_lossy(json);
    // The file is sqlx's pretty-printed JSON: `"query": "<escaped SQL>",` is one line.
    let sql = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("\"query\": \""))
        .map(|rest| rest.trim_end_matches(',').trim_end_matches('"'))
        .unwrap_or("?");
    let one_line = sql.replace("\\n", " ").split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(80) {
        Some((cut, _)) => format!("{}...", &one_line[..cut]),
        None => one_line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(sql: &str) -> Vec<u8> {
        format!("{{\n  \"db_name\": \"PostgreSQL\",\n  \"query\": \"{sql}\",\n  \"describe\": {{}}\n}}\n")
            .into_bytes()
    }

    #[test]
    fn the_check_names_a_stale_query_and_passes_a_current_one() {
        let committed = BTreeMap::from([
            ("query-a.json".to_owned(), data("SELECT 1")),
            ("query-b.json".to_owned(), data("SELECT id\\n  FROM clip")),
        ]);
        assert!(Diff::between(&committed, &committed).ensure_empty().is_ok());

        let mut generated = committed.clone();
        generated.insert("query-b.json".to_owned(), data("SELECT id\\n  FROM clip -- new columns"));
        generated.insert("query-c.json".to_owned(), data("DELETE FROM action"));
        generated.remove("query-a.json");
        let diff = Diff::between(&committed, &generated);
        assert_eq!((diff.added.len(), diff.changed.len(), diff.removed.len()), (1, 1, 1));
        let err = diff.ensure_empty().unwrap_err().to_string();
        assert!(err.contains("`DELETE FROM action` has no offline data"), "{err}");
        assert!(err.contains("3 file(s)") && err.contains("cargo xtask prepare"), "{err}");
    }

    #[test]
    fn apply_makes_the_folder_equal_to_the_generated_one() {
        let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
        let [committed, generated] = [dirs[0].path(), dirs[1].path()];
        fs::write(committed.join("query-old.json"), data("SELECT 1")).unwrap();
        fs::write(committed.join("query-same.json"), data("SELECT 2")).unwrap();
        fs::write(generated.join("query-same.json"), data("SELECT 2")).unwrap();
        fs::write(generated.join("query-new.json"), data("SELECT 3")).unwrap();
        let diff = Diff::between(&read_queries(committed).unwrap(), &read_queries(generated).unwrap());
        diff.apply(committed, generated).unwrap();
        assert_eq!(read_queries(committed).unwrap(), read_queries(generated).unwrap());
    }

    #[test]
    fn long_queries_are_shortened_to_one_line() {
        let long = format!("SELECT {}", "column_name, ".repeat(10));
        let shown = query_text(&data(&long.replace(' ', "\\n")));
        assert!(shown.ends_with("...") && !shown.contains('\n') && shown.chars().count() == 83, "{shown}");
    }
}
