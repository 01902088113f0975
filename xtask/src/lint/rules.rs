//! The rules: each statement of a migration against what it would do to a database in use.

use std::collections::BTreeSet;

use super::locks::{Lock, Work};
use super::statements::{Statement, Token};

/// Every rule: its id (what `-- lint: allow` names) and what it is about.
pub const RULES: &[(&str, &str)] = &[
    ("index-not-concurrent", "CREATE INDEX or DROP INDEX without CONCURRENTLY"),
    ("constraint-not-valid", "FOREIGN KEY or CHECK added without NOT VALID"),
    ("set-not-null", "SET NOT NULL without a validated CHECK (col IS NOT NULL)"),
    ("unique-constraint", "UNIQUE or PRIMARY KEY added as a constraint, building its index under the lock"),
    ("type-rewrite", "column type change that rewrites the table"),
    ("volatile-default", "ADD COLUMN with a volatile DEFAULT, which rewrites the table"),
    ("not-null-without-default", "ADD COLUMN ... NOT NULL without a DEFAULT"),
    ("rename", "rename of a column or table, which breaks the running app version"),
    ("drop-column", "drop of a column the running app version may still read"),
    ("drop-table", "drop of a table the running app version may still read"),
    ("concurrently-in-transaction", "CONCURRENTLY inside a transaction, or not alone in its file"),
    ("enum-value-used", "enum value used in the migration that adds it"),
    ("vacuum-full", "VACUUM FULL, which rewrites the table under ACCESS EXCLUSIVE"),
    ("cluster", "CLUSTER, which rewrites the table under ACCESS EXCLUSIVE"),
    ("truncate", "TRUNCATE, which empties the table under ACCESS EXCLUSIVE"),
    ("lock-table", "explicit LOCK TABLE"),
    ("unbatched-write", "UPDATE or DELETE without WHERE on an existing table"),
];

/// One hazard in one statement, before it is placed in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hazard {
    /// The rule's id.
    pub rule: &'static str,
    /// The table concerned, when known.
    pub table: Option<String>,
    /// The lock the statement takes.
    pub lock: Lock,
    /// Whether it scans or rewrites the table.
    pub work: Work,
    /// What happens.
    pub what: String,
    /// The safe rewrite.
    pub fix: String,
}

/// What the rules know about the file and the migrations before it.
#[derive(Debug, Default)]
pub struct Context {
    /// Tables created earlier in this file: statements on them are exempt.
    pub created: BTreeSet<String>,
    /// Enum values added earlier in this file.
    pub new_enum_values: BTreeSet<String>,
    /// `(table, column)` pairs with a validated `CHECK (column IS NOT NULL)` from an earlier file.
    pub validated_not_null: BTreeSet<(String, String)>,
    /// The file runs outside a transaction (`-- no-transaction`).
    pub no_transaction: bool,
    /// How many statements the file holds.
    pub statement_count: usize,
}

fn hazard(rule: &'static str, table: Option<&str>, lock: Lock, work: Work, what: &str, fix: &str) -> Hazard {
    Hazard { rule, table: table.map(str::to_owned), lock, work, what: what.to_owned(), fix: fix.to_owned() }
}

/// Functions whose value changes per row: a DEFAULT calling one makes ADD COLUMN rewrite.
const VOLATILE: &[&str] = &[
    "random",
    "gen_random_uuid",
    "uuid_generate_v4",
    "uuid_generate_v1",
    "clock_timestamp",
    "timeofday",
    "nextval",
];

