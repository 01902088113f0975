//! The generated migration in lock-friendly forms, as a sequence of files: a separate pass over
//! the diff's statements, for tables that exist before the change (tables created by the same
//! change are empty and need none of this).
//!
//! - FOREIGN KEY and CHECK: added `NOT VALID`, validated in a later file (in the same
//!   transaction VALIDATE would run under the ADD's ACCESS EXCLUSIVE lock).
//! - SET NOT NULL: a `CHECK (col IS NOT NULL) NOT VALID` first; later VALIDATE, SET NOT NULL
//!   (PostgreSQL 12+ skips the scan when a valid check proves it), and drop the check.
//! - CREATE / DROP INDEX: CONCURRENTLY, each alone in a `-- no-transaction` file.
//! - UNIQUE and PRIMARY KEY: `CREATE UNIQUE INDEX CONCURRENTLY`, then `ADD CONSTRAINT ... USING
//!   INDEX`.
//! - A new enum value the change also uses: added in an earlier file.
//!
//! Each file's down undoes that file, so the files revert newest first; the first file's down
//! is the diff's down without what the later files' downs already undid.

use std::collections::BTreeSet;

use anyhow::{Result, anyhow, bail};
use sqlx::{Connection, Executor, PgConnection};

use super::diff::{self, Step};
use super::{Schema, introspect};
use crate::engine::MAINTENANCE_WORKERS_HEADER;
use crate::lint::locks::{self, Lock};
use crate::lint::statements::{self, Statement, Token};

/// One file of the sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// What this file does, for its name and header (e.g. `validate`).
    pub role: String,
    /// Its statements, in order.
    pub up: Vec<Step>,
    /// Its down file's statements, in order.
    pub down: Vec<Step>,
    /// Runs outside a transaction (`-- no-transaction`): a CONCURRENTLY statement, alone.
    pub no_transaction: bool,
}

