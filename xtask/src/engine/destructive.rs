//! Which migrations may destroy data, so that `migrate` backs the database up before them.

/// Whether `sql` may destroy data: DROP, TRUNCATE, DELETE, ALTER ... TYPE or ALTER ... DROP.
/// Comments are ignored; anything else (a string that merely contains "drop") errs on the safe
/// side, since the cost of a false alarm is one backup.
pub fn is_destructive(sql: &str) -> bool {
    let mut code = String::with_capacity(sql.len());
    let mut rest = sql;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, tail)| tail);
            code.push(' ');
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, tail)| tail);
            code.push(' ');
        } else {
            let c = rest.chars().next().expect("rest is not empty");
            code.push(c.to_ascii_uppercase());
            rest = &rest[c.len_utf8()..];
        }
    }
    code.split(';').any(|statement| {
        let words: Vec<&str> = statement.split_whitespace().collect();
        let has = |word: &str| words.contains(&word);
        has("DROP") || has("TRUNCATE") || has("DELETE") || (words.first() == Some(&"ALTER") && has("TYPE"))
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