/// The hazards of `statement`, updating `context` with what it creates.
pub fn check(statement: &Statement, context: &mut Context) -> Vec<Hazard> {
    let mut found = Vec::new();
    let existing = |table: &Option<String>, context: &Context| {
        table.as_ref().is_none_or(|t| !context.created.contains(t))
    };
    let concurrently = statement.has("concurrently");
    if concurrently && (!context.no_transaction || context.statement_count > 1) {
        found.push(hazard(
            "concurrently-in-transaction",
            None,
            Lock::ShareUpdateExclusive,
            Work::Scan,
            if context.no_transaction {
                "CONCURRENTLY shares its file with other statements, which PostgreSQL runs as one implicit transaction: it fails"
            } else {
                "CONCURRENTLY cannot run inside the migration's transaction: it fails"
            },
            "put it alone in its own migration whose first line is `-- no-transaction`",
        ));
    }
    if statement.starts("create table") {
        if let Some(table) = statement.name_after("create table") {
            context.created.insert(table);
        }
    } else if statement.starts("create index") || statement.starts("create unique index") {
        let table = statement.name_after("on");
        if !concurrently && existing(&table, context) {
            found.push(hazard(
                "index-not-concurrent",
                table.as_deref(),
                Lock::Share,
                Work::Scan,
                "CREATE INDEX holds its lock while it reads the whole table",
                "CREATE INDEX CONCURRENTLY, alone in a `-- no-transaction` migration",
            ));
        }
    } else if statement.starts("drop index") && !concurrently {
        found.push(hazard(
            "index-not-concurrent",
            statement.name_after("drop index").as_deref(),
            Lock::AccessExclusive,
            Work::Catalog,
            "DROP INDEX locks the index's table",
            "DROP INDEX CONCURRENTLY, alone in a `-- no-transaction` migration",
        ));
    } else if statement.starts("drop table") {
        let table = statement.name_after("drop table");
        if existing(&table, context) {
            found.push(hazard(
                "drop-table",
                table.as_deref(),
                Lock::AccessExclusive,
                Work::Catalog,
                "the running app version may still read or write it, and its rows are gone",
                "first ship an app version that no longer uses it, then drop it (back it up if the rows matter)",
            ));
        }
    } else if statement.starts("alter table") {
        let table = statement.name_after("alter table");
        if existing(&table, context) {
            for action in actions(statement) {
                alter_table_action(&action, table.as_deref(), context, &mut found);
            }
        }
    } else if statement.starts("alter type") && statement.has("add value") {
        for token in &statement.tokens {
            if let Token::Text(value) = token {
                context.new_enum_values.insert(value.clone());
            }
        }
    } else if statement.starts("vacuum") && statement.has("full") {
        found.push(hazard(
            "vacuum-full",
            None,
            Lock::AccessExclusive,
            Work::Rewrite,
            "VACUUM FULL rewrites the table while nothing can read it",
            "plain VACUUM (or pg_repack) outside migrations",
        ));
    } else if statement.starts("cluster") {
        found.push(hazard(
            "cluster",
            statement.name_at(1).map(|(n, _)| n).as_deref(),
            Lock::AccessExclusive,
            Work::Rewrite,
            "CLUSTER rewrites the table while nothing can read it",
            "leave physical ordering out of migrations (pg_repack can reorder online)",
        ));
    } else if statement.starts("truncate") {
        let table = statement
            .name_after("truncate")
            .filter(|t| t != "table")
            .or(statement.name_after("truncate table"));
        if existing(&table, context) {
            found.push(hazard(
                "truncate",
                table.as_deref(),
                Lock::AccessExclusive,
                Work::Catalog,
                "TRUNCATE deletes every row and waits for every reader",
                "DELETE in batches if the rows must go while the app runs",
            ));
        }
    } else if statement.starts("lock") {
        let table = statement.name_after("lock table").or(statement.name_after("lock"));
        found.push(hazard(
            "lock-table",
            table.as_deref(),
            if statement.has("access share") { Lock::None } else { Lock::AccessExclusive },
            Work::Catalog,
            "LOCK TABLE holds its lock (ACCESS EXCLUSIVE unless a mode is given) until the migration commits",
            "drop the LOCK: each statement takes the lock it needs, bounded by --ddl-lock-timeout",
        ));
    } else if (statement.starts("update") || statement.starts("delete from")) && !statement.has("where") {
        let table = if statement.starts("update") {
            statement.name_after("update")
        } else {
            statement.name_after("delete from")
        };
        if existing(&table, context) {
            found.push(hazard(
                "unbatched-write",
                table.as_deref(),
                Lock::RowExclusive,
                Work::Rewrite,
                "changes every row in one transaction: every row stays locked until it commits",
                "a batched backfill outside the migration (UPDATE ... WHERE id BETWEEN ... in a loop), or a WHERE",
            ));
        }
    }
    if !context.new_enum_values.is_empty() && !statement.starts("alter type") {
        let used = statement.tokens.iter().find_map(|t| match t {
            Token::Text(value) if context.new_enum_values.contains(value) => Some(value.clone()),
            _ => None,
        });
        if let Some(value) = used {
            found.push(Hazard {
                rule: "enum-value-used",
                table: None,
                lock: Lock::None,
                work: Work::Catalog,
                what: format!("uses the enum value '{value}' added in the same migration: fails with \"unsafe use of new value\""),
                fix: "add the value in an earlier migration".to_owned(),
            });
        }
    }
    found
}

/// An `ALTER TABLE`'s actions: its tokens after the table's name, split at top-level commas.
fn actions(statement: &Statement) -> Vec<Statement> {
    let Some(at) = statement.find("alter table") else { return Vec::new() };
    let mut start = at + 2;
    for skip in ["if", "exists", "only"] {
        if statement.word(start) == Some(skip) {
            start += 1;
        }
    }
    let Some((_, after)) = statement.name_at(start) else { return Vec::new() };
    let mut actions = Vec::new();
    let mut current = Vec::new();
    let mut depth = 0i32;
    for token in &statement.tokens[after..] {
        match token {
            Token::Punct('(') => depth += 1,
            Token::Punct(')') => depth -= 1,
            Token::Punct(',') if depth == 0 => {
                actions.push(Statement {
                    line: statement.line,
                    tokens: std::mem::take(&mut current),
                    comments_above: Vec::new(),
                });
                continue;
            }
            _ => {}
        }
        current.push(token.clone());
    }
    actions.push(Statement { line: statement.line, tokens: current, comments_above: Vec::new() });
    actions
}

