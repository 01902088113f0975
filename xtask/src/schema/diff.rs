//! The statements that turn one [`Schema`] into another, in dependency order.
//!
//! A `Differ` holds what every comparison shares (both schemas, the direction, the script so far
//! and the tables whose views must be rebuilt), with one method per kind of object. Each adds its
//! statements to the buckets of a `Script`, and the buckets are concatenated in one fixed order:
//! first what is removed or must be rebuilt, dependents before what they depend on; then what is
//! created or altered, dependencies first; last the functions, sequences and types that only the
//! dropped or altered objects were still using. The same code writes the down script, by diffing
//! the other way round.
//!
//! Renames stated in `backend/schema.sql` are not handled here: the caller applies them first,
//! so `from` already carries the new names. Here a constraint, index or sequence that vanished
//! and reappeared with the same definition under another name (a renamed table's `*_pkey`, say)
//! is renamed rather than rebuilt, which loses nothing either way.

use std::collections::{BTreeMap, BTreeSet};

use super::sql::{
    all_sequence_options, comment_value, ident, literal, same_base, sequence_options, sequence_type, widens,
};
use super::{Column, ColumnSettings, Constraint, ConstraintKind, Object, Schema, Sequence, Table, View};

/// Which way a script goes. Removing an enum value must be hand-written going up, where rows
/// may hold it; going down it only undoes a value the up script added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From `migrations/` to `backend/schema.sql`.
    Up,
    /// Back again.
    Down,
}

/// One statement, without its semicolon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The SQL.
    pub sql: String,
    /// What it may destroy, when it may destroy data.
    pub loss: Option<String>,
}

/// What it takes to turn one schema into another.
#[derive(Debug, Default)]
pub struct Changes {
    /// The statements, in the order they must run.
    pub steps: Vec<Step>,
    /// Differences no generated statement can make, to be written by hand.
    pub manual: Vec<String>,
    /// Advice that is not about a statement, e.g. a drop and an add that may be a rename.
    pub hints: Vec<String>,
}

/// Steps as a script: one statement per line, multi-line ones set apart by blank lines, each
/// that may lose data preceded by a `-- WARNING` comment.
pub fn render(steps: &[Step]) -> String {
    let mut out = String::new();
    for (i, step) in steps.iter().enumerate() {
        let long = step.sql.contains('\n');
        if i > 0 && (long || steps[i - 1].sql.contains('\n')) {
            out.push('\n');
        }
        if let Some(loss) = &step.loss {
            out.push_str(&format!("-- WARNING: {loss}\n"));
        }
        out.push_str(&step.sql);
        out.push_str(";\n");
    }
    out
}

/// The buckets, in the order their statements run.
#[derive(Default)]
struct Script {
    drop_triggers: Vec<Step>,
    drop_views: Vec<Step>,
    drop_foreign_keys: Vec<Step>,
    drop_constraints: Vec<Step>,
    drop_indexes: Vec<Step>,
    drop_tables: Vec<Step>,
    drop_columns: Vec<Step>,
    renames: Vec<Step>,
    types: Vec<Step>,
    sequences: Vec<Step>,
    functions: Vec<Step>,
    create_tables: Vec<Step>,
    add_columns: Vec<Step>,
    alter_columns: Vec<Step>,
    add_constraints: Vec<Step>,
    add_foreign_keys: Vec<Step>,
    create_indexes: Vec<Step>,
    /// `REPLICA IDENTITY` and `CLUSTER ON`, which name indexes that must exist by then.
    table_settings: Vec<Step>,
    sequence_owners: Vec<Step>,
    create_views: Vec<Step>,
    create_triggers: Vec<Step>,
    comments: Vec<Step>,
    drop_functions: Vec<Step>,
    drop_sequences: Vec<Step>,
    drop_types: Vec<Step>,
}

impl Script {
    fn into_steps(self) -> Vec<Step> {
        [
            self.drop_triggers,
            self.drop_views,
            self.drop_foreign_keys,
            self.drop_constraints,
            self.drop_indexes,
            self.drop_tables,
            self.drop_columns,
            self.renames,
            self.types,
            self.sequences,
            self.functions,
            self.create_tables,
            self.add_columns,
            self.alter_columns,
            self.add_constraints,
            self.add_foreign_keys,
            self.create_indexes,
            self.table_settings,
            self.sequence_owners,
            self.create_views,
            self.create_triggers,
            self.comments,
            self.drop_functions,
            self.drop_sequences,
            self.drop_types,
        ]
        .concat()
    }
}

fn step(sql: String) -> Step {
    Step { sql, loss: None }
}

fn lossy(sql: String, loss: String) -> Step {
    Step { sql, loss: Some(loss) }
}

/// The statements that turn `from` into `to`.
pub fn changes(from: &Schema, to: &Schema, direction: Direction) -> Changes {
    Differ::new(from, to, direction).run()
}

/// One diff in progress: the two schemas and the direction every kind of object is compared
/// under, and what the comparison has found so far. Kept together so that each kind's method
/// takes only the objects it compares.
struct Differ<'a> {
    from: &'a Schema,
    to: &'a Schema,
    direction: Direction,
    script: Script,
    manual: Vec<String>,
    hints: Vec<String>,
    /// Tables whose columns are dropped or change type: views reading them must be rebuilt.
    rebuilt_tables: BTreeSet<String>,
    /// Objects the script creates or re-creates: their comments must be set again.
    created: BTreeSet<Object>,
    /// Tables whose declared column order PostgreSQL cannot reproduce in place.
    reordered: Vec<String>,
}

