//! `backend/schema.sql` as text: its statements, in batches to send, and its
//! `-- renamed from: old_name` notes, the one way to state a rename (autogenerate never guesses).
//!
//! A note belongs to the table or column whose definition it is written in (a trailing
//! comment), or, on a line of its own, to the definition that starts next:
//!
//! ```sql
//! CREATE TABLE clip ( -- renamed from: video
//!     id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
//!     -- renamed from: data
//!     content bytea NOT NULL
//! );
//! ```
//!
//! Both take a small tokenizer, not a SQL parser: only statement ends, `CREATE TABLE` statements
//! and the elements inside their parentheses matter, and strings, quoted names, dollar-quoted
//! bodies and comments are skipped so that nothing inside them is mistaken for either.

use std::path::Path;

use anyhow::{Context, Result, anyhow};

/// The declared schema file, read and its rename notes found.
#[derive(Debug, Clone)]
pub struct Declared {
    /// Its path as messages show it, e.g. `backend/schema.sql`.
    pub shown: String,
    /// Its statements.
    pub sql: String,
    /// Its `-- renamed from:` notes.
    pub renames: Vec<Rename>,
}

impl Declared {
    /// Reads the file at `path`, shown in messages as `shown`, and its rename notes.
    pub fn read(path: &Path, shown: String) -> Result<Declared> {
        let sql = std::fs::read_to_string(path).with_context(|| {
            format!(
                "cannot read {}; restore it from git (it states the schema the code wants)",
                path.display()
            )
        })?;
        Declared::parse(shown, sql)
    }

    /// `sql`, shown in messages as `shown`, with its rename notes; fails on a misplaced note.
    pub fn parse(shown: String, sql: String) -> Result<Declared> {
        let renames = renames(&sql).map_err(|err| anyhow!("{shown} {err}"))?;
        Ok(Declared { shown, sql, renames })
    }
}

/// One `-- renamed from:` note, resolved to what it renames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    /// The line of the note, 1-based.
    pub line: usize,
    /// The table (its new name) the note is on, or whose column it is on.
    pub table: String,
    /// The column's new name, for a column rename.
    pub column: Option<String>,
    /// The name it had before.
    pub from: String,
}

/// What the tokenizer hands the reader.
#[derive(Debug, PartialEq)]
enum Token {
    /// A name or keyword: unquoted ones lower-cased, as PostgreSQL folds them.
    Word { text: String, quoted: bool },
    /// One of `( ) , ; .`, or any other character that ends a word.
    Punct(char),
    /// A `-- renamed from: X` comment; `after_code` when code precedes it on its line.
    Note { from: String, after_code: bool },
    /// A `-- renamed from:` whose name cannot be read.
    BadNote,
}

/// A token with its 1-based line and the index of its first character.
type Spanned = (usize, usize, Token);

/// Splits `sql` into tokens, dropping whitespace, literals and comments.
fn tokenize(sql: &str) -> Vec<Spanned> {
    let chars: Vec<char> = sql.chars().collect();
    let mut tokens = Vec::new();
    let (mut i, mut line, mut code_on_line) = (0, 1, false);
    // Advances past `chars[from..to]`, counting the newlines crossed.
    let skip = |from: usize, to: usize, line: &mut usize| {
        *line += chars[from..to.min(chars.len())].iter().filter(|&&c| c == '\n').count();
        to
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\n' => {
                line += 1;
                code_on_line = false;
                i += 1;
            }
            c if c.is_whitespace() => i += 1,
            '-' if next == Some('-') => {
                let end = chars[i..].iter().position(|&c| c == '\n').map_or(chars.len(), |p| i + p);
                let text: String = chars[i + 2..end].iter().collect();
                if let Some(note) = note(&text) {
                    tokens.push((
                        line,
                        i,
                        note.map_or(Token::BadNote, |from| Token::Note { from, after_code: code_on_line }),
                    ));
                }
                i = end;
            }
            '/' if next == Some('*') => {
                // Block comments nest in PostgreSQL.
                let (mut depth, mut j) = (0usize, i);
                while j < chars.len() {
                    if chars[j] == '/' && chars.get(j + 1) == Some(&'*') {
                        depth += 1;
                        j += 2;
                    } else if chars[j] == '*' && chars.get(j + 1) == Some(&'/') {
                        depth -= 1;
                        j += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        j += 1;
                    }
                }
                i = skip(i, j, &mut line);
            }
            '\'' => {
                // An E'...' string lets a backslash escape the quote.
                let escapes = i > 0 && matches!(chars[i - 1], 'e' | 'E');
                let mut j = i + 1;
                while j < chars.len() {
                    match chars[j] {
                        '\\' if escapes => j += 2,
                        '\'' if chars.get(j + 1) == Some(&'\'') => j += 2,
                        '\'' => break,
                        _ => j += 1,
                    }
                }
                i = skip(i, j + 1, &mut line);
                code_on_line = true;
            }
            '"' => {
                let mut text = String::new();
                let mut j = i + 1;
                while j < chars.len() {
                    match chars[j] {
                        '"' if chars.get(j + 1) == Some(&'"') => {
                            text.push('"');
                            j += 2;
                        }
                        '"' => break,
                        c => {
                            text.push(c);
                            j += 1;
                        }
                    }
                }
                tokens.push((line, i, Token::Word { text, quoted: true }));
                i = skip(i, j + 1, &mut line);
                code_on_line = true;
            }
            '$' if dollar_tag(&chars[i..]).is_some() => {
                let tag = dollar_tag(&chars[i..]).expect("just checked");
                let body = i + tag.len();
                let end = (body..chars.len())
                    .find(|&j| chars[j..].starts_with(&tag))
                    .map_or(chars.len(), |j| j + tag.len());
                i = skip(i, end, &mut line);
                code_on_line = true;
            }
            c if c.is_alphabetic() || c == '_' => {
                let end = chars[i..]
                    .iter()
                    .position(|&c| !(c.is_alphanumeric() || c == '_' || c == '$'))
                    .map_or(chars.len(), |p| i + p);
                let text: String = chars[i..end].iter().collect::<String>().to_ascii_lowercase();
                tokens.push((line, i, Token::Word { text, quoted: false }));
                i = end;
                code_on_line = true;
            }
            c => {
                tokens.push((line, i, Token::Punct(c)));
                i += 1;
                code_on_line = true;
            }
        }
    }
    tokens
}

