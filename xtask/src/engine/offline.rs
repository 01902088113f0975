//! `migrate --sql`: the script `migrate` would run, bookkeeping included, for psql.

use sqlx::migrate::Migration;

use super::MigrationFiles;

/// sqlx-postgres 0.9's `ensure_migrations_table`, word for word, for the offline script.
const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
    success BOOLEAN NOT NULL,
    checksum BYTEA NOT NULL,
    execution_time BIGINT NOT NULL
);
";

/// The SQL `migrate` would send for `pending`, bookkeeping included, as one psql-ready script.
///
/// sqlx's later `UPDATE ... SET execution_time` is left out: offline there is no time to record,
/// so rows keep sqlx's own placeholder of -1.
pub fn offline_script(pending: &[&MigrationFiles], database: &str) -> String {
    let mut script = format!(
        "-- Migrations for `{database}`, written by `cargo xtask migrate --sql`.\n\
         -- Run with: psql -v ON_ERROR_STOP=1 -d {database} -f <this file>\n\n{CREATE_TABLE}"
    );
    for files in pending {
        let migration: &Migration = &files.up.migration;
        let mut sql = migration.sql.as_str().trim_end().to_owned();
        // A missing final semicolon would glue the bookkeeping insert onto the last statement.
        if !sql.ends_with(';') {
            sql.push_str("\n;");
        }
        let checksum: String = migration.checksum.iter().map(|b| format!("{b:02x}")).collect();
        let record = format!(
            "INSERT INTO _sqlx_migrations ( version, description, success, checksum, execution_time )\n\
             VALUES ( {}, '{}', TRUE, '\\x{checksum}', -1 );",
            migration.version,
            migration.description.replace('\'', "''")
        );
        let body = format!("{sql}\n{record}\n");
        let body = if migration.no_tx { body } else { format!("BEGIN;\n{body}COMMIT;\n") };
        script.push_str(&format!("\n-- {}\n{body}", files.up.file_name()));
    }
    script
}