impl<'a> Differ<'a> {
    fn new(from: &'a Schema, to: &'a Schema, direction: Direction) -> Differ<'a> {
        Differ {
            from,
            to,
            direction,
            script: Script::default(),
            manual: Vec::new(),
            hints: Vec::new(),
            rebuilt_tables: BTreeSet::new(),
            created: BTreeSet::new(),
            reordered: Vec::new(),
        }
    }

    /// Compares every kind of object; views last, as they depend on what the tables rebuilt.
    fn run(mut self) -> Changes {
        self.unsupported();
        self.enums();
        self.domains();
        self.composites();
        self.sequences();
        self.functions();
        self.tables();
        self.views();
        self.comments();
        if !self.reordered.is_empty() {
            self.hints.push(format!(
                "note: PostgreSQL cannot insert a column between existing ones, so new columns of {} \
                 go at the end, not where backend/schema.sql declares them; queries naming their \
                 columns do not notice",
                self.reordered.join(", ")
            ));
        }
        Changes { steps: self.script.into_steps(), manual: self.manual, hints: self.hints }
    }

    fn unsupported(&mut self) {
        for (key, found) in differing(&self.from.unsupported, &self.to.unsupported) {
            let what = if key.is_empty() { "something" } else { key.as_str() };
            self.manual.push(match found {
                (Some(_), None) => format!("{what} is only in migrations/"),
                (None, Some(_)) => format!("{what} is only in backend/schema.sql"),
                _ => format!("{what} differs"),
            });
        }
    }

    fn enums(&mut self) {
        for (name, (old, new)) in differing(&self.from.enums, &self.to.enums) {
            let type_name = ident(name);
            match (old, new) {
                (None, Some(labels)) => {
                    self.created.insert(Object::Type(name.clone()));
                    self.script.types.push(step(format!(
                        "CREATE TYPE {type_name} AS ENUM ({})",
                        labels.iter().map(|l| literal(l)).collect::<Vec<_>>().join(", ")
                    )))
                }
                (Some(_), None) => self.script.drop_types.push(step(format!("DROP TYPE {type_name}"))),
                (Some(old), Some(new)) if is_subsequence(old, new) => {
                    for (i, label) in new.iter().enumerate().filter(|(_, l)| !old.contains(l)) {
                        let position = match i {
                            0 => format!(" BEFORE {}", literal(&new[1])),
                            _ => format!(" AFTER {}", literal(&new[i - 1])),
                        };
                        self.script.types.push(step(format!(
                            "ALTER TYPE {type_name} ADD VALUE {}{position}",
                            literal(label)
                        )));
                    }
                }
                (Some(old), Some(new)) => {
                    let removed: Vec<String> =
                        old.iter().filter(|l| !new.contains(l)).map(|l| literal(l)).collect();
                    if self.direction == Direction::Up {
                        self.manual.push(if removed.is_empty() {
                            format!("enum {name} reorders its values, which PostgreSQL cannot do in place")
                        } else {
                            format!(
                                "enum {name} loses value {}: decide what rows holding it become, then rebuild the type",
                                removed.join(", ")
                            )
                        });
                    } else {
                        self.rebuild_enum(name, new, &removed);
                    }
                }
                (None, None) => {}
            }
        }
    }

    /// Replaces enum `name` by one with `labels`, converting the columns that use it: the only
    /// way to drop a value. Fails, as it should, while a row still holds a removed value.
    fn rebuild_enum(&mut self, name: &str, labels: &[String], removed: &[String]) {
        let (from, to) = (self.from, self.to);
        self.created.insert(Object::Type(name.to_owned()));
        let type_name = ident(name);
        let old_name = format!("{name}_old");
        let loss = format!(
            "rebuilds enum {name} without {}; fails while a row still holds one",
            if removed.is_empty() { "its old order".to_owned() } else { removed.join(", ") }
        );
        self.script.types.push(lossy(format!("ALTER TYPE {type_name} RENAME TO {}", ident(&old_name)), loss));
        self.script.types.push(step(format!(
            "CREATE TYPE {type_name} AS ENUM ({})",
            labels.iter().map(|l| literal(l)).collect::<Vec<_>>().join(", ")
        )));
        let array = format!("{type_name}[]");
        for (table_name, table) in &from.tables {
            for (column_name, column) in &table.columns {
                let kept = to.tables.get(table_name).is_some_and(|t| t.columns.contains_key(column_name));
                let cast = match column.data_type.as_str() {
                    t if t == type_name => "text",
                    t if t == array => "text[]",
                    _ => continue,
                };
                if !kept {
                    continue;
                }
                self.rebuilt_tables.insert(table_name.clone());
                let alter = format!("ALTER TABLE {} ALTER COLUMN {}", ident(table_name), ident(column_name));
                // The old default is typed with the old enum: drop it, convert, then set it again.
                if column.default.is_some() {
                    self.script.types.push(step(format!("{alter} DROP DEFAULT")));
                }
                let column_sql = ident(column_name);
                self.script.types.push(step(format!(
                    "{alter} TYPE {} USING {column_sql}::{cast}::{}",
                    column.data_type, column.data_type
                )));
                if let Some(default) = to.tables[table_name].columns[column_name].default.as_ref() {
                    self.script.types.push(step(format!("{alter} SET DEFAULT {default}")));
                }
            }
        }
        self.script.types.push(step(format!("DROP TYPE {}", ident(&old_name))));
    }

    fn sequences(&mut self) {
        let (from, to) = (self.from, self.to);
        let renames = renamed(&from.sequences, &to.sequences, |a, b| a == b);
        for &(old, new) in &renames {
            self.script.renames.push(step(format!("ALTER SEQUENCE {} RENAME TO {}", ident(old), ident(new))));
        }
        let renamed_old: BTreeSet<&str> = renames.iter().map(|&(old, _)| old).collect();
        let renamed_new: BTreeSet<&str> = renames.iter().map(|&(_, new)| new).collect();
        for (name, (old, new)) in differing(&from.sequences, &to.sequences) {
            let sequence_name = ident(name);
            match (old, new) {
                (None, Some(_)) if renamed_new.contains(name.as_str()) => {}
                (Some(_), None) if renamed_old.contains(name.as_str()) => {}
                (None, Some(new)) => {
                    self.created.insert(Object::Sequence(name.clone()));
                    let options = sequence_options(&new.options);
                    let options = if options.is_empty() { options } else { format!(" {options}") };
                    self.script.sequences.push(step(format!(
                        "CREATE SEQUENCE {sequence_name}{}{options}",
                        sequence_type(&new.options)
                    )));
                    self.owner(name, None, new);
                }
                (Some(old), None) => {
                    // A sequence OWNED BY a column that goes away goes with it.
                    let dropped_with_owner = old.owned_by.as_ref().is_some_and(|(table, column)| {
                        to.tables.get(table).is_none_or(|t| !t.columns.contains_key(column))
                    });
                    if !dropped_with_owner {
                        self.script.drop_sequences.push(step(format!("DROP SEQUENCE {sequence_name}")));
                    }
                }
                (Some(old), Some(new)) => {
                    if old.options != new.options {
                        self.script.sequences.push(step(format!(
                            "ALTER SEQUENCE {sequence_name} AS {} {}",
                            new.options.data_type,
                            all_sequence_options(&new.options, "")
                        )));
                    }
                    self.owner(name, Some(old), new);
                }
                (None, None) => {}
            }
        }
    }

    /// `OWNED BY`, set once the owning column exists.
    fn owner(&mut self, name: &str, old: Option<&Sequence>, new: &Sequence) {
        if old.and_then(|o| o.owned_by.as_ref()) == new.owned_by.as_ref() {
            return;
        }
        let owner = match &new.owned_by {
            Some((table, column)) => format!("{}.{}", ident(table), ident(column)),
            None => "NONE".to_owned(),
        };
        self.script.sequence_owners.push(step(format!("ALTER SEQUENCE {} OWNED BY {owner}", ident(name))));
    }

    fn functions(&mut self) {
        for (_, (old, new)) in differing(&self.from.functions, &self.to.functions) {
            match (old, new) {
                // `pg_get_functiondef` writes CREATE OR REPLACE: it creates and changes alike.
                (_, Some(new)) => self.script.functions.push(step(new.definition.clone())),
                (Some(old), None) => self.script.drop_functions.push(step(format!(
                    "DROP {} {}({})",
                    if old.procedure { "PROCEDURE" } else { "FUNCTION" },
                    ident(&old.name),
                    old.arguments
                ))),
                (None, None) => {}
            }
        }
        if !self.script.functions.is_empty() {
            // A SQL function's body is checked against tables that may only be created below;
            // pg_dump does the same. LOCAL: it ends with the migration's transaction.
            self.script.functions.insert(0, step("SET LOCAL check_function_bodies = off".to_owned()));
        }
    }

    fn tables(&mut self) {
        let (from, to) = (self.from, self.to);
        let dropped: Vec<&String> = from.tables.keys().filter(|t| !to.tables.contains_key(*t)).collect();
        let created: Vec<&String> = to.tables.keys().filter(|t| !from.tables.contains_key(*t)).collect();
        if self.direction == Direction::Up && !dropped.is_empty() && !created.is_empty() {
            self.hints.push(format!(
                "table(s) {} dropped and {} created: if one is a rename, mark it in backend/schema.sql with \
                 `-- renamed from: old_name` on its CREATE TABLE line, or its rows are lost",
                names(&dropped),
                names(&created)
            ));
        }
        // A partition goes with its parent.
        let dropped_parent = |name: &String| {
            from.tables[name].partition_of.as_ref().is_some_and(|(parent, _)| !to.tables.contains_key(parent))
        };
        for name in dropped.iter().filter(|name| !dropped_parent(name)) {
            let table = &from.tables[*name];
            // Dropping tables one by one, a foreign key between two of them must go first.
            for (constraint, c) in &table.constraints {
                let to_dropped = c.references.as_ref().is_some_and(|r| r != *name && dropped.contains(&r));
                if to_dropped {
                    self.script.drop_foreign_keys.push(drop_constraint(name, constraint));
                }
            }
            self.script.drop_tables.push(lossy(
                format!("DROP TABLE {}", ident(name)),
                format!("drops table {name} and all its rows"),
            ));
        }
        // Parents before their partitions.
        let depth = |name: &String| {
            let (mut name, mut depth) = (name.clone(), 0);
            while let Some((parent, _)) = to.tables.get(&name).and_then(|t| t.partition_of.as_ref()) {
                (name, depth) = (parent.clone(), depth + 1);
            }
            depth
        };
        let mut created = created;
        created.sort_by_key(|name| (depth(name), name.as_str()));
        for name in &created {
            self.create_table(name, &to.tables[*name]);
        }
        for (name, old) in &from.tables {
            if let Some(new) = to.tables.get(name)
                && old != new
            {
                self.alter_table(name, old, new);
            }
        }
    }

    /// Storage parameters set, changed or reset, and the switch between LOGGED and UNLOGGED.
    fn storage(&mut self, name: &str, old: &Table, new: &Table) {
        let table = ident(name);
        let key = |option: &String| option.split('=').next().unwrap_or_default().to_owned();
        let set: Vec<&String> = new.storage.iter().filter(|o| !old.storage.contains(o)).collect();
        let reset: Vec<String> =
            old.storage.iter().map(key).filter(|k| !new.storage.iter().any(|o| key(o) == *k)).collect();
        if !set.is_empty() {
            let set: Vec<&str> = set.iter().map(|o| o.as_str()).collect();
            self.script.alter_columns.push(step(format!("ALTER TABLE {table} SET ({})", set.join(", "))));
        }
        if !reset.is_empty() {
            self.script.alter_columns.push(step(format!("ALTER TABLE {table} RESET ({})", reset.join(", "))));
        }
        if old.unlogged != new.unlogged {
            let persistence = if new.unlogged { "UNLOGGED" } else { "LOGGED" };
            self.script.alter_columns.push(step(format!("ALTER TABLE {table} SET {persistence}")));
        }
    }

    /// `REPLICA IDENTITY` and `CLUSTER ON` from `old` (`None`: a new table, at the defaults).
    fn index_settings(&mut self, name: &str, old: Option<&Table>, new: &Table) {
        let table = ident(name);
        let (replica, clustered) =
            old.map_or((None, None), |t| (t.replica_identity.as_ref(), t.clustered_on.as_ref()));
        if replica != new.replica_identity.as_ref() {
            let identity = new.replica_identity.as_deref().unwrap_or("DEFAULT");
            self.script.table_settings.push(step(format!("ALTER TABLE {table} REPLICA IDENTITY {identity}")));
        }
        if clustered != new.clustered_on.as_ref() {
            self.script.table_settings.push(step(match &new.clustered_on {
                Some(index) => format!("ALTER TABLE {table} CLUSTER ON {}", ident(index)),
                None => format!("ALTER TABLE {table} SET WITHOUT CLUSTER"),
            }));
        }
    }

    fn create_table(&mut self, name: &str, table: &Table) {
        let mut lines: Vec<String> = table
            .column_order()
            .into_iter()
            .map(|column| format!("    {}", column_definition(column, &table.columns[column])))
            .collect();
        // Every constraint but foreign keys fits inside: those wait until every table exists.
        let mut inline: Vec<(&String, &Constraint)> =
            table.constraints.iter().filter(|(_, c)| c.kind != ConstraintKind::ForeignKey).collect();
        inline.sort_by_key(|(name, c)| (c.kind, *name));
        for (constraint, c) in inline {
            self.created.insert(Object::Constraint(name.to_owned(), constraint.clone()));
            self.created.insert(Object::Index(constraint.clone()));
            lines.push(format!("    CONSTRAINT {} {}", ident(constraint), c.definition));
        }
        let script = &mut self.script;
        let partition_by =
            table.partition_by.as_ref().map(|p| format!(" PARTITION BY {p}")).unwrap_or_default();
        let storage = if table.storage.is_empty() {
            String::new()
        } else {
            format!(" WITH ({})", table.storage.join(", "))
        };
        let create = if table.unlogged { "CREATE UNLOGGED TABLE" } else { "CREATE TABLE" };
        script.create_tables.push(step(match &table.partition_of {
            None => format!("{create} {} (\n{}\n){partition_by}{storage}", ident(name), lines.join(",\n")),
            Some((parent, bound)) if lines.is_empty() => {
                format!(
                    "{create} {} PARTITION OF {} {bound}{partition_by}{storage}",
                    ident(name),
                    ident(parent)
                )
            }
            Some((parent, bound)) => format!(
                "{create} {} PARTITION OF {} (\n{}\n) {bound}{partition_by}{storage}",
                ident(name),
                ident(parent),
                lines.join(",\n")
            ),
        }));
        for (constraint, c) in &table.constraints {
            if c.kind == ConstraintKind::ForeignKey {
                self.created.insert(Object::Constraint(name.to_owned(), constraint.clone()));
                script.add_foreign_keys.push(add_constraint(name, constraint, c));
            }
        }
        for (index_name, index) in &table.indexes {
            self.created.insert(Object::Index(index_name.clone()));
            script.create_indexes.push(step(index.definition.clone()));
        }
        for (trigger_name, trigger) in &table.triggers {
            self.created.insert(Object::Trigger(name.to_owned(), trigger_name.clone()));
            script.create_triggers.push(step(trigger.clone()));
        }
        if table.comment.is_some() {
            script.comments.push(comment_on_table(name, table.comment.as_deref()));
        }
        for (column, c) in &table.columns {
            if c.comment.is_some() {
                script.comments.push(comment_on_column(name, column, c.comment.as_deref()));
            }
            script.alter_columns.extend(settings_steps(name, column, None, &c.settings));
        }
        self.index_settings(name, None, table);
    }

    fn alter_table(&mut self, name: &str, old: &Table, new: &Table) {
        let table = ident(name);
        let parent = |t: &Table| t.partition_of.as_ref().map(|(parent, _)| parent.clone());
        if old.partition_by != new.partition_by
            || (old.partition_of.is_some() && new.partition_of.is_some() && parent(old) != parent(new))
        {
            self.manual.push(format!(
                "table {name} changes how it is partitioned, which takes a rebuild: create the new table, \
                 copy the rows, then drop the old one and rename the new"
            ));
            return;
        }
        if old.partition_of != new.partition_of {
            if let Some((parent, _)) = &old.partition_of {
                self.script
                    .drop_constraints
                    .push(step(format!("ALTER TABLE {} DETACH PARTITION {table}", ident(parent))));
            }
            if let Some((parent, bound)) = &new.partition_of {
                self.script
                    .add_constraints
                    .push(step(format!("ALTER TABLE {} ATTACH PARTITION {table} {bound}", ident(parent))));
            }
        }
        if old.comment != new.comment {
            self.script.comments.push(comment_on_table(name, new.comment.as_deref()));
        }
        self.storage(name, old, new);
        self.index_settings(name, Some(old), new);
        let dropped: Vec<&String> = old.columns.keys().filter(|c| !new.columns.contains_key(*c)).collect();
        let added: Vec<&String> = new.columns.keys().filter(|c| !old.columns.contains_key(*c)).collect();
        if self.direction == Direction::Up && !dropped.is_empty() && !added.is_empty() {
            self.hints.push(format!(
                "table {name}: column(s) {} dropped and {} added: if one is a rename, mark it in \
                 backend/schema.sql with `-- renamed from: old_name` on the column, or its data is lost",
                names(&dropped),
                names(&added)
            ));
        }
        let mut in_place: Vec<&str> =
            old.column_order().into_iter().filter(|c| new.columns.contains_key(*c)).collect();
        in_place.extend(new.column_order().into_iter().filter(|c| !old.columns.contains_key(*c)));
        if self.direction == Direction::Up && in_place != new.column_order() {
            self.reordered.push(name.to_owned());
        }
        for column in &dropped {
            self.rebuilt_tables.insert(name.to_owned());
            self.script.drop_columns.push(lossy(
                format!("ALTER TABLE {table} DROP COLUMN {}", ident(column)),
                format!("drops column {name}.{column} and its data"),
            ));
        }
        for column in new.column_order().into_iter().filter(|c| !old.columns.contains_key(*c)) {
            let c = &new.columns[column];
            if c.not_null && c.default.is_none() && c.identity.is_none() && c.generated.is_none() {
                self.hints.push(format!(
                    "adding {name}.{column} NOT NULL without a default fails if {name} has rows: add a default, \
                     or add it nullable, fill it, then set NOT NULL"
                ));
            }
            self.add_column(name, column, c, false);
        }
        for (column, old_column) in &old.columns {
            if let Some(new_column) = new.columns.get(column)
                && old_column != new_column
            {
                self.alter_column(name, column, old_column, new_column);
            }
        }
        self.constraints(name, old, new);
        self.indexes(old, new);
        for (trigger, (before, after)) in differing(&old.triggers, &new.triggers) {
            if before.is_some() {
                self.script.drop_triggers.push(step(format!("DROP TRIGGER {} ON {table}", ident(trigger))));
            }
            if let Some(definition) = after {
                self.created.insert(Object::Trigger(name.to_owned(), trigger.clone()));
                self.script.create_triggers.push(step(definition.clone()));
            }
        }
    }

    /// `ADD COLUMN` (among the other columns' changes when it follows its own drop), then the
    /// column's settings and comment.
    fn add_column(&mut self, table_name: &str, name: &str, column: &Column, after_its_drop: bool) {
        let add =
            step(format!("ALTER TABLE {} ADD COLUMN {}", ident(table_name), column_definition(name, column)));
        match after_its_drop {
            true => self.script.alter_columns.push(add),
            false => self.script.add_columns.push(add),
        }
        self.script.alter_columns.extend(settings_steps(table_name, name, None, &column.settings));
        if column.comment.is_some() {
            self.script.comments.push(comment_on_column(table_name, name, column.comment.as_deref()));
        }
    }

    fn alter_column(&mut self, table_name: &str, name: &str, old: &Column, new: &Column) {
        let alter = format!("ALTER TABLE {} ALTER COLUMN {}", ident(table_name), ident(name));
        if old.generated.is_some() && new.generated.is_none() {
            // PostgreSQL 13+: the column keeps its values as plain data.
            self.script.alter_columns.push(step(format!("{alter} DROP EXPRESSION")));
        } else if old.generated != new.generated {
            // A new expression cannot be set in place (before PostgreSQL 17): the column is
            // dropped and added again, and its values computed anew; it moves to the table's end.
            self.rebuilt_tables.insert(table_name.to_owned());
            let table = ident(table_name);
            let drop = format!("ALTER TABLE {table} DROP COLUMN {}", ident(name));
            self.script.alter_columns.push(match old.generated {
                Some(_) => step(drop),
                None => {
                    lossy(drop, format!("replaces the values of {table_name}.{name} with generated ones"))
                }
            });
            self.add_column(table_name, name, new, true);
            return;
        }
        let steps = &mut self.script.alter_columns;
        let retyped = old.data_type != new.data_type || old.collation != new.collation;
        if old.identity.is_some() && new.identity.is_none() {
            steps.push(step(format!("{alter} DROP IDENTITY")));
        }
        // The old default may not convert to the new type: drop it first, set the new one after.
        if retyped && old.default.is_some() {
            steps.push(step(format!("{alter} DROP DEFAULT")));
        }
        if retyped {
            self.rebuilt_tables.insert(table_name.to_owned());
            let collate = new.collation.as_ref().map(|c| format!(" COLLATE {c}")).unwrap_or_default();
            // Widenings convert implicitly; anything else (text to an enum, say) needs a cast.
            let widening = widens(&old.data_type, &new.data_type);
            let using = if widening || same_base(&old.data_type, &new.data_type) {
                String::new()
            } else {
                format!(" USING {}::{}", ident(name), new.data_type)
            };
            let sql = format!("{alter} TYPE {}{collate}{using}", new.data_type);
            steps.push(if widening {
                step(sql)
            } else {
                lossy(
                    sql,
                    format!(
                        "changes {table_name}.{name} from {} to {}, which may lose data or fail on existing rows",
                        old.data_type, new.data_type
                    ),
                )
            });
        }
        let old_default = if retyped { None } else { old.default.as_ref() };
        if old_default != new.default.as_ref() {
            steps.push(step(match &new.default {
                Some(default) => format!("{alter} SET DEFAULT {default}"),
                None => format!("{alter} DROP DEFAULT"),
            }));
        }
        if old.not_null != new.not_null {
            steps.push(step(format!("{alter} {} NOT NULL", if new.not_null { "SET" } else { "DROP" })));
        }
        // A new type brings its own storage (compression and statistics stay): compare with that.
        let before = ColumnSettings {
            storage: if retyped { None } else { old.settings.storage.clone() },
            ..old.settings.clone()
        };
        steps.extend(settings_steps(table_name, name, Some(&before), &new.settings));
        match (&old.identity, &new.identity) {
            (None, Some(identity)) => steps.push(step(format!(
                "{alter} ADD{}",
                identity_clause(identity.always, &sequence_options(&identity.options))
            ))),
            (Some(before), Some(after)) => {
                if before.always != after.always {
                    let kind = if after.always { "ALWAYS" } else { "BY DEFAULT" };
                    steps.push(step(format!("{alter} SET GENERATED {kind}")));
                }
                if before.options != after.options {
                    steps.push(step(format!("{alter} {}", all_sequence_options(&after.options, "SET "))));
                }
            }
            _ => {}
        }
        if old.comment != new.comment {
            self.script.comments.push(comment_on_column(table_name, name, new.comment.as_deref()));
        }
    }

    fn constraints(&mut self, table: &str, old: &Table, new: &Table) {
        let script = &mut self.script;
        let renames = renamed(&old.constraints, &new.constraints, |a, b| a == b);
        for &(before, after) in &renames {
            script.renames.push(step(format!(
                "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
                ident(table),
                ident(before),
                ident(after)
            )));
        }
        for (name, (before, after)) in differing(&old.constraints, &new.constraints) {
            if renames.iter().any(|&(b, a)| b == name || a == name) {
                continue;
            }
            if let Some(c) = before {
                let bucket = if c.kind == ConstraintKind::ForeignKey {
                    &mut script.drop_foreign_keys
                } else {
                    &mut script.drop_constraints
                };
                bucket.push(drop_constraint(table, name));
            }
            if let Some(c) = after {
                self.created.insert(Object::Constraint(table.to_owned(), name.clone()));
                self.created.insert(Object::Index(name.clone()));
                let bucket = if c.kind == ConstraintKind::ForeignKey {
                    &mut script.add_foreign_keys
                } else {
                    &mut script.add_constraints
                };
                bucket.push(add_constraint(table, name, c));
            }
        }
    }

    fn indexes(&mut self, old: &Table, new: &Table) {
        let script = &mut self.script;
        let renames = renamed(&old.indexes, &new.indexes, |a, b| a.shape == b.shape);
        for &(before, after) in &renames {
            script.renames.push(step(format!("ALTER INDEX {} RENAME TO {}", ident(before), ident(after))));
        }
        for (name, (before, after)) in differing(&old.indexes, &new.indexes) {
            if renames.iter().any(|&(b, a)| b == name || a == name) {
                continue;
            }
            if before.is_some() {
                script.drop_indexes.push(step(format!("DROP INDEX {}", ident(name))));
            }
            if let Some(index) = after {
                self.created.insert(Object::Index(name.clone()));
                script.create_indexes.push(step(index.definition.clone()));
            }
        }
    }

    /// `COMMENT ON` every object whose comment changes, and again on every object the script
    /// re-creates (its comment went with the old one). A comment on an object that goes away
    /// goes with it.
    fn comments(&mut self) {
        let (from, to) = (self.from, self.to);
        let recreated = |object: &Object| {
            self.created.contains(object)
                || matches!(object, Object::ViewColumn(view, _) if self.created.contains(&Object::View(view.clone())))
        };
        let mut steps = Vec::new();
        for (target, comment) in &to.comments {
            if recreated(&comment.object) || from.comments.get(target) != Some(comment) {
                steps.push(step(format!("COMMENT ON {target} IS {}", literal(&comment.text))));
            }
        }
        for (target, comment) in &from.comments {
            if !to.comments.contains_key(target)
                && comment.object.exists_in(to)
                && !recreated(&comment.object)
            {
                steps.push(step(format!("COMMENT ON {target} IS NULL")));
            }
        }
        self.script.comments.extend(steps);
    }

    /// Views are dropped and created whole: when they change in a way `CREATE OR REPLACE VIEW`
    /// cannot make, when a table they read loses or retypes a column (PostgreSQL refuses that
    /// under a view) or goes away, and when a view they read is rebuilt. So this runs last, once
    /// every table has said whether it is rebuilt.
    fn views(&mut self) {
        let (from, to) = (self.from, self.to);
        // A materialized view's indexes change alone; anything else rebuilds it.
        let same_query = |a: &View, b: &View| {
            a.definition == b.definition && a.options == b.options && a.materialized == b.materialized
        };
        // A plain view whose query changes but keeps its columns (names, types, collations, in
        // order), new ones only appended, is replaced in place (`CREATE OR REPLACE VIEW`): the
        // views reading it stay. PostgreSQL refuses anything else in place.
        let replaceable = |old: &View, new: &View| {
            old.materialized.is_none()
                && new.materialized.is_none()
                && new.columns.len() >= old.columns.len()
                && new.columns[..old.columns.len()] == old.columns[..]
        };
        // A table or view a view reads that the script drops, or rebuilds under it (a view that
        // goes away is rebuilt).
        let gone = |d: &String, rebuilt: &BTreeSet<&str>| {
            self.rebuilt_tables.contains(d)
                || rebuilt.contains(d.as_str())
                || (from.tables.contains_key(d) && !to.tables.contains_key(d))
        };
        let mut rebuilt: BTreeSet<&str> = BTreeSet::new();
        loop {
            let before = rebuilt.len();
            for (name, view) in &from.views {
                let stale =
                    to.views.get(name).is_none_or(|new| !same_query(view, new) && !replaceable(view, new))
                        || view.depends_on.iter().any(|d| gone(d, &rebuilt));
                if stale {
                    rebuilt.insert(name);
                }
            }
            if rebuilt.len() == before {
                break;
            }
        }
        let replaced: BTreeSet<&str> = from
            .views
            .iter()
            .filter(|(name, view)| {
                !rebuilt.contains(name.as_str())
                    && to.views.get(*name).is_some_and(|new| !same_query(view, new))
            })
            .map(|(name, _)| name.as_str())
            .collect();
        for name in dependency_order(&from.views, &rebuilt).into_iter().rev() {
            let kind = if from.views[name].materialized.is_some() { "MATERIALIZED VIEW" } else { "VIEW" };
            self.script.drop_views.push(step(format!("DROP {kind} {}", ident(name))));
        }
        for (name, old) in &from.views {
            let Some(new) = to.views.get(name) else { continue };
            if rebuilt.contains(name.as_str()) || old.indexes == new.indexes {
                continue;
            }
            for (index, (before, after)) in differing(&old.indexes, &new.indexes) {
                if before.is_some() {
                    self.script.drop_indexes.push(step(format!("DROP INDEX {}", ident(index))));
                }
                if let Some(after) = after {
                    self.created.insert(Object::Index(index.clone()));
                    self.script.create_indexes.push(step(after.definition.clone()));
                }
            }
        }
        let created: BTreeSet<&str> = to
            .views
            .keys()
            .map(String::as_str)
            .filter(|name| {
                rebuilt.contains(name) || replaced.contains(name) || !from.views.contains_key(*name)
            })
            .collect();
        for name in dependency_order(&to.views, &created) {
            let view = &to.views[name];
            let options = view.options.as_ref().map(|o| format!(" WITH ({o})")).unwrap_or_default();
            if replaced.contains(name) {
                // In place, it keeps its comments and the views reading it; its options are
                // replaced with the query (none written: none kept).
                self.script.create_views.push(step(format!(
                    "CREATE OR REPLACE VIEW {}{options} AS\n{}",
                    ident(name),
                    view.definition
                )));
                continue;
            }
            self.created.insert(Object::View(name.to_owned()));
            self.created.insert(Object::Materialized(name.to_owned()));
            let sql = match view.materialized {
                None => format!("CREATE VIEW {}{options} AS\n{}", ident(name), view.definition),
                Some(populated) => format!(
                    "CREATE MATERIALIZED VIEW {}{options} AS\n{}\nWITH {}DATA",
                    ident(name),
                    view.definition,
                    if populated { "" } else { "NO " }
                ),
            };
            self.script.create_views.push(step(sql));
            for (index, definition) in &view.indexes {
                self.created.insert(Object::Index(index.clone()));
                self.script.create_views.push(step(definition.definition.clone()));
            }
        }
    }

    fn domains(&mut self) {
        for (name, (old, new)) in differing(&self.from.domains, &self.to.domains) {
            let domain = ident(name);
            match (old, new) {
                (None, Some(new)) => {
                    self.created.insert(Object::Type(name.clone()));
                    let default = new.default.as_ref().map(|d| format!(" DEFAULT {d}")).unwrap_or_default();
                    let not_null = if new.not_null { " NOT NULL" } else { "" };
                    self.script.types.push(step(format!("CREATE DOMAIN {domain} AS {}{default}{not_null}", new.base)));
                    for (constraint, definition) in &new.constraints {
                        self.script.types.push(step(format!(
                            "ALTER DOMAIN {domain} ADD CONSTRAINT {} {definition}",
                            ident(constraint)
                        )));
                    }
                }
                (Some(_), None) => self.script.drop_types.push(step(format!("DROP DOMAIN {domain}"))),
                (Some(old), Some(new)) if old.base != new.base => self.manual.push(format!(
                    "domain {name} changes its base type from {} to {}, which PostgreSQL cannot alter in place",
                    old.base, new.base
                )),
                (Some(old), Some(new)) => {
                    let steps = &mut self.script.types;
                    if old.default != new.default {
                        steps.push(step(match &new.default {
                            Some(default) => format!("ALTER DOMAIN {domain} SET DEFAULT {default}"),
                            None => format!("ALTER DOMAIN {domain} DROP DEFAULT"),
                        }));
                    }
                    if old.not_null != new.not_null {
                        let verb = if new.not_null { "SET" } else { "DROP" };
                        steps.push(step(format!("ALTER DOMAIN {domain} {verb} NOT NULL")));
                    }
                    let changed = differing(&old.constraints, &new.constraints);
                    for (constraint, _) in changed.iter().filter(|(_, (before, _))| before.is_some()) {
                        steps.push(step(format!("ALTER DOMAIN {domain} DROP CONSTRAINT {}", ident(constraint))));
                    }
                    for (constraint, (_, after)) in &changed {
                        if let Some(definition) = after {
                            steps.push(step(format!(
                                "ALTER DOMAIN {domain} ADD CONSTRAINT {} {definition}",
                                ident(constraint)
                            )));
                        }
                    }
                }
                (None, None) => {}
            }
        }
    }

    fn composites(&mut self) {
        for (name, (old, new)) in differing(&self.from.composites, &self.to.composites) {
            let type_name = ident(name);
            match (old, new) {
                (None, Some(new)) => {
                    self.created.insert(Object::Type(name.clone()));
                    let attributes: Vec<String> =
                        new.iter().map(|(a, t)| format!("{} {t}", ident(a))).collect();
                    self.script
                        .types
                        .push(step(format!("CREATE TYPE {type_name} AS ({})", attributes.join(", "))));
                }
                (Some(_), None) => self.script.drop_types.push(step(format!("DROP TYPE {type_name}"))),
                (Some(old), Some(new)) => {
                    let old_map: BTreeMap<&String, &String> = old.iter().map(|(a, t)| (a, t)).collect();
                    let new_map: BTreeMap<&String, &String> = new.iter().map(|(a, t)| (a, t)).collect();
                    let mut actions = Vec::new();
                    for (attribute, _) in old.iter().filter(|(a, _)| !new_map.contains_key(a)) {
                        actions.push(format!("DROP ATTRIBUTE {}", ident(attribute)));
                    }
                    for (attribute, data_type) in new {
                        match old_map.get(attribute) {
                            None => actions.push(format!("ADD ATTRIBUTE {} {data_type}", ident(attribute))),
                            Some(before) if *before != data_type => {
                                actions.push(format!("ALTER ATTRIBUTE {} TYPE {data_type}", ident(attribute)))
                            }
                            Some(_) => {}
                        }
                    }
                    // CASCADE carries the change into typed tables (`CREATE TABLE ... OF type`).
                    self.script.types.push(lossy(
                        format!("ALTER TYPE {type_name} {} CASCADE", actions.join(", ")),
                        format!("changes the attributes of type {name}, in every value that uses it"),
                    ));
                }
                (None, None) => {}
            }
        }
    }
}