/// The up and down steps of one generated change as lock-friendly files, in order. `existing`
/// holds the tables present before the change. A change needing no split comes back as one part.
pub fn split(up: &[Step], down: &[Step], existing: &BTreeSet<String>) -> Vec<Part> {
    let mut early: Vec<Part> = Vec::new();
    let mut main = Part { role: "main".into(), up: Vec::new(), down: Vec::new(), no_transaction: false };
    let mut indexes: Vec<Part> = Vec::new();
    let mut constraints =
        Part { role: "validate".into(), up: Vec::new(), down: Vec::new(), no_transaction: false };
    let (mut validates, mut not_nulls, mut drop_checks) = (Vec::new(), Vec::new(), Vec::new());
    let mut main_down_first: Vec<Step> = Vec::new();
    // Down statements a later file's down takes over, by the object they name.
    let mut owned_by_later: BTreeSet<String> = BTreeSet::new();
    let adds_foreign_key =
        up.iter().any(|s| parse(s).is_some_and(|p| p.starts("alter table") && p.has("foreign key")));
    let used_text: Vec<String> = up.iter().map(|s| s.sql.clone()).collect();
    // A commented index stays in the main file, built in its transaction: its comment must be
    // set after it is built and restored after a down rebuilds it, which no file of its own allows.
    let commented: BTreeSet<String> = up
        .iter()
        .chain(down)
        .filter_map(|s| {
            parse(s).filter(|p| p.starts("comment on index")).and_then(|p| p.name_after("comment on index"))
        })
        .collect();

    for step in up {
        let Some(statement) = parse(step) else {
            main.up.push(step.clone());
            continue;
        };
        let table = statement.name_after("alter table").or_else(|| statement.name_after("on"));
        let on_existing = table.as_ref().is_some_and(|t| existing.contains(t));
        if statement.starts("alter type") && statement.has("add value") {
            let value = statement.tokens.iter().find_map(|t| match t {
                Token::Text(v) => Some(format!("'{}'", v.replace('\'', "''"))),
                _ => None,
            });
            if value.is_some_and(|v| used_text.iter().any(|sql| sql != &step.sql && sql.contains(&v))) {
                early.push(Part {
                    role: "enum_value".into(),
                    up: vec![step.clone()],
                    // The next file's down (the diff's) removes the value with the rest.
                    down: Vec::new(),
                    no_transaction: false,
                });
                continue;
            }
        }
        if !on_existing {
            main.up.push(step.clone());
            continue;
        }
        let table = table.expect("on an existing table");
        let name = statement.find("add constraint").and_then(|at| statement.word(at + 2)).map(str::to_owned);
        if let Some(name) = &name
            && (statement.has("foreign key") || statement.find("check").is_some())
            && !statement.has("not valid")
            && statement.find("add constraint").is_some()
        {
            main.up.push(Step { sql: format!("{} NOT VALID", step.sql), loss: step.loss.clone() });
            validates.push(plain(format!("ALTER TABLE {} VALIDATE CONSTRAINT {}", q(&table), q(name))));
            continue;
        }
        if let Some(name) = &name
            && !adds_foreign_key
            && let Some(columns) = unique_columns(&statement)
        {
            let primary = statement.has("primary key");
            indexes.push(Part {
                role: format!("index_{name}"),
                up: vec![plain(format!(
                    "CREATE UNIQUE INDEX CONCURRENTLY {} ON {} {columns}",
                    q(name),
                    q(&table)
                ))],
                down: vec![plain(format!("DROP INDEX CONCURRENTLY IF EXISTS {}", q(name)))],
                no_transaction: true,
            });
            let kind = if primary { "PRIMARY KEY" } else { "UNIQUE" };
            constraints.up.push(plain(format!(
                "ALTER TABLE {} ADD CONSTRAINT {} {kind} USING INDEX {}",
                q(&table),
                q(name),
                q(name)
            )));
            constraints.down.push(plain(format!("ALTER TABLE {} DROP CONSTRAINT {}", q(&table), q(name))));
            owned_by_later.insert(name.clone());
            continue;
        }
        if statement.has("set not null")
            && let Some(at) = statement.find("alter column")
            && let Some(column) = statement.word(at + 2)
        {
            let check = format!("{table}_{column}_not_null");
            main.up.push(plain(format!(
                "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID",
                q(&table),
                q(&check),
                q(column)
            )));
            main_down_first.push(plain(format!(
                "ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}",
                q(&table),
                q(&check)
            )));
            validates.push(plain(format!("ALTER TABLE {} VALIDATE CONSTRAINT {}", q(&table), q(&check))));
            not_nulls.push(step.clone());
            drop_checks.push(plain(format!("ALTER TABLE {} DROP CONSTRAINT {}", q(&table), q(&check))));
            constraints.down.push(plain(format!(
                "ALTER TABLE {} ALTER COLUMN {} DROP NOT NULL",
                q(&table),
                q(column)
            )));
            continue;
        }
        if (statement.starts("create index") || statement.starts("create unique index"))
            && !statement.has("concurrently")
            && let Some(at) = statement.find("index")
            && let Some(index) = statement.word(at + 1)
            && !commented.contains(index)
        {
            let sql = step.sql.replacen(" INDEX ", " INDEX CONCURRENTLY ", 1);
            indexes.push(Part {
                role: format!("index_{index}"),
                up: vec![Step { sql, loss: step.loss.clone() }],
                down: vec![plain(format!("DROP INDEX CONCURRENTLY IF EXISTS {}", q(index)))],
                no_transaction: true,
            });
            owned_by_later.insert(index.to_owned());
            continue;
        }
        main.up.push(step.clone());
    }
    // DROP INDEX of an index on a table that stays: its own file, before the main one; unless
    // the main file renames it first (a `-- renamed from:` note), which must come before.
    let renamed_first = |index: &str| up.iter().any(|s| s.sql.ends_with(&format!(" RENAME TO {}", q(index))));
    let mut moved_up: BTreeSet<String> = BTreeSet::new();
    for step in &main.up {
        let Some(statement) = parse(step) else { continue };
        if !statement.starts("drop index") || statement.has("concurrently") {
            continue;
        }
        let Some(index) =
            statement.name_after("drop index").filter(|i| !commented.contains(i) && !renamed_first(i))
        else {
            continue;
        };
        let recreate = down.iter().find(|d| {
            parse(d).is_some_and(|p| {
                p.find("index").and_then(|at| p.word(at + 1)) == Some(&index) && p.starts("create")
            })
        });
        let on_existing = recreate
            .and_then(parse)
            .and_then(|p| p.name_after("on"))
            .is_some_and(|t| existing.contains(&t) && !dropped(up, &t));
        let Some(recreate) = recreate.filter(|_| on_existing) else { continue };
        early.push(Part {
            role: format!("drop_index_{index}"),
            up: vec![Step {
                sql: step.sql.replacen("DROP INDEX ", "DROP INDEX CONCURRENTLY ", 1),
                loss: step.loss.clone(),
            }],
            down: vec![plain(recreate.sql.replacen(" INDEX ", " INDEX CONCURRENTLY ", 1))],
            no_transaction: true,
        });
        moved_up.insert(step.sql.clone());
        owned_by_later.insert(index);
    }
    main.up.retain(|s| !moved_up.contains(&s.sql));

    // An index the main file still drops (renamed there first) is rebuilt by the main file's down.
    let dropped_in_main: BTreeSet<String> = main
        .up
        .iter()
        .filter_map(parse)
        .filter(|p| p.starts("drop index"))
        .filter_map(|p| p.name_after("drop index"))
        .collect();
    let rebuilds_dropped = |d: &Step| {
        parse(d).is_some_and(|p| {
            (p.starts("create index") || p.starts("create unique index"))
                && p.find("index").and_then(|at| p.word(at + 1)).is_some_and(|i| dropped_in_main.contains(i))
        })
    };
    main.down = main_down_first;
    main.down
        .extend(down.iter().filter(|d| !undoes_owned(d, &owned_by_later) || rebuilds_dropped(d)).cloned());

    constraints.up = [validates, std::mem::take(&mut constraints.up), not_nulls, drop_checks].concat();
    constraints.down.reverse();
    let mut parts = early;
    parts.push(main);
    parts.extend(indexes);
    parts.push(constraints);
    parts.retain(|p| !(p.up.is_empty() && p.down.is_empty()));
    parts
}

