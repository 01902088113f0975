//! `backend/schema.sql` as text: its statements, in batches to send, and its
//! `-- renamed from: old_name` notes, the one way to state a rename (autogenerate never guesses).
//!
//! A note belongs to what the line it ends names (a trailing comment), or, on a line of its
//! own, to the definition that starts next: a `CREATE` statement's object (table, view,
//! materialized view, function, type, domain, index, sequence, trigger), a column or a named constraint
//! inside `CREATE TABLE`, an `ALTER TABLE ... ADD CONSTRAINT name`, or an enum value inside
//! `CREATE TYPE ... AS ENUM`:
//!
//! ```sql
//! CREATE TABLE clip ( -- renamed from: video
//!     id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
//!     -- renamed from: data
//!     content bytea NOT NULL
//! );
//! CREATE INDEX clip_by_content ON clip (content); -- renamed from: clip_content_idx
//! CREATE TYPE mood AS ENUM (
//!     'happy', -- renamed from: glad
//!     'sad'
//! );
//! ```
//!
//! Both take a small tokenizer, not a SQL parser: only statement ends, the names `CREATE` and
//! `ALTER TABLE ... ADD CONSTRAINT` statements give, the elements inside `CREATE TABLE`'s
//! parentheses and an enum's values matter, and strings, quoted names, dollar-quoted bodies and
//! comments are read whole so that nothing inside them is mistaken for any of those.

use std::path::Path;

use anyhow::{Context, Result, anyhow};

use crate::lint::lexer;

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
    /// What is renamed, by its new name.
    pub subject: Subject,
    /// The name it had before (an enum value's label, as written).
    pub from: String,
}

/// What a `-- renamed from:` note renames, by its new name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A table.
    Table(String),
    /// A table's column: table, column.
    Column(String, String),
    /// A table's constraint: table, constraint.
    Constraint(String, String),
    /// A view.
    View(String),
    /// A materialized view.
    Materialized(String),
    /// A function or procedure, every overload of the name.
    Function(String),
    /// An enum, composite type or domain.
    Type(String),
    /// An enum's value: type, label.
    EnumValue(String, String),
    /// A table's trigger: table, trigger.
    Trigger(String, String),
    /// An index.
    Index(String),
    /// A sequence.
    Sequence(String),
}

/// What the tokenizer hands the reader.
#[derive(Debug, PartialEq)]
enum Token {
    /// A name or keyword: unquoted ones lower-cased, as PostgreSQL folds them.
    Word { text: String, quoted: bool },
    /// A string literal's value.
    Str(String),
    /// One of `( ) , ; .`, or any other character that ends a word.
    Punct(char),
    /// A `-- renamed from: X` comment, X as written; `after_code` when code precedes it on its
    /// line.
    Note { from: String, after_code: bool },
}
/// A token with its 1-based line and the index of its first character.
type Spanned = (usize, usize, Token);

/// `sql`'s tokens as the reader wants them, through the shared [`lexer`]: rename notes kept
/// (other comments dropped), dollar-quoted bodies and numbers dropped.
fn tokenize(sql: &str) -> Vec<Spanned> {
    lexer::tokens(sql)
        .into_iter()
        .filter_map(|lexer::Token { kind, line, at, after_code }| {
            let token = match kind {
                lexer::Kind::Comment(text) => Token::Note { from: note(&text[2..])?, after_code },
                lexer::Kind::Word { text, quoted } => Token::Word { text, quoted },
                lexer::Kind::Text(text) => Token::Str(text),
                lexer::Kind::Punct(c) => Token::Punct(c),
                lexer::Kind::Body(_) | lexer::Kind::Number(_) => return None,
            };
            Some((line, at, token))
        })
        .collect()
}

/// For a comment's text: the name after `renamed from:` as written, or `None` if the comment is
/// not a rename note.
fn note(comment: &str) -> Option<String> {
    let text = comment.trim();
    let prefix = "renamed from:";
    let start = text.get(..prefix.len())?;
    start.eq_ignore_ascii_case(prefix).then(|| text[prefix.len()..].trim().to_owned())
}