/// `$tag$` (or `$$`) at the start of `chars`, as characters.
fn dollar_tag(chars: &[char]) -> Option<Vec<char>> {
    let close = chars.iter().skip(1).position(|&c| c == '$')? + 1;
    let tag = &chars[1..close];
    let valid = tag.iter().all(|&c| c.is_alphanumeric() || c == '_')
        && !tag.first().is_some_and(char::is_ascii_digit);
    valid.then(|| chars[..=close].to_vec())
}

/// For a comment's text: `None` if it is not a rename note, `Some(None)` if it is one whose name
/// cannot be read, else the old name.
fn note(comment: &str) -> Option<Option<String>> {
    let text = comment.trim();
    let prefix = "renamed from:";
    if !text.get(..prefix.len()).is_some_and(|start| start.eq_ignore_ascii_case(prefix)) {
        return None;
    }
    let name = text[prefix.len()..].trim();
    let name = name.strip_prefix("public.").unwrap_or(name);
    Some(if let Some(quoted) = name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
        (!quoted.is_empty() && !quoted.contains('"')).then(|| quoted.to_owned())
    } else {
        let plain = name.starts_with(|c: char| c.is_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '$');
        plain.then(|| name.to_ascii_lowercase())
    })
}

/// What a note can attach to.
#[derive(Debug, Clone)]
enum Target {
    Table(String),
    Column(String, String),
    /// A table constraint, or a statement other than `CREATE TABLE`.
    Other,
}

/// Where the reader is within the statements.
#[derive(Debug)]
enum State {
    /// At the start of a statement.
    Start,
    /// Saw `CREATE` and possibly modifiers (`UNLOGGED`, `TEMP`, `OR REPLACE`, ...).
    Create,
    /// Saw `CREATE ... TABLE [IF NOT EXISTS]`; the name comes next.
    TableName,
    /// In a `CREATE TABLE` statement; `depth` counts open parentheses, `element` is true where
    /// a column or table constraint may start.
    Table { name: String, depth: usize, element: bool },
    /// In any other statement.
    Other,
}

