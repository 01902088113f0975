//! The database schema as plain data, for `revision --autogenerate` and `check`.
//!
//! [`introspect`] reads one database's `public` schema from the system catalogs into a [`Schema`];
//! [`diff::changes`] lists the statements that turn one `Schema` into another; [`declared`]
//! reads `backend/schema.sql`: its statements and its `-- renamed from:` notes, which
//! [`renames`] checks and turns into rename steps; [`prove`] runs generated scripts on a scratch
//! database; [`fingerprint`] reads everything else too, so that no difference passes unseen;
//! [`stairway`] walks every migration up, down and up again. Every definition is kept in the server's own normalized text (`pg_get_indexdef`,
//! `format_type`, ...), so two databases built from different SQL compare equal exactly when
//! PostgreSQL sees the same schema.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

pub mod autogenerate;
pub mod declared;
pub mod diff;
pub mod doc;
pub mod fingerprint;
pub mod introspect;
pub mod lock_friendly;
pub mod prove;
pub mod real_rows;
pub mod renames;
pub mod sql;
pub mod stairway;
pub mod versions;

pub use introspect::introspect;

/// One database's `public` schema, minus sqlx's bookkeeping table. Maps are keyed by name, so
/// every walk over them (and so every generated script) is deterministic.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schema {
    /// Enum types, each with its labels in order.
    pub enums: BTreeMap<String, Vec<String>>,
    /// Domains.
    pub domains: BTreeMap<String, Domain>,
    /// Composite types, each with its attributes in order: name and type.
    pub composites: BTreeMap<String, Vec<(String, String)>>,
    /// Sequences, except identity columns' own (those belong to their [`Column`]).
    pub sequences: BTreeMap<String, Sequence>,
    /// Ordinary tables.
    pub tables: BTreeMap<String, Table>,
    /// Views and materialized views.
    pub views: BTreeMap<String, View>,
    /// Functions and procedures, keyed by signature, e.g. `touch(integer)`.
    pub functions: BTreeMap<String, Function>,
    /// Comments on everything but tables and their columns (those belong to the [`Table`]),
    /// keyed by the `COMMENT ON` target, e.g. `CONSTRAINT t_pkey ON t`.
    pub comments: BTreeMap<String, Comment>,
    /// Everything autogenerate cannot change (domains, policies, ...), as
    /// `kind name` to a fingerprint: a difference here needs a hand-written migration.
    pub unsupported: BTreeMap<String, String>,
}

/// A sequence's parameters, as `CREATE SEQUENCE` and identity columns take them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceOptions {
    /// `smallint`, `integer` or `bigint`.
    pub data_type: String,
    /// `START WITH`.
    pub start: i64,
    /// `INCREMENT BY`.
    pub increment: i64,
    /// `MINVALUE`.
    pub min: i64,
    /// `MAXVALUE`.
    pub max: i64,
    /// `CACHE`.
    pub cache: i64,
    /// `CYCLE`.
    pub cycle: bool,
}

/// A standalone sequence (including a `serial` column's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sequence {
    /// Its parameters.
    pub options: SequenceOptions,
    /// `OWNED BY table.column`, which drops it with that column.
    pub owned_by: Option<(String, String)>,
}

/// A comment on an object other than a table or a table's column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// What it is on, to know whether the object survives a change.
    pub object: Object,
    /// The comment.
    pub text: String,
}

/// An object that can carry a comment, by name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Object {
    /// An index, including one that backs a constraint.
    Index(String),
    /// A table's constraint: table, constraint.
    Constraint(String, String),
    /// A table's trigger: table, trigger.
    Trigger(String, String),
    /// A view.
    View(String),
    /// A materialized view.
    Materialized(String),
    /// A view's column: view, column.
    ViewColumn(String, String),
    /// A function or procedure, by its key in [`Schema::functions`].
    Function(String),
    /// A sequence.
    Sequence(String),
    /// An enum, composite type or domain.
    Type(String),
}

