//! Every table's row count, before and after a bridge, to show that no row was lost.

use std::collections::BTreeMap;

use anyhow::Result;
use sqlx::PgConnection;

use crate::pg;
use crate::schema::versions::FOREIGN_BOOKKEEPING;

/// One table's rows before and after the bridge ran on the restored copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowCount {
    /// The table's name before.
    pub table: String,
    /// Its name after, when the bridge renames it.
    pub renamed_to: Option<String>,
    /// Rows before.
    pub before: i64,
    /// Rows after; `None` when the bridge drops the table.
    pub after: Option<i64>,
}

/// Exact row counts of the public tables, other tools' bookkeeping aside.
pub async fn read(conn: &mut PgConnection) -> Result<BTreeMap<String, i64>> {
    let mut counts = pg::row_counts(conn).await?;
    counts.retain(|name, _| !FOREIGN_BOOKKEEPING.contains(&name.as_str()));
    Ok(counts)
}

/// Pairs the counts before and after, following table renames (`old` to `new`).
pub fn compare(
    before: &BTreeMap<String, i64>,
    after: &BTreeMap<String, i64>,
    renames: &BTreeMap<String, String>,
) -> Vec<RowCount> {
    before
        .iter()
        .map(|(table, &rows)| {
            let renamed_to = renames.get(table).cloned();
            let now = after.get(renamed_to.as_deref().unwrap_or(table)).copied();
            RowCount { table: table.clone(), renamed_to, before: rows, after: now }
        })
        .collect()
}