/// A key whose value differs between two maps, with the value on each side (`None` if absent).
type Differing<'a, V> = (&'a String, (Option<&'a V>, Option<&'a V>));

/// Keys whose values differ between `a` and `b`, in key order.
fn differing<'a, V: PartialEq>(
    a: &'a BTreeMap<String, V>,
    b: &'a BTreeMap<String, V>,
) -> Vec<Differing<'a, V>> {
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter().map(|key| (key, (a.get(key), b.get(key)))).filter(|(_, (x, y))| x != y).collect()
}

/// Names only in `from` and only in `to` whose values are equal by `same`, paired in name
/// order: objects renamed with nothing else changed.
fn renamed<'a, V>(
    from: &'a BTreeMap<String, V>,
    to: &'a BTreeMap<String, V>,
    same: impl Fn(&V, &V) -> bool,
) -> Vec<(&'a str, &'a str)> {
    let mut taken = BTreeSet::new();
    let mut pairs = Vec::new();
    for (old, old_value) in from.iter().filter(|(name, _)| !to.contains_key(*name)) {
        let new = to
            .iter()
            .filter(|(name, _)| !from.contains_key(*name) && !taken.contains(name.as_str()))
            .find(|(_, new_value)| same(old_value, new_value));
        if let Some((new, _)) = new {
            taken.insert(new.as_str());
            pairs.push((old.as_str(), new.as_str()));
        }
    }
    pairs
}