impl Object {
    /// Whether `schema` has this object.
    pub fn exists_in(&self, schema: &Schema) -> bool {
        match self {
            Object::Index(name) if schema.views.values().any(|v| v.indexes.contains_key(name)) => true,
            Object::Index(name) => schema.tables.values().any(|t| {
                t.indexes.contains_key(name)
                    || t.constraints.get(name).is_some_and(|c| {
                        !matches!(c.kind, ConstraintKind::Check | ConstraintKind::ForeignKey)
                    })
            }),
            Object::Constraint(table, name) => {
                schema.tables.get(table).is_some_and(|t| t.constraints.contains_key(name))
            }
            Object::Trigger(table, name) => {
                schema.tables.get(table).is_some_and(|t| t.triggers.contains_key(name))
            }
            Object::View(name) | Object::ViewColumn(name, _) => schema.views.contains_key(name),
            Object::Materialized(name) => schema.views.contains_key(name),
            Object::Function(key) => schema.functions.contains_key(key),
            Object::Sequence(name) => schema.sequences.contains_key(name),
            Object::Type(name) => {
                schema.enums.contains_key(name)
                    || schema.domains.contains_key(name)
                    || schema.composites.contains_key(name)
            }
        }
    }
}

/// A table and everything that hangs on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// Columns by name; their order is not compared (see [`Position`]).
    pub columns: BTreeMap<String, Column>,
    /// Primary key, unique, foreign key, check and exclusion constraints.
    pub constraints: BTreeMap<String, Constraint>,
    /// Indexes that do not back a constraint.
    pub indexes: BTreeMap<String, Index>,
    /// Triggers, as `pg_get_triggerdef` prints them.
    pub triggers: BTreeMap<String, String>,
    /// `COMMENT ON TABLE`.
    pub comment: Option<String>,
    /// For a partitioned table, `pg_get_partkeydef`, e.g. `RANGE (at)`.
    pub partition_by: Option<String>,
    /// For a partition, its parent and bound, e.g. `FOR VALUES IN ('eu')` or `DEFAULT`. A
    /// partition's columns, and what it inherits from its parent's constraints, indexes and
    /// triggers, belong to the parent and are left out here.
    pub partition_of: Option<(String, String)>,
    /// Storage parameters, sorted, e.g. `fillfactor=70` (`WITH (...)`).
    pub storage: Vec<String>,
    /// `UNLOGGED`: not written to the WAL, emptied after a crash.
    pub unlogged: bool,
    /// `REPLICA IDENTITY` when not the default: `FULL`, `NOTHING` or `USING INDEX name`.
    pub replica_identity: Option<String>,
    /// The index `CLUSTER` uses (`ALTER TABLE ... CLUSTER ON`), if one is marked.
    pub clustered_on: Option<String>,
}

impl Table {
    /// Column names in table order.
    pub fn column_order(&self) -> Vec<&str> {
        let mut names: Vec<(&Position, &str)> =
            self.columns.iter().map(|(name, column)| (&column.position, name.as_str())).collect();
        names.sort_by_key(|(position, _)| position.0);
        names.into_iter().map(|(_, name)| name).collect()
    }
}

/// Where a column sits in its table. Always equal to any other: PostgreSQL cannot reorder
/// columns, so a column added at the end must match one declared in the middle.
#[derive(Debug, Clone, Copy, Default)]
pub struct Position(pub i16);

impl PartialEq for Position {
    fn eq(&self, _: &Position) -> bool {
        true
    }
}

impl Eq for Position {}

/// A table column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Its place in the table, for `CREATE TABLE`; not compared.
    pub position: Position,
    /// `format_type`, with length and precision, e.g. `character varying(255)`.
    pub data_type: String,
    /// `COLLATE`, when it differs from the type's default.
    pub collation: Option<String>,
    /// `NOT NULL`.
    pub not_null: bool,
    /// `DEFAULT`, as `pg_get_expr` prints it.
    pub default: Option<String>,
    /// `GENERATED ... AS IDENTITY`.
    pub identity: Option<Identity>,
    /// `GENERATED ALWAYS AS (expr) STORED`: the expression.
    pub generated: Option<String>,
    /// `COMMENT ON COLUMN`.
    pub comment: Option<String>,
    /// Storage, compression and statistics target.
    pub settings: ColumnSettings,
}

