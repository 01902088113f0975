//! Every table's row count, before and after a bridge, to show that no row was lost.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use sqlx::PgConnection;

use crate::pg::quote_ident;
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
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables
         WHERE schemaname = 'public' AND tablename <> '_sqlx_migrations' ORDER BY 1",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut counts = BTreeMap::new();
    for name in names.into_iter().filter(|n| !FOREIGN_BOOKKEEPING.contains(&n.as_str())) {
        let query = format!("SELECT count(*) FROM public.{}", quote_ident(&name));
        let rows: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(query))
            .fetch_one(&mut *conn)
            .await
            .with_context(|| format!("cannot count the rows of {name}"))?;
        counts.insert(name, rows);
    }
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