/// The header of a generated file: for each statement, the lock, what it blocks, and whether it
/// scans or rewrites the table.
pub fn lock_header(part: &Part) -> String {
    let mut out = String::from("-- Locks, per statement:\n");
    let mut proven = false;
    for (i, step) in part.up.iter().enumerate() {
        let Some(statement) = parse(step) else { continue };
        if statement.has("validate constraint") {
            proven = true;
        }
        let (lock, work) = locks::of(&statement, proven);
        let table = statement
            .name_after("alter table")
            .or_else(|| statement.name_after("on"))
            .or_else(|| statement.name_after("drop index"))
            .or_else(|| statement.name_after("create table"))
            .unwrap_or_default();
        // Past any note the proof on real rows put above the statement.
        let first_line = step.sql.lines().find(|line| !line.starts_with("--")).unwrap_or_default();
        let first_words: String = first_line.chars().take(70).collect();
        let lock_text = match lock {
            Lock::None => "no lock on existing rows".to_owned(),
            lock => format!("{lock} on {table}: {}", lock.blocks()),
        };
        out.push_str(&format!("--   {}. {first_words}\n--      {lock_text}; {work}\n", i + 1));
    }
    out
}

/// The files of `parts` as (file name, contents): consecutive versions from `version`, each up
/// file headed by its locks per statement.
pub fn files(parts: &[Part], version: i64, name: &str, title: &str) -> Vec<(String, String)> {
    let count = parts.len();
    let mut files = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let version = version + i as i64;
        let name = if count == 1 { name.to_owned() } else { format!("{name}_{}", part.role) };
        let stem = format!("{version}_{name}");
        files.push((format!("{stem}.up.sql"), up_file(part, title, i, count)));
        files.push((format!("{stem}.down.sql"), down_file(part, &stem)));
    }
    files
}

fn up_file(part: &Part, title: &str, index: usize, count: usize) -> String {
    let mut out = String::new();
    if part.no_transaction {
        out.push_str("-- no-transaction\n");
    }
    let builds_index = part.up.iter().any(|s| parse(s).is_some_and(|p| p.starts("create") && p.has("index")));
    if part.no_transaction && builds_index {
        // Parallel workers would take every core from the app while the index builds.
        out.push_str(&format!(
            "{MAINTENANCE_WORKERS_HEADER} 0\n-- (one core builds the index; the others stay with the app)\n"
        ));
    }
    out.push_str(&format!("-- {title}"));
    if count > 1 {
        out.push_str(&format!(" (file {} of {count}: {})", index + 1, part.role));
    }
    out.push('\n');
    out.push_str(if part.no_transaction {
        "-- Applied outside a transaction by `cargo xtask migrate`: CONCURRENTLY cannot run in one.\n"
    } else {
        "-- Applied in one transaction by `cargo xtask migrate`.\n"
    });
    out.push_str(&lock_header(part));
    out.push('\n');
    out.push_str(&diff::render(&part.up));
    out
}

