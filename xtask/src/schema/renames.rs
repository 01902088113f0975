//! The renames `backend/schema.sql` states with `-- renamed from:` notes, as up and down steps.
//!
//! Each note is checked against both schemas before it becomes a statement: a rename the
//! migrations lack, or one that would leave both names behind, is an error that names the note's
//! line. A note the migrations already carried out is skipped, so notes may stay in the file.

use std::collections::BTreeMap;

use anyhow::{Result, bail};

use super::Schema;
use super::declared::{Declared, Subject};
use super::diff::Step;
use super::sql::{ident, literal};

/// The rename statements the schema file's notes call for, up and down, after checking each
/// note against both schemas. A note already carried out by the migrations is skipped.
///
/// Up renames the objects that have names of their own first (tables, types, views, ...), then
/// what lives on a table or a type (columns, constraints, triggers, enum values), by its owner's new
/// name; down undoes the same statements backwards.
pub fn steps(declared: &Declared, from: &Schema, to: &Schema) -> Result<(Vec<Step>, Vec<Step>)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    // New name to old, for the owners of columns, constraints and enum values.
    let mut old_tables: BTreeMap<&str, &str> = BTreeMap::new();
    let mut old_types: BTreeMap<&str, &str> = BTreeMap::new();
    let is_type = |s: &Schema, n: &str| {
        s.enums.contains_key(n) || s.composites.contains_key(n) || s.domains.contains_key(n)
    };
    let is_index = |s: &Schema, n: &str| {
        s.tables.values().any(|t| t.indexes.contains_key(n))
            || s.views.values().any(|v| v.indexes.contains_key(n))
    };
    let is_view = |s: &Schema, n: &str, materialized: bool| {
        s.views.get(n).is_some_and(|v| v.materialized.is_some() == materialized)
    };
    for rename in &declared.renames {
        let at = format!("{}:{}", declared.shown, rename.line);
        let old = rename.from.as_str();
        let named = |what: &'static str, new: &str, exists: &dyn Fn(&Schema, &str) -> bool| {
            due(&at, Names { what, old, new, owner: None }, |n| exists(from, n), |n| exists(to, n))
        };
        let (old_sql, new_sql) = (ident(old), ident(named_new(&rename.subject)));
        match &rename.subject {
            Subject::Table(new) => {
                if named("table", new, &|s, n| s.tables.contains_key(n))? {
                    pairs.push(swap("ALTER TABLE", &old_sql, &new_sql));
                    old_tables.insert(new, old);
                }
            }
            Subject::View(new) => {
                if named("view", new, &|s, n| is_view(s, n, false))? {
                    pairs.push(swap("ALTER VIEW", &old_sql, &new_sql));
                }
            }
            Subject::Materialized(new) => {
                if named("materialized view", new, &|s, n| is_view(s, n, true))? {
                    pairs.push(swap("ALTER MATERIALIZED VIEW", &old_sql, &new_sql));
                }
            }
            Subject::Type(new) => {
                if named("type", new, &|s, n| is_type(s, n))? {
                    let verb = if from.domains.contains_key(old) { "ALTER DOMAIN" } else { "ALTER TYPE" };
                    pairs.push(swap(verb, &old_sql, &new_sql));
                    old_types.insert(new, old);
                }
            }
            Subject::Index(new) => {
                if named("index", new, &|s, n| is_index(s, n))? {
                    pairs.push(swap("ALTER INDEX", &old_sql, &new_sql));
                }
            }
            Subject::Sequence(new) => {
                if named("sequence", new, &|s, n| s.sequences.contains_key(n))? {
                    pairs.push(swap("ALTER SEQUENCE", &old_sql, &new_sql));
                }
            }
            Subject::Function(new) => {
                // Each overload the file declares under the new name is checked on its own, by
                // its arguments; one the migrations have under neither name is not the note's.
                let mut matched = false;
                for function in to.functions.values().filter(|f| f.name == *new) {
                    let arguments = &function.arguments;
                    let signature = |name: &str| format!("{name}({arguments})");
                    if !from.functions.contains_key(&signature(old))
                        && !from.functions.contains_key(&signature(new))
                    {
                        continue;
                    }
                    matched = true;
                    let names = Names { what: "function", old, new, owner: None };
                    let in_from = |n: &str| from.functions.contains_key(&signature(n));
                    if due(&at, names, in_from, |n| to.functions.contains_key(&signature(n)))? {
                        let verb = if function.procedure { "ALTER PROCEDURE" } else { "ALTER FUNCTION" };
                        pairs.push((
                            format!("{verb} {old_sql}({arguments}) RENAME TO {new_sql}"),
                            format!("{verb} {new_sql}({arguments}) RENAME TO {old_sql}"),
                        ));
                    }
                }
                if !matched {
                    bail!(
                        "{at}: function `{new}` is renamed from `{old}`, but the migrations have no `{old}` \
                         with the same arguments; fix the name or remove the note"
                    );
                }
            }
            Subject::Column(..) | Subject::Constraint(..) | Subject::EnumValue(..) | Subject::Trigger(..) => {
            }
        }
    }
    for rename in &declared.renames {
        let at = format!("{}:{}", declared.shown, rename.line);
        let old = rename.from.as_str();
        let (owner, new, what) = match &rename.subject {
            Subject::Column(table, new) => (table, new, "column"),
            Subject::Constraint(table, new) => (table, new, "constraint"),
            Subject::EnumValue(type_name, new) => (type_name, new, "value"),
            Subject::Trigger(table, new) => (table, new, "trigger"),
            _ => continue,
        };
        let enum_value = what == "value";
        let old_owner = if enum_value { &old_types } else { &old_tables }.get(owner.as_str()).copied();
        let old_owner = old_owner.unwrap_or(owner);
        let (before, after) = if enum_value {
            (from.enums.get(old_owner).map(Owner::Enum), to.enums.get(owner).map(Owner::Enum))
        } else {
            (from.tables.get(old_owner).map(Owner::Table), to.tables.get(owner).map(Owner::Table))
        };
        let (Some(before), Some(after)) = (before, after) else {
            let owner_what = if enum_value { "enum" } else { "table" };
            bail!(
                "{at}: {owner_what} `{owner}` is new, so its {what} `{new}` cannot be renamed from anything; \
                 remove the note"
            );
        };
        let names = Names { what, old, new, owner: Some((owner, old_owner)) };
        if !due(&at, names, |n| before.has(what, n), |n| after.has(what, n))? {
            continue;
        }
        let owner_sql = ident(owner);
        pairs.push(match what {
            "column" => (
                format!("ALTER TABLE {owner_sql} RENAME COLUMN {} TO {}", ident(old), ident(new)),
                format!("ALTER TABLE {owner_sql} RENAME COLUMN {} TO {}", ident(new), ident(old)),
            ),
            "trigger" => (
                format!("ALTER TRIGGER {} ON {owner_sql} RENAME TO {}", ident(old), ident(new)),
                format!("ALTER TRIGGER {} ON {owner_sql} RENAME TO {}", ident(new), ident(old)),
            ),
            "constraint" => (
                format!("ALTER TABLE {owner_sql} RENAME CONSTRAINT {} TO {}", ident(old), ident(new)),
                format!("ALTER TABLE {owner_sql} RENAME CONSTRAINT {} TO {}", ident(new), ident(old)),
            ),
            _ => (
                format!("ALTER TYPE {owner_sql} RENAME VALUE {} TO {}", literal(old), literal(new)),
                format!("ALTER TYPE {owner_sql} RENAME VALUE {} TO {}", literal(new), literal(old)),
            ),
        });
    }
    let step = |sql: &String| Step { sql: sql.clone(), loss: None };
    let up = pairs.iter().map(|(up, _)| step(up)).collect();
    let down = pairs.iter().rev().map(|(_, down)| step(down)).collect();
    Ok((up, down))
}