/// The old name a note gives, as the catalogs spell it: a name folded as PostgreSQL folds it
/// (`public.` dropped), or, for an enum value, its label (`'Label'`, or a bare word as written).
fn old_name(written: &str, subject: &Subject) -> Option<String> {
    if let Subject::EnumValue(..) = subject {
        return match written.strip_prefix('\'').and_then(|n| n.strip_suffix('\'')) {
            Some(quoted) => (!quoted.is_empty()).then(|| quoted.replace("''", "'")),
            None => {
                (!written.is_empty() && !written.contains(char::is_whitespace)).then(|| written.to_owned())
            }
        };
    }
    let name = written.strip_prefix("public.").unwrap_or(written);
    if let Some(quoted) = name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
        return (!quoted.is_empty() && !quoted.contains('"')).then(|| quoted.to_owned());
    }
    let plain = name.starts_with(|c: char| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '$');
    plain.then(|| name.to_ascii_lowercase())
}

/// The kinds of object a `CREATE` statement names, besides tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Table,
    View,
    Materialized,
    Function,
    Type,
    Index,
    Sequence,
    Trigger,
}

impl Kind {
    fn subject(self, name: &str) -> Subject {
        let name = name.to_owned();
        match self {
            Kind::Table => Subject::Table(name),
            Kind::View => Subject::View(name),
            Kind::Materialized => Subject::Materialized(name),
            Kind::Function => Subject::Function(name),
            Kind::Type => Subject::Type(name),
            Kind::Index => Subject::Index(name),
            Kind::Sequence => Subject::Sequence(name),
            // A trigger is named with its table, which comes later: see `State::Trigger`.
            Kind::Trigger => Subject::Trigger(String::new(), name),
        }
    }
}

/// Where the reader is within the statements.
#[derive(Debug)]
enum State {
    /// At the start of a statement.
    Start,
    /// Saw `CREATE` and possibly modifiers (`UNLOGGED`, `OR REPLACE`, `UNIQUE`, ...).
    Create,
    /// Saw `CREATE ... <kind> [IF NOT EXISTS]`; the name comes next.
    Name(Kind),
    /// In a `CREATE TABLE` statement; `depth` counts open parentheses, `element` is true where
    /// a column or table constraint may start, `naming` right after `CONSTRAINT`.
    Table { name: String, depth: usize, element: bool, naming: bool },
    /// After `CREATE TYPE name`: `AS ENUM (` opens its values; `line` is the name's.
    Type { name: String, line: usize, is_enum: bool },
    /// Among an enum's values.
    Enum { name: String, line: usize },
    /// After `CREATE TRIGGER name` (on `line`): `ON table` names what the trigger is on.
    Trigger { name: String, line: usize, on: bool },
    /// Saw `ALTER`.
    Alter,
    /// Saw `ALTER TABLE [IF EXISTS] [ONLY]`; the name comes next.
    AlterName,
    /// In `ALTER TABLE name ...`; `after` is the last keyword, to see `ADD CONSTRAINT name`.
    Altered { table: String, after: Option<String> },
    /// In any other statement.
    Other,
}

impl State {
    /// Whether the statement may still come to a name a waiting note is for.
    fn before_name(&self) -> bool {
        matches!(
            self,
            State::Create
                | State::Name(_)
                | State::Alter
                | State::AlterName
                | State::Altered { .. }
                | State::Table { naming: true, .. }
                | State::Trigger { .. }
        )
    }
}

/// What a trailing note on a line would rename, and the only line it may be on (`None`: any
/// line until the next definition starts, as for a table's or a column's).
type Current = Option<(Subject, Option<usize>)>;