/// Every `-- renamed from:` note of `sql`, or `line: message` for one that is misplaced or
/// unreadable.
pub fn renames(sql: &str) -> Result<Vec<Rename>, String> {
    let mut renames = Vec::new();
    let mut state = State::Start;
    let mut current = Target::Other;
    let mut pending: Option<(usize, String)> = None;
    let misplaced = |line: usize| {
        format!(
            "line {line}: `-- renamed from:` must be on a table or column definition, or on the line just before one"
        )
    };
    let mut attach = |target: &Target, line: usize, from: String| -> Result<(), String> {
        let (table, column) = match target {
            Target::Table(table) => (table.clone(), None),
            Target::Column(table, column) => (table.clone(), Some(column.clone())),
            Target::Other => return Err(misplaced(line)),
        };
        renames.push(Rename { line, table, column, from });
        Ok(())
    };
    let tokens = tokenize(sql);
    for (index, (line, _, token)) in tokens.iter().enumerate() {
        let line = *line;
        let next_is_dot = matches!(tokens.get(index + 1), Some((_, _, Token::Punct('.'))));
        let word = match token {
            Token::Note { from, after_code: true } => {
                attach(&current, line, from.clone())?;
                continue;
            }
            Token::Note { from, after_code: false } => {
                if pending.is_some() {
                    return Err(format!("line {line}: two `-- renamed from:` notes for one definition"));
                }
                pending = Some((line, from.clone()));
                continue;
            }
            Token::BadNote => {
                return Err(format!(
                    "line {line}: `-- renamed from:` must be followed by one name, e.g. `-- renamed from: old_name`"
                ));
            }
            Token::Word { text, quoted } => Some((text.as_str(), *quoted)),
            Token::Punct(_) => None,
        };
        let keyword = word.filter(|(_, quoted)| !quoted).map(|(text, _)| text);
        let punct = match token {
            Token::Punct(c) => Some(*c),
            _ => None,
        };
        // A definition starts here when it is a table's name or a column's first word.
        let mut started: Option<Target> = None;
        state = match state {
            // `current` outlives the `;`, for a note trailing the statement's last line.
            _ if punct == Some(';') => State::Start,
            State::Start => {
                current = Target::Other;
                if keyword == Some("create") { State::Create } else { State::Other }
            }
            State::Create => match keyword {
                Some("table") => State::TableName,
                Some("or" | "replace" | "global" | "local" | "temp" | "temporary" | "unlogged") => {
                    State::Create
                }
                _ => State::Other,
            },
            State::TableName => match (keyword, word) {
                // `public.name`: the schema and its dot come before the name.
                (Some("if" | "not" | "exists"), _) => State::TableName,
                (_, Some(_)) if next_is_dot => State::TableName,
                (_, None) if punct == Some('.') => State::TableName,
                (_, Some((name, _))) => {
                    current = Target::Table(name.to_owned());
                    started = Some(current.clone());
                    State::Table { name: name.to_owned(), depth: 0, element: false }
                }
                _ => State::Other,
            },
            State::Table { name, depth, element } => match (punct, word) {
                (Some('('), _) => State::Table { name, depth: depth + 1, element: depth == 0 },
                (Some(')'), _) => {
                    if depth == 1 {
                        current = Target::Table(name.clone());
                    }
                    State::Table { name, depth: depth.saturating_sub(1), element: false }
                }
                (Some(','), _) => State::Table { element: depth == 1, name, depth },
                (_, Some((text, quoted))) if element => {
                    let constraint = !quoted
                        && matches!(
                            text,
                            "constraint" | "primary" | "unique" | "foreign" | "check" | "exclude" | "like"
                        );
                    current = if constraint {
                        Target::Other
                    } else {
                        Target::Column(name.clone(), text.to_owned())
                    };
                    started = Some(current.clone());
                    State::Table { name, depth, element: false }
                }
                _ => State::Table { name, depth, element: false },
            },
            State::Other => State::Other,
        };
        if let Some((note_line, from)) = pending.take() {
            // The first code after a note on its own line must start what it renames; `CREATE`
            // and modifiers come before the table's name, so wait for that.
            match (&started, &state) {
                (Some(target), _) => attach(target, note_line, from)?,
                (None, State::Create | State::TableName) => pending = Some((note_line, from)),
                (None, _) => return Err(misplaced(note_line)),
            }
        }
    }
    match pending {
        Some((line, _)) => Err(misplaced(line)),
        None => Ok(renames),
    }
}

/// `sql` cut into runs of at most `size` whole statements, each with the index of its first
/// character in `sql` (to place the server's error positions in the file).
///
/// One batch per round trip keeps a large file fast, and several batches keep each implicit
/// transaction small: a thousand tables created in one would exhaust the server's lock table.
/// A `BEGIN ATOMIC ... END` function body is never cut, though it holds semicolons.
pub fn batches(sql: &str, size: usize) -> Vec<(usize, String)> {
    let chars: Vec<char> = sql.chars().collect();
    let mut batches = Vec::new();
    let (mut start, mut statements, mut atomic_depth) = (0, 0, 0usize);
    let mut previous: Option<&str> = None;
    let tokens = tokenize(sql);
    for (_, at, token) in &tokens {
        let word = match token {
            Token::Word { text, quoted: false } => Some(text.as_str()),
            _ => None,
        };
        match word {
            Some("atomic") if previous == Some("begin") => atomic_depth = 1,
            Some("case") if atomic_depth > 0 => atomic_depth += 1,
            Some("end") if atomic_depth > 0 => atomic_depth -= 1,
            _ => {}
        }
        previous = word;
        if *token == Token::Punct(';') && atomic_depth == 0 {
            statements += 1;
            if statements == size {
                batches.push((start, chars[start..=*at].iter().collect()));
                (start, statements) = (at + 1, 0);
            }
        }
    }
    let rest: String = chars[start..].iter().collect();
    if !rest.trim().is_empty() {
        batches.push((start, rest));
    }
    batches
}

