//! A migration file as statements: each with its first line, the comments just above it, and its
//! words, read through the shared [`lexer`]. This is not a SQL parser: it knows quotes, comments
//! and dollar quoting well enough to split a file and to find keywords outside strings, which is
//! what the rules need.

use super::lexer::{self, Kind};

/// One token of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// A keyword or an identifier, lower-cased unless it was double-quoted.
    Word(String),
    /// A string literal's contents (`'…'` or `$$…$$`).
    Text(String),
    /// A number.
    Number(String),
    /// Punctuation or an operator, one character.
    Punct(char),
}

/// One statement of a file.
#[derive(Debug, Clone)]
pub struct Statement {
    /// The line (1-based) where it starts.
    pub line: usize,
    /// Its tokens, without comments.
    pub tokens: Vec<Token>,
    /// The comment lines between the previous statement and this one.
    pub comments_above: Vec<String>,
}

impl Statement {
    /// Its words, lower-cased, as one string with single spaces (strings become `'…'`), for
    /// matching phrases like `add constraint`.
    pub fn words(&self) -> String {
        let mut out = String::new();
        for token in &self.tokens {
            if !out.is_empty() {
                out.push(' ');
            }
            match token {
                Token::Word(w) | Token::Number(w) => out.push_str(w),
                Token::Text(_) => out.push_str("'…'"),
                Token::Punct(c) => out.push(*c),
            }
        }
        out
    }

    /// The word at `index`, if that token is a word.
    pub fn word(&self, index: usize) -> Option<&str> {
        match self.tokens.get(index) {
            Some(Token::Word(w)) => Some(w),
            _ => None,
        }
    }

    /// Where the word sequence `phrase` (space-separated) starts, if anywhere.
    pub fn find(&self, phrase: &str) -> Option<usize> {
        let wanted: Vec<&str> = phrase.split(' ').collect();
        (0..self.tokens.len()).find(|&i| wanted.iter().enumerate().all(|(k, w)| self.word(i + k) == Some(w)))
    }

    /// Whether the statement holds the word sequence `phrase`.
    pub fn has(&self, phrase: &str) -> bool {
        self.find(phrase).is_some()
    }

    /// Whether it starts with the word sequence `phrase`.
    pub fn starts(&self, phrase: &str) -> bool {
        self.find(phrase) == Some(0)
    }

    /// The (possibly schema-qualified) name starting at token `index`, without `public.`, and
    /// the index after it.
    pub fn name_at(&self, index: usize) -> Option<(String, usize)> {
        let mut name = self.word(index)?.to_owned();
        let mut next = index + 1;
        while self.tokens.get(next) == Some(&Token::Punct('.')) {
            let part = self.word(next + 1)?;
            name = if name == "public" { part.to_owned() } else { format!("{name}.{part}") };
            next += 2;
        }
        Some((name, next))
    }

    /// The name after the phrase `phrase`, skipping `if exists`, `if not exists` and `only`.
    pub fn name_after(&self, phrase: &str) -> Option<String> {
        let mut at = self.find(phrase)? + phrase.split(' ').count();
        for skip in [&["if", "not", "exists"][..], &["if", "exists"], &["only"], &["concurrently"]] {
            if skip.iter().enumerate().all(|(k, w)| self.word(at + k) == Some(w)) {
                at += skip.len();
            }
        }
        self.name_at(at).map(|(name, _)| name)
    }
}

/// Splits `sql` into statements.
pub fn split(sql: &str) -> Vec<Statement> {
    let mut statements = Vec::new();
    let mut current = Statement { line: 0, tokens: Vec::new(), comments_above: Vec::new() };
    let mut comments: Vec<String> = Vec::new();
    for lexer::Token { kind, line, .. } in lexer::tokens(sql) {
        let token = match kind {
            Kind::Comment(text) => {
                if current.tokens.is_empty() {
                    comments.push(text.trim().to_owned());
                }
                continue;
            }
            Kind::Punct(';') => {
                if !current.tokens.is_empty() {
                    statements.push(std::mem::replace(
                        &mut current,
                        Statement { line: 0, tokens: Vec::new(), comments_above: Vec::new() },
                    ));
                }
                comments.clear();
                continue;
            }
            Kind::Word { text, .. } => Token::Word(text),
            Kind::Text(text) | Kind::Body(text) => Token::Text(text),
            Kind::Number(text) => Token::Number(text),
            Kind::Punct(c) => Token::Punct(c),
        };
        if current.tokens.is_empty() {
            current.line = line;
            current.comments_above = std::mem::take(&mut comments);
        }
        current.tokens.push(token);
    }
    if !current.tokens.is_empty() {
        statements.push(current);
    }
    statements
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_with_lines_comments_and_quotes() {
        let sql = "-- no-transaction\n\n-- lint: allow drop-table\nDROP TABLE \"Old\";\nINSERT INTO t VALUES ('a;b', $$x;\ny$$);\n/* c; */ UPDATE public.t\n  SET a = 1;";
        let statements = split(sql);
        assert_eq!(statements.len(), 3);
        assert_eq!(statements[0].line, 4);
        assert_eq!(statements[0].comments_above, ["-- no-transaction", "-- lint: allow drop-table"]);
        assert_eq!(statements[0].name_after("drop table"), Some("Old".to_owned()));
        assert_eq!(statements[1].line, 5);
        assert_eq!(statements[2].line, 7);
        assert_eq!(statements[2].name_at(1).unwrap().0, "t");
        assert!(statements[2].starts("update") && !statements[2].has("where"));
    }
}