/// The new name a subject carries.
fn named_new(subject: &Subject) -> &str {
    match subject {
        Subject::Table(n)
        | Subject::View(n)
        | Subject::Materialized(n)
        | Subject::Function(n)
        | Subject::Type(n)
        | Subject::Index(n)
        | Subject::Sequence(n)
        | Subject::Column(_, n)
        | Subject::Constraint(_, n)
        | Subject::EnumValue(_, n)
        | Subject::Trigger(_, n) => n,
    }
}

/// `ALTER <kind> old RENAME TO new`, and back.
fn swap(verb: &str, old: &str, new: &str) -> (String, String) {
    (format!("{verb} {old} RENAME TO {new}"), format!("{verb} {new} RENAME TO {old}"))
}

/// What a column, a constraint, a trigger or an enum value belongs to, on one side.
#[derive(Clone, Copy)]
enum Owner<'a> {
    Table(&'a super::Table),
    Enum(&'a Vec<String>),
}

impl Owner<'_> {
    fn has(self, what: &str, name: &str) -> bool {
        match self {
            Owner::Table(table) if what == "column" => table.columns.contains_key(name),
            Owner::Table(table) if what == "trigger" => table.triggers.contains_key(name),
            Owner::Table(table) => table.constraints.contains_key(name),
            Owner::Enum(labels) => labels.iter().any(|l| l == name),
        }
    }
}

/// A note's names, for its checks and their messages.
struct Names<'a> {
    /// `table`, `column`, `value`, ...
    what: &'static str,
    old: &'a str,
    new: &'a str,
    /// For a column, a constraint, a trigger or an enum value: its owner's new and old names.
    owner: Option<(&'a str, &'a str)>,
}

/// Checks a note against both schemas: `true` when its rename is due, `false` when the
/// migrations already carried it out; an error, naming the note's line `at`, when the old name
/// is missing from the migrations, both names are there, or the file still has the old one.
fn due(at: &str, names: Names, in_from: impl Fn(&str) -> bool, in_to: impl Fn(&str) -> bool) -> Result<bool> {
    let Names { what, old, new, owner } = names;
    let (shown_old, shown_new, migrations) = match owner {
        Some((owner, old_owner)) => {
            (format!("{owner}.{old}"), format!("{owner}.{new}"), format!("the migrations' `{old_owner}` has"))
        }
        None => (old.to_owned(), new.to_owned(), "the migrations have".to_owned()),
    };
    if !in_to(new) {
        bail!("{at}: the renamed {what} `{shown_new}` is not in the schema the file builds");
    }
    match (in_from(old), in_from(new)) {
        (false, true) => return Ok(false),
        (true, true) => bail!(
            "{at}: cannot rename {what} `{shown_old}` to `{new}`: the migrations already have both; remove the note"
        ),
        (false, false) => bail!(
            "{at}: {what} `{shown_new}` is renamed from `{old}`, but {migrations} no {what} `{old}`; \
             fix the name or remove the note"
        ),
        (true, false) => {}
    }
    if in_to(old) {
        bail!("{at}: {what} `{shown_old}` is renamed to `{new}`, but the file still has `{old}`; remove one");
    }
    Ok(true)
}
