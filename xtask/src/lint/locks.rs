//! PostgreSQL's table lock modes as they matter to a migration on a database in use: what each
//! one blocks. Shared by the lint's findings and the headers of generated migrations.

use std::fmt;

/// A table lock mode a statement takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// `ACCESS EXCLUSIVE`: ALTER TABLE's default, DROP, TRUNCATE, VACUUM FULL, CLUSTER.
    AccessExclusive,
    /// `SHARE ROW EXCLUSIVE`: adding a foreign key (on both tables), CREATE TRIGGER.
    ShareRowExclusive,
    /// `SHARE`: CREATE INDEX without CONCURRENTLY.
    Share,
    /// `SHARE UPDATE EXCLUSIVE`: CONCURRENTLY, VALIDATE CONSTRAINT, SET STATISTICS.
    ShareUpdateExclusive,
    /// `ROW EXCLUSIVE`: INSERT, UPDATE, DELETE.
    RowExclusive,
    /// No table lock worth naming (types, functions, comments).
    None,
}

impl Lock {
    /// What a session waiting for, then holding, this lock stops others from doing.
    pub fn blocks(self) -> &'static str {
        match self {
            Lock::AccessExclusive => "blocks every read and write of the table",
            Lock::ShareRowExclusive | Lock::Share => "blocks writes (INSERT, UPDATE, DELETE); reads go on",
            Lock::ShareUpdateExclusive => "blocks only schema changes and VACUUM; reads and writes go on",
            Lock::RowExclusive => "blocks no reads or writes; the rows it changes stay locked until commit",
            Lock::None => "blocks no reads or writes",
        }
    }
}

impl fmt::Display for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Lock::AccessExclusive => "ACCESS EXCLUSIVE",
            Lock::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            Lock::Share => "SHARE",
            Lock::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            Lock::RowExclusive => "ROW EXCLUSIVE",
            Lock::None => "no table lock",
        })
    }
}

/// Whether a statement reads or rewrites a whole table while it holds its lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// Only the catalog changes.
    Catalog,
    /// Reads every row (a validation, an index build).
    Scan,
    /// Writes the whole table anew.
    Rewrite,
}

impl fmt::Display for Work {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Work::Catalog => "catalog only",
            Work::Scan => "scans the table",
            Work::Rewrite => "rewrites the table",
        })
    }
}

/// The lock a statement takes on the table it names, and whether it scans or rewrites it.
/// `proven_not_null`: a validated `CHECK (col IS NOT NULL)` precedes a `SET NOT NULL`.
pub fn of(statement: &super::statements::Statement, proven_not_null: bool) -> (Lock, Work) {
    let s = statement;
    let concurrently = s.has("concurrently");
    if s.starts("create table") || s.starts("create type") || s.starts("alter type") || s.starts("comment") {
        return (Lock::None, Work::Catalog);
    }
    if s.starts("create index") || s.starts("create unique index") {
        return if concurrently {
            (Lock::ShareUpdateExclusive, Work::Scan)
        } else {
            (Lock::Share, Work::Scan)
        };
    }
    if s.starts("drop index") {
        return if concurrently {
            (Lock::ShareUpdateExclusive, Work::Catalog)
        } else {
            (Lock::AccessExclusive, Work::Catalog)
        };
    }
    if !s.starts("alter table") {
        return if s.starts("drop table") || s.starts("truncate") {
            (Lock::AccessExclusive, Work::Catalog)
        } else {
            (Lock::None, Work::Catalog)
        };
    }
    if s.has("validate constraint") {
        return (Lock::ShareUpdateExclusive, Work::Scan);
    }
    if s.has("set statistics") || s.has("cluster on") || s.has("set without cluster") {
        return (Lock::ShareUpdateExclusive, Work::Catalog);
    }
    if s.has("set logged") || s.has("set unlogged") {
        return (Lock::AccessExclusive, Work::Rewrite);
    }
    // `SET (fillfactor=70)` / `RESET (...)` on the table: storage parameters, a catalog change
    // under SHARE UPDATE EXCLUSIVE (for the parameters autogenerate writes).
    let storage = ["set", "reset"].iter().any(|w| {
        s.find(w).is_some_and(|at| s.tokens.get(at + 1) == Some(&super::statements::Token::Punct('(')))
    });
    if storage && !s.has("alter column") {
        return (Lock::ShareUpdateExclusive, Work::Catalog);
    }
    let not_valid = s.has("not valid");
    if s.has("foreign key") && s.has("add") {
        return (Lock::ShareRowExclusive, if not_valid { Work::Catalog } else { Work::Scan });
    }
    if s.has("add constraint") && (s.has("check") || s.has("unique") || s.has("primary key")) {
        let scans = !not_valid && !s.has("using index");
        return (Lock::AccessExclusive, if scans { Work::Scan } else { Work::Catalog });
    }
    if s.has("set not null") {
        return (Lock::AccessExclusive, if proven_not_null { Work::Catalog } else { Work::Scan });
    }
    if let Some(at) = s.find("type")
        && s.has("alter")
        && !matches!(s.word(at + 1), Some("text" | "varchar"))
    {
        return (Lock::AccessExclusive, Work::Rewrite);
    }
    (Lock::AccessExclusive, Work::Catalog)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::statements::split;

    fn lock(sql: &str) -> (Lock, Work) {
        of(&split(sql)[0], false)
    }

    #[test]
    fn persistence_rewrites_and_storage_parameters_only_touch_the_catalog() {
        assert_eq!(lock("ALTER TABLE t SET UNLOGGED"), (Lock::AccessExclusive, Work::Rewrite));
        assert_eq!(lock("ALTER TABLE t SET LOGGED"), (Lock::AccessExclusive, Work::Rewrite));
        assert_eq!(lock("ALTER TABLE t SET (fillfactor=70)"), (Lock::ShareUpdateExclusive, Work::Catalog));
        assert_eq!(lock("ALTER TABLE t RESET (fillfactor)"), (Lock::ShareUpdateExclusive, Work::Catalog));
        assert_eq!(
            lock("ALTER TABLE t ALTER COLUMN c SET (n_distinct=5)"),
            (Lock::AccessExclusive, Work::Catalog)
        );
        assert_eq!(lock("ALTER TABLE t ALTER COLUMN c TYPE bigint"), (Lock::AccessExclusive, Work::Rewrite));
        assert_eq!(
            lock("ALTER TABLE t ALTER COLUMN c SET STATISTICS 500"),
            (Lock::ShareUpdateExclusive, Work::Catalog)
        );
        assert_eq!(
            lock("ALTER TABLE t ALTER COLUMN c SET STORAGE EXTERNAL"),
            (Lock::AccessExclusive, Work::Catalog)
        );
    }
}
