//! Which migrations may destroy data, so that `migrate` backs the database up before them.

/// Whether `sql` may destroy data: DROP, TRUNCATE, DELETE, ALTER ... TYPE or ALTER ... DROP.
/// Comments are ignored; anything else (a string that merely contains "drop") errs on the safe
/// side, since the cost of a false alarm is one backup.
pub fn is_destructive(sql: &str) -> bool {
    // Words are separated by whitespace, `;` and comments; a `;` starts a new statement.
    let (mut starts_alter, mut has_type, mut at_start) = (false, false, true);
    for code in between_comments(sql) {
        for (i, part) in code.split(';').enumerate() {
            if i > 0 {
                (starts_alter, has_type, at_start) = (false, false, true);
            }
            for word in part.split_ascii_whitespace() {
                let is = |keyword: &str| word.eq_ignore_ascii_case(keyword);
                if is("DROP") || is("TRUNCATE") || is("DELETE") {
                    return true;
                }
                starts_alter |= at_start && is("ALTER");
                has_type |= is("TYPE");
                at_start = false;
                if starts_alter && has_type {
                    return true;
                }
            }
        }
    }
    false
}

/// The stretches of `sql` between its `--` and `/* */` comments, in order.
fn between_comments(sql: &str) -> impl Iterator<Item = &str> {
    let mut rest = sql;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut from = 0;
        let (code, after) = loop {
            let Some(at) = rest[from..].find(['-', '/']).map(|i| from + i) else {
                break (rest, rest.len());
            };
            let tail = &rest[at..];
            let end = if tail.starts_with("--") {
                tail.find('\n').map_or(rest.len(), |n| at + n + 1)
            } else if let Some(comment) = tail.strip_prefix("/*") {
                comment.find("*/").map_or(rest.len(), |n| at + 2 + n + 2)
            } else {
                from = at + 1;
                continue;
            };
            break (&rest[..at], end);
        };
        rest = &rest[after..];
        Some(code)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destructive_statements_are_recognised_and_comments_ignored() {
        for sql in [
            "DROP TABLE clip;",
            "alter table clip drop column content;",
            "ALTER TABLE action ALTER COLUMN created_at TYPE date;",
            "CREATE TABLE a (id int);\ntruncate a;",
            "DELETE FROM user_account WHERE email LIKE '%@old.test';",
            "ALTER TABLE a /* why */ ALTER COLUMN b\nTYPE bigint",
            "CREATE TABLE a (id int); -- note\n  drop table b",
            "SELECT 1/2;drop TABLE b",
        ] {
            assert!(is_destructive(sql), "{sql}");
        }
        for sql in [
            "CREATE TABLE dropped_items (id int);",
            "-- DROP TABLE clip;\nCREATE TABLE a (id int);",
            "/* we will DELETE this later */ ALTER TABLE a ADD COLUMN b int;",
            "CREATE TYPE card AS ENUM ('yellow', 'red');",
            "CREATE TABLE a (id int);\nALTER TABLE a ADD COLUMN b int; CREATE TYPE t AS (x int);",
            "CREATE TABLE a (x int DEFAULT 1-2); /* DROP */ -- DELETE",
        ] {
            assert!(!is_destructive(sql), "{sql}");
        }
    }
}