fn down_file(part: &Part, stem: &str) -> String {
    let mut out = String::new();
    if part.no_transaction {
        out.push_str("-- no-transaction\n");
    }
    out.push_str(&format!("-- Reverts {stem}.up.sql; run by `cargo xtask downgrade`.\n\n"));
    if part.down.is_empty() {
        out.push_str("-- Nothing to undo here: a validated constraint stays valid, and the earlier file's down removes it.\n");
    }
    out.push_str(&diff::render(&part.down));
    out
}

/// Runs the parts' up files in order on `conn` (each in a transaction unless it opts out, as
/// `migrate` runs them), checks that they reach `after` exactly, then their downs newest first,
/// which must reach `before`. Fails with the file and what is left over.
pub async fn prove_sequence(
    conn: &mut PgConnection,
    parts: &[Part],
    before: &Schema,
    after: &Schema,
    declared: &str,
) -> Result<()> {
    for part in parts {
        run(conn, part, &part.up, "up").await?;
    }
    ensure_reached(conn, after, declared, "up").await?;
    for part in parts.iter().rev() {
        run(conn, part, &part.down, "down").await?;
    }
    ensure_reached(conn, before, "the migrations", "down").await
}

async fn run(conn: &mut PgConnection, part: &Part, steps: &[Step], which: &str) -> Result<()> {
    let script = diff::render(steps);
    let result = if part.no_transaction {
        conn.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(script.clone()))).await.map(|_| ())
    } else {
        let mut tx = conn.begin().await?;
        match tx.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(script.clone()))).await {
            Ok(_) => tx.commit().await,
            Err(err) => Err(err),
        }
    };
    result.map_err(|err| {
        anyhow!(
            "the lock-friendly {which} file `{}` fails on a scratch copy of the migrations: {err}; nothing was written. \
             The file was:\n{script}",
            part.role
        )
    })
}

async fn ensure_reached(conn: &mut PgConnection, expected: &Schema, target: &str, which: &str) -> Result<()> {
    let left = introspect(conn).await?.differences(expected);
    if !left.is_empty() {
        bail!(
            "the lock-friendly {which} files do not reach {target} exactly, so nothing was written; write \
             this migration by hand (`cargo xtask revision -m NAME`). Left over:\n  {}",
            left.join("\n  ")
        );
    }
    Ok(())
}

fn parse(step: &Step) -> Option<Statement> {
    statements::split(&step.sql).into_iter().next()
}

fn plain(sql: String) -> Step {
    Step { sql, loss: None }
}

/// An identifier as the diff writes it (quoted only when needed).
fn q(name: &str) -> String {
    super::sql::ident(name)
}

/// `(a, b)` of `ADD CONSTRAINT n UNIQUE (a, b)` or `PRIMARY KEY (a, b)`, when that is all the
/// definition says (anything more, e.g. `DEFERRABLE` or `INCLUDE`, is left as the diff wrote it).
fn unique_columns(statement: &Statement) -> Option<String> {
    let at = statement
        .find("unique")
        .map(|at| at + 1)
        .or_else(|| statement.find("primary key").map(|at| at + 2))?;
    if statement.tokens.get(at) != Some(&Token::Punct('(')) {
        return None;
    }
    let close = statement.tokens[at..].iter().position(|t| *t == Token::Punct(')'))? + at;
    if close + 1 != statement.tokens.len() {
        return None;
    }
    let columns: Vec<String> = statement.tokens[at + 1..close]
        .iter()
        .filter_map(|t| match t {
            Token::Word(w) => Some(q(w)),
            _ => None,
        })
        .collect();
    Some(format!("({})", columns.join(", ")))
}

/// Whether the change drops `table`.
fn dropped(up: &[Step], table: &str) -> bool {
    up.iter().any(|s| {
        parse(s)
            .is_some_and(|p| p.starts("drop table") && p.name_after("drop table").as_deref() == Some(table))
    })
}

