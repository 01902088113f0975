//! The golden cases of `revision --autogenerate`: each folder of `autogenerate_cases/` holds a
//! `current.sql` (what the migrations build) and a `desired.sql` (the declared schema). A case
//! passes when, as the external corpus judges it: the two differ before; the generated up script
//! lands exactly on what `desired.sql` builds; the down script lands exactly on what
//! `current.sql` builds; the up script, run again, lands on the desired schema again; and the
//! two agree after (`check` passes once the up script is applied). An optional `up.txt` lists texts the up script must contain, one a line;
//! a line `!TEXT` says that it must not contain TEXT (`!DROP` for a pure rename). An optional
//! `down.txt` says the same of the down script. Adding a case is adding a folder.

use std::path::{Path, PathBuf};

use dburl::DbUrl;
use xtask::schema::autogenerate;

use crate::autogenerate::{introspect, migrate, rebuild, run_cases};

/// A case folder's name and its files' contents.
struct Golden {
    name: String,
    current: String,
    desired: String,
    up: Vec<String>,
    down: Vec<String>,
}

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/autogenerate_cases")
}

fn goldens() -> Vec<Golden> {
    let mut out: Vec<Golden> = std::fs::read_dir(folder())
        .unwrap()
        .map(|entry| {
            let dir = entry.unwrap().path();
            let read = |file: &str| std::fs::read_to_string(dir.join(file));
            Golden {
                name: dir.file_name().unwrap().to_string_lossy().into_owned(),
                current: read("current.sql").unwrap(),
                desired: read("desired.sql").unwrap(),
                up: lines(read("up.txt")),
                down: lines(read("down.txt")),
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// A text file's non-empty lines; none when it is missing.
fn lines(text: std::io::Result<String>) -> Vec<String> {
    text.map(|t| t.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect()).unwrap_or_default()
}

/// Checks `script` against the lines of its `up.txt` or `down.txt`.
fn expect(which: &str, script: &str, lines: &[String]) -> Result<(), String> {
    for line in lines {
        match line.strip_prefix('!') {
            Some(banned) if script.contains(banned) => {
                return Err(format!("{which} has {banned:?}:\n{script}"));
            }
            None if !script.contains(line.as_str()) => {
                return Err(format!("{which} lacks {line:?}:\n{script}"));
            }
            _ => {}
        }
    }
    Ok(())
}

async fn run(case: &Golden, pair: (&DbUrl, &DbUrl)) -> Result<(), String> {
    let mut migrated = xtask::pg::connect(pair.0).await.map_err(|e| e.to_string())?;
    let mut declared = xtask::pg::connect(pair.1).await.map_err(|e| e.to_string())?;
    rebuild(&mut migrated, &case.current).await.map_err(|e| format!("current.sql: {e}"))?;
    rebuild(&mut declared, &case.desired).await.map_err(|e| format!("desired.sql: {e}"))?;
    let current = introspect(&mut migrated).await;
    let desired = introspect(&mut declared).await;
    let plan = match autogenerate::autogenerate_between(&mut migrated, &mut declared, &case.desired).await {
        Ok(Some(plan)) => plan,
        Ok(None) => return Err("no difference found before generation".into()),
        Err(err) => return Err(format!("{err:#}")),
    };
    expect("up", &plan.up, &case.up)?;
    expect("down", &plan.down, &case.down)?;
    // Replayed on a fresh build of the current schema: up, down, up again.
    rebuild(&mut declared, &case.current).await?;
    let mut reached = Vec::new();
    for script in [&plan.up, &plan.down, &plan.up] {
        migrate(&mut declared, script).await?;
        reached.push(introspect(&mut declared).await);
    }
    for ((which, schema), expected) in
        ["up", "down", "up again"].into_iter().zip(&reached).zip([&desired, &current, &desired])
    {
        let left = schema.differences(expected);
        if !left.is_empty() {
            return Err(format!("{which} leaves {left:#?}\nup:\n{}\ndown:\n{}", plan.up, plan.down));
        }
    }
    // Once the migration is applied, `check` passes, with the file (and its notes) unchanged.
    migrate(&mut migrated, &plan.up).await?;
    rebuild(&mut declared, &case.desired).await?;
    let checked = autogenerate::check_between(&mut migrated, &mut declared, &case.desired).await;
    xtask::pg::close(migrated).await;
    xtask::pg::close(declared).await;
    match checked {
        Ok(None) => Ok(()),
        Ok(Some(plan)) => Err(format!("check still disagrees after the up script:\n{}", plan.up)),
        Err(err) => Err(format!("check fails after the up script: {err:#}")),
    }
}

#[test]
fn every_golden_case_round_trips() {
    let cases = goldens();
    let only = std::env::var("GOLDEN").ok();
    let cases: Vec<Golden> =
        cases.into_iter().filter(|c| only.as_ref().is_none_or(|o| c.name.contains(o.as_str()))).collect();
    let count = cases.len();
    let failures = run_cases(
        cases,
        2,
        |case| case.name.clone(),
        |case, migrated, declared| Box::pin(async move { run(&case, (&migrated, &declared)).await }),
    );
    assert!(count > 0, "no case folders in {}", folder().display());
    assert!(failures.is_empty(), "{} of {count} cases failed:\n\n{}", failures.len(), failures.join("\n\n"));
}