fn alter_table_action(action: &Statement, table: Option<&str>, context: &Context, found: &mut Vec<Hazard>) {
    let not_valid = action.has("not valid");
    let first = action.word(0).unwrap_or_default();
    let constraint_kind = |action: &Statement| {
        let mut at = 1;
        if action.word(1) == Some("constraint") {
            at = 3;
        }
        action.word(at).map(str::to_owned)
    };
    match first {
        "add" => {
            let kind = constraint_kind(action);
            match kind.as_deref() {
                Some("foreign") if !not_valid => found.push(hazard(
                    "constraint-not-valid",
                    table,
                    Lock::ShareRowExclusive,
                    Work::Scan,
                    "adding a FOREIGN KEY checks every row while writes to this table and the referenced one wait",
                    "ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT in a later migration",
                )),
                Some("check") if !not_valid => found.push(hazard(
                    "constraint-not-valid",
                    table,
                    Lock::AccessExclusive,
                    Work::Scan,
                    "adding a CHECK reads every row while nothing can read or write the table",
                    "ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT in a later migration",
                )),
                Some("unique") | Some("primary") if !action.has("using index") => found.push(hazard(
                    "unique-constraint",
                    table,
                    Lock::AccessExclusive,
                    Work::Scan,
                    "builds its index while nothing can read or write the table",
                    "CREATE UNIQUE INDEX CONCURRENTLY (own `-- no-transaction` migration), then ADD CONSTRAINT ... USING INDEX",
                )),
                Some("foreign" | "check" | "unique" | "primary" | "exclude") => {}
                _ => add_column(action, table, found),
            }
        }
        "drop" if !matches!(action.word(1), Some("constraint")) => found.push(hazard(
            "drop-column",
            table,
            Lock::AccessExclusive,
            Work::Catalog,
            "the running app version may still select or insert the column",
            "first ship an app version that no longer uses the column, then drop it",
        )),
        "rename" => found.push(hazard(
            "rename",
            table,
            Lock::AccessExclusive,
            Work::Catalog,
            if action.word(1) == Some("to") {
                "the running app version still uses the old table name"
            } else {
                "the running app version still uses the old column name"
            },
            "add the new one beside the old, ship an app using it, backfill, then drop the old (expand, then contract)",
        )),
        "alter" => {
            let column_at = if action.word(1) == Some("column") { 2 } else { 1 };
            let column = action.word(column_at).unwrap_or_default().to_owned();
            if action.has("set not null") {
                let known = table.is_some_and(|t| context.validated_not_null.contains(&(t.to_owned(), column.clone())));
                if !known {
                    found.push(hazard(
                        "set-not-null",
                        table,
                        Lock::AccessExclusive,
                        Work::Scan,
                        "SET NOT NULL reads every row while nothing can read or write the table",
                        "ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c in a later migration; then SET NOT NULL (no scan) and DROP CONSTRAINT c",
                    ));
                }
            } else if let Some(at) = action.find("type")
                && rewrites(action, at + 1)
            {
                found.push(hazard(
                    "type-rewrite",
                    table,
                    Lock::AccessExclusive,
                    Work::Rewrite,
                    "changing the column's type rewrites the table while nothing can read or write it",
                    "add a new column, backfill it in batches, switch the app, drop the old one",
                ));
            }
        }
        _ => {}
    }
}

/// Whether `TYPE <new type>` at `at` rewrites: everything but a change to `text` or an
/// unbounded or longer `varchar` (which the old type is, the lint cannot know without a
/// database; widening a varchar and varchar to text are the binary-compatible cases).
fn rewrites(action: &Statement, at: usize) -> bool {
    if action.has("using") {
        return true;
    }
    !matches!(action.word(at), Some("text" | "varchar")) && action.find("character varying") != Some(at)
}

fn add_column(action: &Statement, table: Option<&str>, found: &mut Vec<Hazard>) {
    let has_default = action.has("default");
    if has_default
        && let Some(at) = action.find("default")
        && action.tokens[at + 1..]
            .iter()
            .any(|t| matches!(t, Token::Word(w) if VOLATILE.contains(&w.as_str())))
    {
        found.push(hazard(
            "volatile-default",
            table,
            Lock::AccessExclusive,
            Work::Rewrite,
            "a volatile DEFAULT is computed for every existing row: the table is rewritten while nothing can read it",
            "add the column without the default (or with a constant), set the default, backfill in batches",
        ));
    }
    if action.has("not null") && !has_default && !action.has("generated") {
        found.push(hazard(
            "not-null-without-default",
            table,
            Lock::AccessExclusive,
            Work::Catalog,
            "fails as soon as the table has rows, and the running app's INSERTs do not set the column",
            "add it nullable (or with a constant DEFAULT), backfill, then make it NOT NULL the lock-friendly way",
        ));
    }
}