/// The 1-based line of the first code at or after character `start` of `sql`: where the
/// statement that starts there begins, past blank lines and comments.
pub fn line_of(sql: &str, start: usize) -> usize {
    let rest: String = sql.chars().skip(start).collect();
    let first = tokenize(&rest).first().map_or(0, |(line, _, _)| *line);
    let before = sql.chars().take(start).filter(|&c| c == '\n').count();
    before + first.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rename(line: usize, table: &str, column: Option<&str>, from: &str) -> Rename {
        Rename { line, table: table.into(), column: column.map(Into::into), from: from.into() }
    }

    #[test]
    fn notes_attach_to_the_definition_they_are_in_or_precede() {
        let sql = "\
-- renamed from: video
CREATE TABLE clip (
    id bigint PRIMARY KEY, -- renamed from: clip_id
    -- renamed from: data
    content bytea NOT NULL
        REFERENCES x (id), -- renamed from: Body
    \"Label\" text -- renamed from: \"Old Label\"
);
CREATE TABLE public.other ( -- renamed from: public.older
    a int CHECK (a > 0)
); -- renamed from: oldest
";
        assert_eq!(
            renames(sql).unwrap(),
            [
                rename(1, "clip", None, "video"),
                rename(3, "clip", Some("id"), "clip_id"),
                rename(4, "clip", Some("content"), "data"),
                rename(6, "clip", Some("content"), "body"),
                rename(7, "clip", Some("Label"), "Old Label"),
                rename(9, "other", None, "older"),
                rename(11, "other", None, "oldest"),
            ]
        );
    }

    #[test]
    fn strings_bodies_and_comments_hide_what_looks_like_notes_or_tables() {
        let sql = "\
CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $body$
    SELECT '-- renamed from: nope'; CREATE TABLE fake (x int)
$body$;
/* CREATE TABLE also_fake ( -- renamed from: no */
CREATE UNLOGGED TABLE IF NOT EXISTS t (
    s text DEFAULT 'it''s ( not, a column',
    e text DEFAULT E'\\' , x int',
    -- a plain comment
    -- renamed from: old_n
    n int
);
COMMENT ON TABLE t IS '-- renamed from: nothing';
";
        assert_eq!(renames(sql).unwrap(), [rename(9, "t", Some("n"), "old_n")]);
    }

    #[test]
    fn misplaced_or_unreadable_notes_are_errors_with_their_line() {
        for (sql, line) in [
            ("CREATE INDEX i ON t (a); -- renamed from: j\n", 1),
            ("CREATE TABLE t (\n  a int,\n  CONSTRAINT c CHECK (a > 0) -- renamed from: d\n);\n", 3),
            ("-- renamed from: x\nCREATE INDEX i ON t (a);\n", 1),
            ("CREATE TABLE t (a int);\n-- renamed from: x\n", 2),
            ("CREATE TABLE t (\n  a int -- renamed from: two words\n);\n", 2),
            ("CREATE TABLE t (\n  -- renamed from: x\n  -- renamed from: y\n  a int\n);\n", 3),
        ] {
            let err = renames(sql).unwrap_err();
            assert!(err.starts_with(&format!("line {line}: ")), "{sql:?}: {err}");
        }
    }

    #[test]
    fn batches_hold_whole_statements_and_know_where_they_start() {
        let sql = "CREATE TABLE a (s text DEFAULT ';');\nCREATE FUNCTION f() RETURNS int LANGUAGE sql\n\
                   BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END;\n-- done; really\nSELECT 3;\n";
        let batches = batches(sql, 1);
        let texts: Vec<&str> = batches.iter().map(|(_, text)| text.trim()).collect();
        assert_eq!(texts.len(), 3, "{texts:#?}");
        assert_eq!(texts[0], "CREATE TABLE a (s text DEFAULT ';');");
        assert!(
            texts[1].starts_with("CREATE FUNCTION") && texts[1].ends_with("SELECT 2; END;"),
            "{texts:#?}"
        );
        assert_eq!(texts[2], "-- done; really\nSELECT 3;");
        for (start, text) in &batches {
            let expected: String = sql.chars().skip(*start).take(text.chars().count()).collect();
            assert_eq!(&expected, text);
        }
        assert_eq!(super::batches(sql, 100).len(), 1);
        assert_eq!(super::batches("SELECT 1", 100), [(0, "SELECT 1".to_owned())]);
    }

    #[test]
    fn files_without_notes_have_no_renames() {
        assert_eq!(renames(include_str!("../../../backend/schema.sql")).unwrap(), []);
    }
}