/// A column's `SET STORAGE`, `SET COMPRESSION` and `SET STATISTICS`, each `None` at its default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnSettings {
    /// `PLAIN`, `EXTERNAL`, `EXTENDED` or `MAIN`, when not the type's own.
    pub storage: Option<String>,
    /// The type's own storage, read only when a setting differs from its default (a reset to
    /// the default takes it from the other side, of the same type).
    pub type_storage: String,
    /// `pglz` or `lz4`, when set.
    pub compression: Option<String>,
    /// The statistics target, when set.
    pub statistics: Option<i32>,
}

/// An identity column's kind and sequence parameters (its sequence's name is not compared).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `ALWAYS` rather than `BY DEFAULT`.
    pub always: bool,
    /// Its sequence's parameters.
    pub options: SequenceOptions,
}

/// The kinds of table constraint autogenerate handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConstraintKind {
    /// `PRIMARY KEY`.
    PrimaryKey,
    /// `UNIQUE`.
    Unique,
    /// `CHECK`.
    Check,
    /// `EXCLUDE`.
    Exclusion,
    /// `FOREIGN KEY`: added after every other kind, dropped before.
    ForeignKey,
}

/// A table constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    /// Its kind.
    pub kind: ConstraintKind,
    /// `pg_get_constraintdef`, e.g. `FOREIGN KEY (a) REFERENCES t(id) ON DELETE CASCADE`.
    pub definition: String,
    /// For a foreign key, the table it references.
    pub references: Option<String>,
}

/// An index that backs no constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// `pg_get_indexdef`: method, columns or expressions, predicate, `UNIQUE`.
    pub definition: String,
    /// The definition without the index's name, to recognise a renamed index.
    pub shape: String,
}

/// A domain: a base type with a default, NOT NULL and CHECK constraints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    /// `format_type` of the base type.
    pub base: String,
    /// `DEFAULT`, as `pg_get_expr` prints it.
    pub default: Option<String>,
    /// `NOT NULL`.
    pub not_null: bool,
    /// CHECK constraints by name, in the server's canonical text.
    pub constraints: BTreeMap<String, String>,
}

/// A view or a materialized view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// A materialized view: `Some` with whether it holds data (`WITH DATA`).
    pub materialized: Option<bool>,
    /// A materialized view's indexes.
    pub indexes: BTreeMap<String, Index>,
    /// `pg_get_viewdef`, without the final semicolon.
    pub definition: String,
    /// `WITH (...)` options such as `check_option=local`, if any.
    pub options: Option<String>,
    /// Tables and views it reads, to drop and create views in dependency order.
    pub depends_on: BTreeSet<String>,
    /// Its columns in order, as `name type [COLLATE c]`: `CREATE OR REPLACE VIEW` may only
    /// append to them.
    pub columns: Vec<String>,
}

/// A function or procedure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    /// Its name.
    pub name: String,
    /// `pg_get_function_identity_arguments`, for `DROP FUNCTION name(arguments)`.
    pub arguments: String,
    /// True for a procedure.
    pub procedure: bool,
    /// `pg_get_functiondef`: a complete `CREATE OR REPLACE` statement without its semicolon.
    pub definition: String,
}

