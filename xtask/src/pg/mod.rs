//! PostgreSQL access: connections and their advice, whole databases, scratch databases, the
//! client programs and the project-local server. Nothing here knows about migrations.

mod connect;
pub mod copy;
mod databases;
pub mod local_server;
pub mod scratch;
pub mod tools;

use sqlx::postgres::PgDatabaseError;

pub use connect::{ConnectError, Failure, close, connect, connect_maintenance, describe_encryption};
pub use databases::{
    create_database, create_if_missing, database_exists, drop_database, drop_if_exists, row_counts,
};

/// Quotes `name` as a PostgreSQL identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The server's SQLSTATE for `err`, if it came from the server.
pub fn sqlstate(err: &sqlx::Error) -> Option<String> {
    err.as_database_error().and_then(|db| db.code()).map(|code| code.into_owned())
}

/// The server's message for `err` (without sqlx's wrapping and the server's own source position),
/// or sqlx's description when the server did not answer.
pub fn message(err: &sqlx::Error) -> String {
    pg_error(err).map_or_else(|| err.to_string(), |pg| pg.message().to_owned())
}

/// The server's full error, when `err` is one.
pub fn pg_error(err: &sqlx::Error) -> Option<&PgDatabaseError> {
    err.as_database_error().and_then(|db| db.try_downcast_ref::<PgDatabaseError>())
}

/// The server's message for `err` and, when it points into `sql` (whose text sent to the server
/// began at character `start` of it), ` at line L, column C`.
pub fn located(err: &sqlx::Error, sql: &str, start: usize) -> (String, String) {
    match pg_error(err) {
        Some(pg) => {
            let location = match pg.position() {
                Some(sqlx::postgres::PgErrorPosition::Original(position)) => {
                    let (line, column) = line_and_column(sql, start + position);
                    format!(" at line {line}, column {column}")
                }
                _ => String::new(),
            };
            (pg.message().to_owned(), location)
        }
        None => (err.to_string(), String::new()),
    }
}

/// Turns a server error position (1-based, in characters) into `line L, column C` of `sql`.
pub fn line_and_column(sql: &str, position: usize) -> (usize, usize) {
    let before: String = sql.chars().take(position.saturating_sub(1)).collect();
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |tail| tail.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_map_to_lines_and_columns() {
        let sql = "CREATE TABLE a ();\nSELEC 1;\n";
        assert_eq!(line_and_column(sql, 1), (1, 1));
        assert_eq!(line_and_column(sql, 20), (2, 1));
        assert_eq!(line_and_column(sql, 22), (2, 3));
    }
}
