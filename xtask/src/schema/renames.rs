//! The renames `backend/schema.sql` states with `-- renamed from:` notes, as up and down steps.
//!
//! Each note is checked against both schemas before it becomes a statement: a rename the
//! migrations lack, or one that would leave both names behind, is an error that names the note's
//! line. A note the migrations already carried out is skipped, so notes may stay in the file.

use anyhow::{Result, bail};

use super::Schema;
use super::declared::Declared;
use super::diff::Step;
use super::sql::ident;

/// The rename statements the schema file's notes call for, up and down, after checking each
/// note against both schemas. A note already carried out by the migrations is skipped.
pub fn steps(declared: &Declared, from: &Schema, to: &Schema) -> Result<(Vec<Step>, Vec<Step>)> {
    let step = |sql: String| Step { sql, loss: None };
    let (mut up_tables, mut up_columns, mut down_tables, mut down_columns) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut renamed_tables: Vec<(&str, &str)> = Vec::new();
    for rename in declared.renames.iter().filter(|r| r.column.is_none()) {
        let at = format!("{}:{}", declared.shown, rename.line);
        let (old, new) = (rename.from.as_str(), rename.table.as_str());
        if !to.tables.contains_key(new) {
            bail!("{at}: the renamed table `{new}` is not in the public schema the file builds");
        }
        match (from.tables.contains_key(old), from.tables.contains_key(new)) {
            (_, true) if !from.tables.contains_key(old) => continue,
            (true, true) => bail!(
                "{at}: cannot rename table `{old}` to `{new}`: the migrations already have both; remove the note"
            ),
            (false, _) => bail!(
                "{at}: table `{new}` is renamed from `{old}`, but the migrations have no table `{old}`; fix the name or remove the note"
            ),
            (true, false) => {}
        }
        if to.tables.contains_key(old) {
            bail!(
                "{at}: table `{old}` is renamed to `{new}`, but the file still creates `{old}`; remove one"
            );
        }
        up_tables.push(step(format!("ALTER TABLE {} RENAME TO {}", ident(old), ident(new))));
        down_tables.push(step(format!("ALTER TABLE {} RENAME TO {}", ident(new), ident(old))));
        renamed_tables.push((new, old));
    }
    for rename in &declared.renames {
        let Some(new) = rename.column.as_deref() else { continue };
        let at = format!("{}:{}", declared.shown, rename.line);
        let (table, old) = (rename.table.as_str(), rename.from.as_str());
        let old_table = renamed_tables.iter().find(|(n, _)| *n == table).map_or(table, |(_, o)| *o);
        let (Some(before), Some(after)) = (from.tables.get(old_table), to.tables.get(table)) else {
            bail!(
                "{at}: table `{table}` is new, so its column `{new}` cannot be renamed from anything; remove the note"
            );
        };
        if !after.columns.contains_key(new) {
            bail!("{at}: the renamed column `{table}.{new}` is not in the schema the file builds");
        }
        match (before.columns.contains_key(old), before.columns.contains_key(new)) {
            (false, true) => continue,
            (true, true) => bail!(
                "{at}: cannot rename column `{table}.{old}` to `{new}`: the migrations already have both; remove the note"
            ),
            (false, false) => bail!(
                "{at}: column `{table}.{new}` is renamed from `{old}`, but the migrations' `{old_table}` has no column `{old}`; fix the name or remove the note"
            ),
            (true, false) => {}
        }
        if after.columns.contains_key(old) {
            bail!(
                "{at}: column `{table}.{old}` is renamed to `{new}`, but the file still has `{old}`; remove one"
            );
        }
        let table_sql = ident(table);
        up_columns.push(step(format!(
            "ALTER TABLE {table_sql} RENAME COLUMN {} TO {}",
            ident(old),
            ident(new)
        )));
        down_columns.push(step(format!(
            "ALTER TABLE {table_sql} RENAME COLUMN {} TO {}",
            ident(new),
            ident(old)
        )));
    }
    // Up renames tables, then their columns by the tables' new names; down undoes it backwards.
    let up = [up_tables, up_columns].concat();
    let down = [down_columns, down_tables].concat();
    Ok((up, down))
}