impl Schema {
    /// Every way `self` (what was found) differs from `expected`, one line each, for reports.
    pub fn differences(&self, expected: &Schema) -> Vec<String> {
        let mut out = Vec::new();
        compare("enum", "", &self.enums, &expected.enums, &mut out);
        compare("domain", "", &self.domains, &expected.domains, &mut out);
        compare("composite type", "", &self.composites, &expected.composites, &mut out);
        compare("sequence", "", &self.sequences, &expected.sequences, &mut out);
        compare_keys("table", &self.tables, &expected.tables, &mut out);
        for (name, table) in &self.tables {
            let Some(wanted) = expected.tables.get(name) else { continue };
            let prefix = format!("{name}.");
            compare("column", &prefix, &table.columns, &wanted.columns, &mut out);
            compare("constraint", &prefix, &table.constraints, &wanted.constraints, &mut out);
            compare("index", &prefix, &table.indexes, &wanted.indexes, &mut out);
            compare("trigger", &prefix, &table.triggers, &wanted.triggers, &mut out);
            if table.comment != wanted.comment {
                out.push(format!(
                    "comment on table {name}: {:?}, expected {:?}",
                    table.comment, wanted.comment
                ));
            }
        }
        compare("view", "", &self.views, &expected.views, &mut out);
        compare("function", "", &self.functions, &expected.functions, &mut out);
        compare("comment on", "", &self.comments, &expected.comments, &mut out);
        compare("", "", &self.unsupported, &expected.unsupported, &mut out);
        out
    }
}

/// Names present on one side only.
fn compare_keys<V>(
    kind: &str,
    found: &BTreeMap<String, V>,
    expected: &BTreeMap<String, V>,
    out: &mut Vec<String>,
) {
    for name in found.keys().filter(|name| !expected.contains_key(*name)) {
        out.push(format!("{kind} {name}: unexpected"));
    }
    for name in expected.keys().filter(|name| !found.contains_key(*name)) {
        out.push(format!("{kind} {name}: missing"));
    }
}

/// Names present on one side only, and values that differ.
fn compare<V: PartialEq + Debug>(
    kind: &str,
    prefix: &str,
    found: &BTreeMap<String, V>,
    expected: &BTreeMap<String, V>,
    out: &mut Vec<String>,
) {
    let kind = if kind.is_empty() { String::new() } else { format!("{kind} ") };
    for (name, value) in found {
        match expected.get(name) {
            None => out.push(format!("{kind}{prefix}{name}: unexpected")),
            Some(wanted) if wanted != value => {
                out.push(format!("{kind}{prefix}{name}: {value:?}, expected {wanted:?}"))
            }
            Some(_) => {}
        }
    }
    for name in expected.keys().filter(|name| !found.contains_key(*name)) {
        out.push(format!("{kind}{prefix}{name}: missing"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(position: i16, data_type: &str) -> Column {
        Column {
            position: Position(position),
            data_type: data_type.to_owned(),
            collation: None,
            not_null: false,
            default: None,
            identity: None,
            generated: None,
            comment: None,
            settings: ColumnSettings::default(),
        }
    }

    #[test]
    fn column_order_is_kept_but_not_compared() {
        let mut a = Table::default();
        a.columns.insert("id".into(), column(1, "bigint"));
        a.columns.insert("name".into(), column(3, "text"));
        let mut b = Table::default();
        b.columns.insert("id".into(), column(2, "bigint"));
        b.columns.insert("name".into(), column(1, "text"));
        assert_eq!(a, b);
        assert_eq!(a.column_order(), ["id", "name"]);
        assert_eq!(b.column_order(), ["name", "id"]);
    }

    #[test]
    fn differences_name_each_object() {
        let mut found = Schema::default();
        found.tables.insert("t".into(), Table::default());
        found.tables.get_mut("t").unwrap().columns.insert("a".into(), column(1, "integer"));
        found.unsupported.insert("domain d".into(), "text".into());
        let mut expected = found.clone();
        expected.tables.get_mut("t").unwrap().columns.get_mut("a").unwrap().data_type = "bigint".into();
        expected.tables.insert("u".into(), Table::default());
        expected.unsupported.clear();
        let lines = found.differences(&expected);
        assert_eq!(lines.len(), 3, "{lines:#?}");
        assert!(lines[0].starts_with("table u: missing"), "{lines:#?}");
        assert!(lines[1].starts_with("column t.a: ") && lines[1].contains("bigint"), "{lines:#?}");
        assert_eq!(lines[2], "domain d: unexpected");
        assert!(found.differences(&found).is_empty());
    }
}