/// Whether a down statement undoes an object that a later file's down undoes instead.
fn undoes_owned(step: &Step, owned: &BTreeSet<String>) -> bool {
    let Some(statement) = parse(step) else { return false };
    let name = if statement.starts("drop index") {
        statement.name_after("drop index")
    } else if statement.starts("alter table") && statement.has("drop constraint") {
        statement.find("drop constraint").and_then(|at| statement.word(at + 2)).map(str::to_owned)
    } else if statement.starts("create index") || statement.starts("create unique index") {
        statement.find("index").and_then(|at| statement.word(at + 1)).map(str::to_owned)
    } else {
        None
    };
    name.is_some_and(|n| owned.contains(&n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(sql: &[&str]) -> Vec<Step> {
        sql.iter().map(|s| plain((*s).to_owned())).collect()
    }

    fn sqls(steps: &[Step]) -> Vec<&str> {
        steps.iter().map(|s| s.sql.as_str()).collect()
    }

    #[test]
    fn existing_tables_get_the_lock_friendly_forms_in_later_files() {
        let existing: BTreeSet<String> = ["clip".to_owned(), "action".to_owned()].into();
        let up = steps(&[
            "CREATE TABLE note (id int)",
            "CREATE INDEX note_id_idx ON public.note USING btree (id)",
            "ALTER TABLE clip ALTER COLUMN label SET NOT NULL",
            "ALTER TABLE clip ADD CONSTRAINT clip_action_fkey FOREIGN KEY (action_id) REFERENCES action(id)",
            "CREATE INDEX clip_label_idx ON public.clip USING btree (label)",
        ]);
        let down = steps(&[
            "ALTER TABLE clip DROP CONSTRAINT clip_action_fkey",
            "DROP INDEX clip_label_idx",
            "DROP TABLE note",
            "ALTER TABLE clip ALTER COLUMN label DROP NOT NULL",
        ]);
        let parts = split(&up, &down, &existing);
        assert_eq!(
            parts.iter().map(|p| p.role.as_str()).collect::<Vec<_>>(),
            ["main", "index_clip_label_idx", "validate"]
        );
        assert_eq!(
            sqls(&parts[0].up),
            [
                "CREATE TABLE note (id int)",
                "CREATE INDEX note_id_idx ON public.note USING btree (id)",
                "ALTER TABLE clip ADD CONSTRAINT clip_label_not_null CHECK (label IS NOT NULL) NOT VALID",
                "ALTER TABLE clip ADD CONSTRAINT clip_action_fkey FOREIGN KEY (action_id) REFERENCES action(id) NOT VALID",
            ]
        );
        assert_eq!(
            sqls(&parts[0].down),
            [
                "ALTER TABLE clip DROP CONSTRAINT IF EXISTS clip_label_not_null",
                "ALTER TABLE clip DROP CONSTRAINT clip_action_fkey",
                "DROP TABLE note",
                "ALTER TABLE clip ALTER COLUMN label DROP NOT NULL",
            ]
        );
        assert!(parts[1].no_transaction);
        assert_eq!(
            sqls(&parts[1].up),
            ["CREATE INDEX CONCURRENTLY clip_label_idx ON public.clip USING btree (label)"]
        );
        assert_eq!(sqls(&parts[1].down), ["DROP INDEX CONCURRENTLY IF EXISTS clip_label_idx"]);
        assert_eq!(
            sqls(&parts[2].up),
            [
                "ALTER TABLE clip VALIDATE CONSTRAINT clip_label_not_null",
                "ALTER TABLE clip VALIDATE CONSTRAINT clip_action_fkey",
                "ALTER TABLE clip ALTER COLUMN label SET NOT NULL",
                "ALTER TABLE clip DROP CONSTRAINT clip_label_not_null",
            ]
        );
        assert_eq!(sqls(&parts[2].down), ["ALTER TABLE clip ALTER COLUMN label DROP NOT NULL"]);
        let header = lock_header(&parts[2]);
        assert!(
            header.contains("SHARE UPDATE EXCLUSIVE on clip") && header.contains("catalog only"),
            "{header}"
        );
    }

    #[test]
    fn unique_constraints_go_through_a_concurrent_index_and_a_change_of_new_tables_stays_whole() {
        let existing: BTreeSet<String> = ["clip".to_owned()].into();
        let up = steps(&["ALTER TABLE clip ADD CONSTRAINT clip_label_key UNIQUE (label)"]);
        let down = steps(&["ALTER TABLE clip DROP CONSTRAINT clip_label_key"]);
        let parts = split(&up, &down, &existing);
        assert_eq!(parts.len(), 2, "an empty main file is left out");
        assert_eq!(sqls(&parts[0].up), ["CREATE UNIQUE INDEX CONCURRENTLY clip_label_key ON clip (label)"]);
        assert_eq!(
            sqls(&parts[1].up),
            ["ALTER TABLE clip ADD CONSTRAINT clip_label_key UNIQUE USING INDEX clip_label_key"]
        );
        assert_eq!(sqls(&parts[1].down), ["ALTER TABLE clip DROP CONSTRAINT clip_label_key"]);

        let parts = split(&up, &down, &BTreeSet::new());
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].up, up);
    }
}