/// Every `-- renamed from:` note of `sql`, or `line: message` for one that is misplaced or
/// unreadable. A note trails the line that names what it renames, or stands on the line just
/// before it: a `CREATE` statement's (table, view, materialized view, function, type, domain,
/// index, sequence), a column's or a constraint's inside `CREATE TABLE`, `ALTER TABLE ... ADD
/// CONSTRAINT name`'s, or an enum value's inside `CREATE TYPE ... AS ENUM`. A table's note may
/// also trail its closing line, as before.
pub fn renames(sql: &str) -> Result<Vec<Rename>, String> {
    let mut renames = Vec::new();
    let mut state = State::Start;
    let mut current: Current = None;
    let mut pending: Option<(usize, String)> = None;
    let misplaced = |line: usize| {
        format!(
            "line {line}: `-- renamed from:` must be on the line that names what it renames (a CREATE \
             statement, a column, a named constraint, an enum value), or on the line just before it"
        )
    };
    let mut attach = |subject: &Subject, line: usize, written: &str| -> Result<(), String> {
        let Some(from) = old_name(written, subject) else {
            return Err(format!(
                "line {line}: `-- renamed from:` must be followed by one name, e.g. `-- renamed from: old_name`"
            ));
        };
        renames.push(Rename { line, subject: subject.clone(), from });
        Ok(())
    };
    let tokens = tokenize(sql);
    for (index, (line, _, token)) in tokens.iter().enumerate() {
        let line = *line;
        let next_is_dot = matches!(tokens.get(index + 1), Some((_, _, Token::Punct('.'))));
        let word = match token {
            Token::Note { from, after_code: true } => {
                match &current {
                    Some((subject, bound)) if bound.is_none_or(|l| l == line) => attach(subject, line, from)?,
                    _ => return Err(misplaced(line)),
                }
                continue;
            }
            Token::Note { from, after_code: false } => {
                if pending.is_some() {
                    return Err(format!("line {line}: two `-- renamed from:` notes for one definition"));
                }
                pending = Some((line, from.clone()));
                continue;
            }
            Token::Word { text, quoted } => Some((text.as_str(), *quoted)),
            Token::Punct(_) | Token::Str(_) => None,
        };
        let keyword = word.filter(|(_, quoted)| !quoted).map(|(text, _)| text);
        let punct = match token {
            Token::Punct(c) => Some(*c),
            _ => None,
        };
        // A definition starts here when it is an object's name, a column's first word, a
        // constraint's name or an enum value.
        let mut started: Option<Subject> = None;
        let mut start = |subject: Subject, bound: Option<usize>, current: &mut Current| {
            started = Some(subject.clone());
            *current = Some((subject, bound));
        };
        state = match state {
            // `current` outlives the `;`, for a note trailing the statement's last line.
            _ if punct == Some(';') => State::Start,
            State::Start => {
                current = None;
                match keyword {
                    Some("create") => State::Create,
                    Some("alter") => State::Alter,
                    _ => State::Other,
                }
            }
            State::Create => match keyword {
                Some("table") => State::Name(Kind::Table),
                Some("view") => State::Name(Kind::View),
                Some("materialized") => State::Name(Kind::Materialized),
                Some("function" | "procedure") => State::Name(Kind::Function),
                Some("type" | "domain") => State::Name(Kind::Type),
                Some("index") => State::Name(Kind::Index),
                Some("sequence") => State::Name(Kind::Sequence),
                Some("trigger") => State::Name(Kind::Trigger),
                Some(
                    "or" | "replace" | "global" | "local" | "temp" | "temporary" | "unlogged" | "unique"
                    | "recursive" | "constraint",
                ) => State::Create,
                _ => State::Other,
            },
            State::Name(kind) => match (keyword, word) {
                // `public.name`: the schema and its dot come before the name.
                (Some("if" | "not" | "exists"), _) => State::Name(kind),
                (Some("concurrently"), _) if kind == Kind::Index => State::Name(kind),
                (Some("view"), _) if kind == Kind::Materialized => State::Name(kind),
                // `CREATE INDEX ON t`: no name to rename.
                (Some("on"), _) if kind == Kind::Index => State::Other,
                (_, Some(_)) if next_is_dot => State::Name(kind),
                (_, None) if punct == Some('.') => State::Name(kind),
                (_, Some((name, _))) => {
                    let name = name.to_owned();
                    match kind {
                        Kind::Table => {
                            start(kind.subject(&name), None, &mut current);
                            State::Table { name, depth: 0, element: false, naming: false }
                        }
                        Kind::Type => {
                            start(kind.subject(&name), Some(line), &mut current);
                            State::Type { name, line, is_enum: false }
                        }
                        Kind::Trigger => State::Trigger { name, line, on: false },
                        _ => {
                            start(kind.subject(&name), Some(line), &mut current);
                            State::Other
                        }
                    }
                }
                _ => State::Other,
            },
            State::Table { name, depth, element, naming } => match (punct, word) {
                (Some('('), _) => State::Table { name, depth: depth + 1, element: depth == 0, naming: false },
                (Some(')'), _) => {
                    if depth == 1 {
                        current = Some((Subject::Table(name.clone()), None));
                    }
                    State::Table { name, depth: depth.saturating_sub(1), element: false, naming: false }
                }
                (Some(','), _) => State::Table { element: depth == 1, name, depth, naming: false },
                (_, Some((text, _))) if naming => {
                    start(Subject::Constraint(name.clone(), text.to_owned()), None, &mut current);
                    State::Table { name, depth, element: false, naming: false }
                }
                (_, Some((text, quoted))) if element => {
                    let constraint = !quoted
                        && matches!(text, "primary" | "unique" | "foreign" | "check" | "exclude" | "like");
                    let naming = !quoted && text == "constraint";
                    if constraint || naming {
                        current = None;
                    } else {
                        start(Subject::Column(name.clone(), text.to_owned()), None, &mut current);
                    }
                    State::Table { name, depth, element: false, naming }
                }
                _ => State::Table { name, depth, element: false, naming: false },
            },
            State::Type { name, line: name_line, is_enum } => match (keyword, punct) {
                (Some("as"), _) => State::Type { name, line: name_line, is_enum },
                (Some("enum"), _) => State::Type { name, line: name_line, is_enum: true },
                (_, Some('(')) if is_enum => State::Enum { name, line: name_line },
                _ => State::Other,
            },
            State::Enum { name, line: name_line } => match (token, punct) {
                (Token::Str(label), _) => {
                    start(Subject::EnumValue(name.clone(), label.clone()), None, &mut current);
                    State::Enum { name, line: name_line }
                }
                (_, Some(')')) => {
                    // A note on `);` is about the type only when that is also its name's line.
                    current = Some((Subject::Type(name), Some(name_line)));
                    State::Other
                }
                _ => State::Enum { name, line: name_line },
            },
            State::Trigger { name, line: name_line, on } => match (keyword, word) {
                (Some("on"), _) if !on => State::Trigger { name, line: name_line, on: true },
                (_, Some(_)) if on && next_is_dot => State::Trigger { name, line: name_line, on },
                (_, None) if on && punct == Some('.') => State::Trigger { name, line: name_line, on },
                (_, Some((table, _))) if on => {
                    start(Subject::Trigger(table.to_owned(), name), Some(name_line), &mut current);
                    State::Other
                }
                _ => State::Trigger { name, line: name_line, on },
            },
            State::Alter => match keyword {
                Some("table") => State::AlterName,
                _ => State::Other,
            },
            State::AlterName => match (keyword, word) {
                (Some("if" | "exists" | "only"), _) => State::AlterName,
                (_, Some(_)) if next_is_dot => State::AlterName,
                (_, None) if punct == Some('.') => State::AlterName,
                (_, Some((name, _))) => State::Altered { table: name.to_owned(), after: None },
                _ => State::Other,
            },
            State::Altered { table, after } => match (after.as_deref(), keyword, word) {
                (Some("constraint"), _, Some((name, _))) => {
                    start(Subject::Constraint(table.clone(), name.to_owned()), Some(line), &mut current);
                    State::Altered { table, after: None }
                }
                (Some("add"), Some("constraint"), _) => {
                    State::Altered { table, after: Some("constraint".into()) }
                }
                (_, Some("add"), _) => State::Altered { table, after: Some("add".into()) },
                _ => State::Altered { table, after: None },
            },
            State::Other => State::Other,
        };
        if let Some((note_line, from)) = pending.take() {
            // The first code after a note on its own line must start what it renames; `CREATE`
            // and modifiers come before the name, so wait for that.
            match &started {
                Some(subject) => attach(subject, note_line, &from)?,
                None if state.before_name() => pending = Some((note_line, from)),
                None => return Err(misplaced(note_line)),
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
        let subject = match column {
            Some(column) => Subject::Column(table.into(), column.into()),
            None => Subject::Table(table.into()),
        };
        Rename { line, subject, from: from.into() }
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
            ("CREATE INDEX ON t (a); -- renamed from: j\n", 1),
            ("CREATE TABLE t (\n  a int,\n  CHECK (a > 0) -- renamed from: d\n);\n", 3),
            ("-- renamed from: x\nCOMMENT ON TABLE t IS 'x';\n", 1),
            ("CREATE VIEW v AS\n  SELECT 1 -- renamed from: w\n;\n", 2),
            ("-- renamed from: x\nALTER TABLE t ADD COLUMN a int;\n", 1),
            ("CREATE TYPE e AS ENUM (\n  'a'\n); -- renamed from: f\n", 3),
            ("CREATE TYPE e AS ENUM ('a', -- renamed from: two words\n  'b');\n", 1),
            ("CREATE TRIGGER g -- renamed from: h\n  BEFORE UPDATE ON t EXECUTE FUNCTION f();\n", 1),
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
    fn notes_rename_every_kind_of_named_object() {
        let sql = "\
CREATE OR REPLACE VIEW public.v2 AS SELECT 1; -- renamed from: v1
-- renamed from: m1
CREATE MATERIALIZED VIEW IF NOT EXISTS m2 AS SELECT 1;
CREATE FUNCTION f2(a int) RETURNS int -- renamed from: f1
    LANGUAGE sql AS $$ SELECT a $$;
CREATE UNIQUE INDEX CONCURRENTLY i2 ON t (a); -- renamed from: i1
CREATE SEQUENCE s2; -- renamed from: s1
CREATE DOMAIN d2 AS int; -- renamed from: d1
CREATE TYPE mood AS ENUM ( -- renamed from: feeling
    'red', -- renamed from: crimson
    -- renamed from: 'It''s'
    'It''s',
    'blue' -- renamed from: Azure
);
CREATE TYPE pair AS ENUM ('a', 'b'); -- renamed from: couple
CREATE TABLE t (
    a int,
    CONSTRAINT t_a_positive CHECK (a > 0), -- renamed from: t_a_check
    -- renamed from: t_key
    CONSTRAINT t_a_key UNIQUE (a)
);
ALTER TABLE ONLY public.t
    ADD CONSTRAINT t_fk FOREIGN KEY (a) REFERENCES u (id); -- renamed from: t_a_fkey
-- renamed from: t_b_check
ALTER TABLE t ADD CONSTRAINT t_b_positive CHECK (a > 1);
CREATE TRIGGER t_touch BEFORE UPDATE ON public.t FOR EACH ROW EXECUTE FUNCTION f2(); -- renamed from: touch
-- renamed from: t_check
CREATE CONSTRAINT TRIGGER t_checked
    AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f2();
";
        let found: Vec<(usize, Subject, String)> =
            renames(sql).unwrap().into_iter().map(|r| (r.line, r.subject, r.from)).collect();
        let s = |text: &str| text.to_owned();
        let expected = [
            (1, Subject::View(s("v2")), "v1"),
            (2, Subject::Materialized(s("m2")), "m1"),
            (4, Subject::Function(s("f2")), "f1"),
            (6, Subject::Index(s("i2")), "i1"),
            (7, Subject::Sequence(s("s2")), "s1"),
            (8, Subject::Type(s("d2")), "d1"),
            (9, Subject::Type(s("mood")), "feeling"),
            (10, Subject::EnumValue(s("mood"), s("red")), "crimson"),
            (11, Subject::EnumValue(s("mood"), s("It's")), "It's"),
            (13, Subject::EnumValue(s("mood"), s("blue")), "Azure"),
            (15, Subject::Type(s("pair")), "couple"),
            (18, Subject::Constraint(s("t"), s("t_a_positive")), "t_a_check"),
            (19, Subject::Constraint(s("t"), s("t_a_key")), "t_key"),
            (23, Subject::Constraint(s("t"), s("t_fk")), "t_a_fkey"),
            (24, Subject::Constraint(s("t"), s("t_b_positive")), "t_b_check"),
            (26, Subject::Trigger(s("t"), s("t_touch")), "touch"),
            (27, Subject::Trigger(s("t"), s("t_checked")), "t_check"),
        ];
        let expected: Vec<(usize, Subject, String)> =
            expected.into_iter().map(|(line, subject, from)| (line, subject, s(from))).collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn files_without_notes_have_no_renames() {
        assert_eq!(renames(include_str!("../../../backend/schema.sql")).unwrap(), []);
    }
}