fn is_subsequence(old: &[String], new: &[String]) -> bool {
    let mut rest = new.iter();
    old.iter().all(|label| rest.any(|l| l == label))
}

/// `a, b and c` in backquotes, for messages.
fn names(list: &[&String]) -> String {
    list.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// A column as `CREATE TABLE` and `ADD COLUMN` take it.
/// The `ALTER COLUMN` steps that take a column's storage, compression and statistics target from
/// `old` (`None`: a new column, at the defaults) to `new`.
fn settings_steps(table: &str, name: &str, old: Option<&ColumnSettings>, new: &ColumnSettings) -> Vec<Step> {
    let alter = format!("ALTER TABLE {} ALTER COLUMN {}", ident(table), ident(name));
    let default = ColumnSettings::default();
    let old = old.unwrap_or(&default);
    let mut steps = Vec::new();
    if old.storage != new.storage {
        // Back to the type's own: only the side that left it read it.
        let default = if new.type_storage.is_empty() { &old.type_storage } else { &new.type_storage };
        steps.push(step(format!("{alter} SET STORAGE {}", new.storage.as_deref().unwrap_or(default))));
    }
    if old.compression != new.compression {
        steps.push(step(format!(
            "{alter} SET COMPRESSION {}",
            new.compression.as_deref().unwrap_or("default")
        )));
    }
    if old.statistics != new.statistics {
        steps.push(step(format!("{alter} SET STATISTICS {}", new.statistics.unwrap_or(-1))));
    }
    steps
}

fn column_definition(name: &str, column: &Column) -> String {
    let mut sql = format!("{} {}", ident(name), column.data_type);
    if let Some(collation) = &column.collation {
        sql.push_str(&format!(" COLLATE {collation}"));
    }
    if let Some(expression) = &column.generated {
        sql.push_str(&format!(" GENERATED ALWAYS AS ({expression}) STORED"));
    }
    if let Some(default) = &column.default {
        sql.push_str(&format!(" DEFAULT {default}"));
    }
    if column.not_null {
        sql.push_str(" NOT NULL");
    }
    if let Some(identity) = &column.identity {
        sql.push_str(&identity_clause(identity.always, &sequence_options(&identity.options)));
    }
    sql
}

fn identity_clause(always: bool, options: &str) -> String {
    let kind = if always { "ALWAYS" } else { "BY DEFAULT" };
    let options = if options.is_empty() { String::new() } else { format!(" ({options})") };
    format!(" GENERATED {kind} AS IDENTITY{options}")
}

fn add_constraint(table: &str, name: &str, constraint: &Constraint) -> Step {
    step(format!("ALTER TABLE {} ADD CONSTRAINT {} {}", ident(table), ident(name), constraint.definition))
}

fn drop_constraint(table: &str, name: &str) -> Step {
    step(format!("ALTER TABLE {} DROP CONSTRAINT {}", ident(table), ident(name)))
}

fn comment_on_table(table: &str, comment: Option<&str>) -> Step {
    step(format!("COMMENT ON TABLE {} IS {}", ident(table), comment_value(comment)))
}

fn comment_on_column(table: &str, column: &str, comment: Option<&str>) -> Step {
    step(format!("COMMENT ON COLUMN {}.{} IS {}", ident(table), ident(column), comment_value(comment)))
}

/// `chosen` views ordered so that each comes after the views it reads.
fn dependency_order<'a>(views: &'a BTreeMap<String, View>, chosen: &BTreeSet<&'a str>) -> Vec<&'a str> {
    fn visit<'a>(
        name: &'a str,
        views: &'a BTreeMap<String, View>,
        chosen: &BTreeSet<&'a str>,
        done: &mut BTreeSet<&'a str>,
        out: &mut Vec<&'a str>,
    ) {
        if !done.insert(name) {
            return;
        }
        if let Some(view) = views.get(name) {
            for dependency in &view.depends_on {
                if chosen.contains(dependency.as_str()) {
                    visit(dependency, views, chosen, done, out);
                }
            }
        }
        out.push(name);
    }
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for &name in chosen {
        if let Some((key, _)) = views.get_key_value(name) {
            visit(key, views, chosen, &mut done, &mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{Identity, Index, Position, SequenceOptions};
    use super::*;

    fn column(position: i16, data_type: &str, not_null: bool) -> Column {
        Column {
            position: Position(position),
            data_type: data_type.into(),
            collation: None,
            not_null,
            default: None,
            identity: None,
            generated: None,
            comment: None,
            settings: ColumnSettings::default(),
        }
    }

    fn identity() -> Identity {
        Identity {
            always: true,
            options: SequenceOptions {
                data_type: "bigint".into(),
                start: 1,
                increment: 1,
                min: 1,
                max: i64::MAX,
                cache: 1,
                cycle: false,
            },
        }
    }

    /// `parent(id)` and `child(id, parent_id -> parent)`, each with a primary key.
    fn two_tables() -> Schema {
        let mut schema = Schema::default();
        for name in ["parent", "child"] {
            let mut table = Table::default();
            let mut id = column(1, "bigint", true);
            id.identity = Some(identity());
            table.columns.insert("id".into(), id);
            table.constraints.insert(
                format!("{name}_pkey"),
                Constraint {
                    kind: ConstraintKind::PrimaryKey,
                    definition: "PRIMARY KEY (id)".into(),
                    references: None,
                },
            );
            schema.tables.insert(name.into(), table);
        }
        let child = schema.tables.get_mut("child").unwrap();
        child.columns.insert("parent_id".into(), column(2, "bigint", true));
        child.constraints.insert(
            "child_parent_id_fkey".into(),
            Constraint {
                kind: ConstraintKind::ForeignKey,
                definition: "FOREIGN KEY (parent_id) REFERENCES parent(id)".into(),
                references: Some("parent".into()),
            },
        );
        child.indexes.insert(
            "child_parent_id_idx".into(),
            Index {
                definition: "CREATE INDEX child_parent_id_idx ON public.child USING btree (parent_id)".into(),
                shape: "CREATE INDEX ON public.child USING btree (parent_id)".into(),
            },
        );
        schema
    }

    fn sql(changes: &Changes) -> Vec<&str> {
        changes.steps.iter().map(|s| s.sql.as_str()).collect()
    }

    #[test]
    fn new_tables_come_before_their_foreign_keys_and_indexes() {
        let changes = changes(&Schema::default(), &two_tables(), Direction::Up);
        assert_eq!(
            sql(&changes),
            [
                "CREATE TABLE child (\n    id bigint NOT NULL GENERATED ALWAYS AS IDENTITY,\n    \
                 parent_id bigint NOT NULL,\n    CONSTRAINT child_pkey PRIMARY KEY (id)\n)",
                "CREATE TABLE parent (\n    id bigint NOT NULL GENERATED ALWAYS AS IDENTITY,\n    \
                 CONSTRAINT parent_pkey PRIMARY KEY (id)\n)",
                "ALTER TABLE child ADD CONSTRAINT child_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES parent(id)",
                "CREATE INDEX child_parent_id_idx ON public.child USING btree (parent_id)",
            ]
        );
        assert!(changes.manual.is_empty() && changes.hints.is_empty());
    }

    #[test]
    fn dropped_tables_lose_cross_foreign_keys_first_and_are_flagged() {
        let changes = changes(&two_tables(), &Schema::default(), Direction::Down);
        assert_eq!(
            sql(&changes),
            [
                "ALTER TABLE child DROP CONSTRAINT child_parent_id_fkey",
                "DROP TABLE child",
                "DROP TABLE parent"
            ]
        );
        assert_eq!(changes.steps[1].loss.as_deref(), Some("drops table child and all its rows"));
        let script = render(&changes.steps);
        assert!(
            script.contains("-- WARNING: drops table parent and all its rows\nDROP TABLE parent;\n"),
            "{script}"
        );
    }

    #[test]
    fn a_constraint_or_index_with_a_new_name_only_is_renamed() {
        let from = two_tables();
        let mut to = from.clone();
        let child = to.tables.get_mut("child").unwrap();
        let pkey = child.constraints.remove("child_pkey").unwrap();
        child.constraints.insert("kid_pkey".into(), pkey);
        let mut index = child.indexes.remove("child_parent_id_idx").unwrap();
        index.definition = index.definition.replace("child_parent_id_idx", "kid_parent_idx");
        child.indexes.insert("kid_parent_idx".into(), index);
        assert_eq!(
            sql(&changes(&from, &to, Direction::Up)),
            [
                "ALTER TABLE child RENAME CONSTRAINT child_pkey TO kid_pkey",
                "ALTER INDEX child_parent_id_idx RENAME TO kid_parent_idx",
            ]
        );
    }

    #[test]
    fn column_changes_are_ordered_and_narrowing_is_flagged() {
        let from = two_tables();
        let mut to = from.clone();
        let child = to.tables.get_mut("child").unwrap();
        child.columns.get_mut("parent_id").unwrap().data_type = "integer".into();
        child.columns.get_mut("parent_id").unwrap().default = Some("0".into());
        child.columns.insert("note".into(), column(3, "text", true));
        child.columns.get_mut("id").unwrap().identity.as_mut().unwrap().always = false;
        let changes = changes(&from, &to, Direction::Up);
        assert_eq!(
            sql(&changes),
            [
                "ALTER TABLE child ADD COLUMN note text NOT NULL",
                "ALTER TABLE child ALTER COLUMN id SET GENERATED BY DEFAULT",
                "ALTER TABLE child ALTER COLUMN parent_id TYPE integer USING parent_id::integer",
                "ALTER TABLE child ALTER COLUMN parent_id SET DEFAULT 0",
            ]
        );
        assert!(changes.steps[2].loss.as_deref().unwrap().contains("from bigint to integer"));
        assert!(changes.hints[0].contains("child.note NOT NULL without a default"), "{:?}", changes.hints);
    }

    #[test]
    fn a_column_dropped_and_another_added_is_a_hint_not_a_rename() {
        let from = two_tables();
        let mut to = from.clone();
        let child = to.tables.get_mut("child").unwrap();
        let old = child.columns.remove("parent_id").unwrap();
        child.columns.insert("mother_id".into(), old);
        let changes = changes(&from, &to, Direction::Up);
        assert_eq!(
            sql(&changes)[..2],
            [
                "ALTER TABLE child DROP COLUMN parent_id",
                "ALTER TABLE child ADD COLUMN mother_id bigint NOT NULL"
            ]
        );
        assert!(
            changes.hints[0].contains("`parent_id` dropped and `mother_id` added"),
            "{:?}",
            changes.hints
        );
    }

    #[test]
    fn enum_values_are_added_in_place_and_removed_only_going_down() {
        let mut from = Schema::default();
        from.enums.insert("mood".into(), vec!["ok".into(), "sad".into()]);
        let mut to = Schema::default();
        to.enums.insert("mood".into(), vec!["happy".into(), "ok".into(), "meh".into(), "sad".into()]);
        assert_eq!(
            sql(&changes(&from, &to, Direction::Up)),
            ["ALTER TYPE mood ADD VALUE 'happy' BEFORE 'ok'", "ALTER TYPE mood ADD VALUE 'meh' AFTER 'ok'"]
        );
        let up = changes(&to, &from, Direction::Up);
        assert!(
            up.steps.is_empty() && up.manual[0].contains("loses value 'happy', 'meh'"),
            "{:?}",
            up.manual
        );
        let down = changes(&to, &from, Direction::Down);
        assert_eq!(
            sql(&down),
            [
                "ALTER TYPE mood RENAME TO mood_old",
                "CREATE TYPE mood AS ENUM ('ok', 'sad')",
                "DROP TYPE mood_old"
            ]
        );
        assert!(down.steps[0].loss.is_some());
    }

    #[test]
    fn unsupported_differences_need_a_hand_written_migration() {
        let from = Schema::default();
        let mut to = Schema::default();
        to.unsupported.insert("domain positive".into(), "integer CHECK (VALUE > 0)".into());
        let changes = changes(&from, &to, Direction::Up);
        assert_eq!(changes.manual, ["domain positive is only in backend/schema.sql"]);
    }

    #[test]
    fn views_are_rebuilt_in_dependency_order_when_a_column_under_them_changes() {
        let mut from = two_tables();
        let view = |def: &str, deps: &[&str]| View {
            materialized: None,
            indexes: BTreeMap::new(),
            definition: def.into(),
            options: None,
            depends_on: deps.iter().map(|d| d.to_string()).collect(),
            columns: vec!["parent_id bigint".into()],
        };
        from.views.insert("a_top".into(), view(" SELECT * FROM z_base", &["z_base"]));
        from.views.insert("z_base".into(), view(" SELECT parent_id FROM child", &["child"]));
        let mut to = from.clone();
        to.tables.get_mut("child").unwrap().columns.get_mut("parent_id").unwrap().data_type =
            "numeric".into();
        assert_eq!(
            sql(&changes(&from, &to, Direction::Up)),
            [
                "DROP VIEW a_top",
                "DROP VIEW z_base",
                "ALTER TABLE child ALTER COLUMN parent_id TYPE numeric",
                "CREATE VIEW z_base AS\n SELECT parent_id FROM child",
                "CREATE VIEW a_top AS\n SELECT * FROM z_base",
            ]
        );
    }

    #[test]
    fn scripts_set_long_statements_apart() {
        let steps = [step("A".into()), step("B\nC".into()), lossy("D".into(), "loses".into())];
        assert_eq!(render(&steps), "A;\n\nB\nC;\n\n-- WARNING: loses\nD;\n");
    }
}
