//! Running generated scripts on a scratch database, to prove them before anything is written.
//!
//! Renames are carried out in a transaction that is rolled back, and the schema is introspected
//! there: the server itself rewrites every index, constraint and view that mentions the old
//! name, so the diff that follows sees the new names. The proof runs the up script, which must
//! land exactly on the declared schema, then the down script, which must bring the migrations'
//! schema back; each in one transaction, as `cargo xtask migrate` runs them. Each landing is
//! checked twice: on the modelled [`Schema`] and on the whole-schema [`Fingerprint`], so a proof
//! cannot pass on the modelled part alone.

use anyhow::{Result, anyhow, bail};
use sqlx::{Connection, Executor, PgConnection};

use super::diff::Step;
use super::fingerprint::{Fingerprint, fingerprint};
use super::{ConstraintKind, Schema, introspect};
use crate::pg;

/// A database's schema read both ways: modelled, and as a whole-schema fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// What autogenerate knows how to change.
    pub schema: Schema,
    /// Everything `pg_dump --schema-only` would print.
    pub fingerprint: Fingerprint,
}

impl Snapshot {
    /// Every way `self` (what was found, from `this`) differs from `expected` (from `that`).
    pub fn differences(&self, expected: &Snapshot, this: &str, that: &str) -> Vec<String> {
        let mut out = self.schema.differences(&expected.schema);
        // The fingerprint repeats what the model already said; add only what it alone sees.
        if out.is_empty() {
            out = self.fingerprint.differences(&expected.fingerprint, this, that);
        }
        out
    }
}

/// Reads the `public` schema the connection's database has now, both ways.
pub async fn snapshot(conn: &mut PgConnection) -> Result<Snapshot> {
    // The fingerprint first: re-rendering CHECKs creates (and rolls back) a temporary table,
    // which makes the server plan every cached query of the connection again.
    let fingerprint = fingerprint(conn).await?;
    let schema = introspect(conn).await?;
    Ok(combine(schema, fingerprint))
}

/// [`snapshot`] of two databases at once, read in opposite orders: the server computes one's
/// fingerprint (its longest query) while this process takes in the other's many smaller ones.
pub async fn snapshots(first: &mut PgConnection, second: &mut PgConnection) -> Result<(Snapshot, Snapshot)> {
    let second_read = async {
        let schema = introspect(second).await?;
        Ok(combine(schema, fingerprint(second).await?))
    };
    tokio::try_join!(snapshot(first), second_read)
}

/// The snapshot of `schema` and `fingerprint`, read from the same database.
fn combine(schema: Schema, mut fingerprint: Fingerprint) -> Snapshot {
    // CHECKs as the model canonicalised them (rendered twice): the first rendering of the same
    // constraint can differ between a schema built from the file and one built from a migration.
    let checks = schema.tables.iter().flat_map(|(table, t)| {
        t.constraints
            .iter()
            .filter(|(_, c)| c.kind == ConstraintKind::Check)
            .map(move |(name, c)| (format!("constraint {name} on {table}"), c.definition.clone()))
    });
    let domain_checks = schema.domains.iter().flat_map(|(domain, d)| {
        d.constraints.iter().map(move |(name, definition)| {
            (format!("constraint {name} on type {domain}"), definition.clone())
        })
    });
    for (object, definition) in checks.chain(domain_checks) {
        if let Some(properties) = fingerprint.objects.get_mut(&object) {
            properties.insert("definition".to_owned(), definition);
        }
    }
    Snapshot { schema, fingerprint }
}

/// The schema as it would be after `steps`, which run in a transaction that is rolled back.
pub async fn introspect_after(conn: &mut PgConnection, steps: &[Step], schema: &Schema) -> Result<Schema> {
    if steps.is_empty() {
        return Ok(schema.clone());
    }
    let mut tx = conn.begin().await?;
    for step in steps {
        tx.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(step.sql.clone())))
            .await
            .map_err(|err| anyhow!("cannot carry out the rename `{}`: {err}", step.sql))?;
    }
    let renamed = introspect(&mut tx).await?;
    tx.rollback().await?;
    Ok(renamed)
}

/// Runs `up` then `down` on `conn`, a database built from the migrations, checking that each
/// lands exactly on the schema it should (`after`, from the file shown as `declared`, then
/// `before`), modelled and fingerprinted; fails with what is left over.
pub async fn prove(
    conn: &mut PgConnection,
    up: &str,
    down: &str,
    before: &Snapshot,
    after: &Snapshot,
    declared: &str,
) -> Result<()> {
    for (which, script, expected, target) in
        [("up", up, after, declared), ("down", down, before, "the migrations")]
    {
        run(conn, which, script).await?;
        let reached = snapshot(conn).await?;
        let left = reached.differences(expected, &format!("the database after the {which} script"), target);
        if !left.is_empty() {
            bail!(
                "the generated {which} script does not reach {target} exactly, so nothing was written; \
                 write this migration by hand (`cargo xtask revision -m NAME`). Left over after it ran:\n  {}\n\
                 The {which} script was:\n{script}",
                left.join("\n  ")
            );
        }
    }
    Ok(())
}

/// Runs a generated script in one transaction, as `cargo xtask migrate` would.
async fn run(conn: &mut PgConnection, which: &str, script: &str) -> Result<()> {
    let mut tx = conn.begin().await?;
    let result = tx.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(script.to_owned()))).await;
    if let Err(err) = result {
        let (message, location) = pg::located(&err, script, 0);
        // 55P04: an enum value added by this transaction cannot be used before it commits.
        let advice = if pg::sqlstate(&err).as_deref() == Some("55P04") {
            "add the enum value alone, autogenerate, then use it and autogenerate again"
        } else {
            "write this migration by hand (`cargo xtask revision -m NAME`)"
        };
        bail!(
            "the generated {which} script fails on a scratch copy of the migrations{location}: {message}; \
             nothing was written; {advice}. The script was:\n{script}"
        );
    }
    tx.commit().await?;
    Ok(())
}
