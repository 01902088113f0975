//! SQL as PostgreSQL reads it, one token at a time: enough to split statements and find
//! keywords and names outside strings, comments and dollar-quoted bodies. Not a parser. The
//! migration lint's [`statements`](super::statements) and the declared schema's reader
//! (`schema::declared`) both read SQL through it.

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A keyword or an identifier: unquoted ones lower-cased, as PostgreSQL folds them.
    Word {
        /// The name.
        text: String,
        /// Written in double quotes (so not a keyword, and not folded).
        quoted: bool,
    },
    /// A string literal's value (`'…'`, or `E'…'` with backslash escapes).
    Text(String),
    /// A dollar-quoted body (`$$…$$`, `$fn$…$fn$`), without its tags.
    Body(String),
    /// A number.
    Number(String),
    /// One character of punctuation or an operator, `;` included.
    Punct(char),
    /// A `--` comment, dashes included, to the end of its line. Block comments are dropped.
    Comment(String),
}

/// One token and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: Kind,
    /// Its 1-based line.
    pub line: usize,
    /// The index of its first character in the text.
    pub at: usize,
    /// Whether code (anything but a comment) precedes it on its line.
    pub after_code: bool,
}

/// The tokens of `sql`, in order, without whitespace and block comments.
pub fn tokens(sql: &str) -> Vec<Token> {
    let chars: Vec<char> = sql.chars().collect();
    let mut tokens = Vec::new();
    let (mut i, mut line, mut code_on_line) = (0, 1, false);
    while i < chars.len() {
        let (c, next) = (chars[i], chars.get(i + 1).copied());
        let (kind, end) = match c {
            '\n' => {
                (line, code_on_line) = (line + 1, false);
                i += 1;
                continue;
            }
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '/' if next == Some('*') => {
                let end = block_comment_end(&chars, i);
                line += newlines(&chars[i..end]);
                i = end;
                continue;
            }
            '-' if next == Some('-') => {
                let end = chars[i..].iter().position(|&c| c == '\n').map_or(chars.len(), |p| i + p);
                (Kind::Comment(chars[i..end].iter().collect()), end)
            }
            '\'' => quoted(&chars, i, '\'', false),
            'e' | 'E'
                if next == Some('\'') && !chars.get(i.wrapping_sub(1)).is_some_and(|&p| word_char(p)) =>
            {
                quoted(&chars, i + 1, '\'', true)
            }
            '"' => quoted(&chars, i, '"', false),
            '$' if dollar_tag(&chars, i).is_some() => {
                let tag = dollar_tag(&chars, i).expect("just checked");
                let body = i + tag.len();
                let close = (body..chars.len()).find(|&j| chars[j..].starts_with(&tag));
                let text: String = chars[body..close.unwrap_or(chars.len())].iter().collect();
                (Kind::Body(text), close.map_or(chars.len(), |j| j + tag.len()))
            }
            c if c.is_alphabetic() || c == '_' => {
                let end = chars[i..].iter().position(|&c| !word_char(c)).map_or(chars.len(), |p| i + p);
                let text = chars[i..end].iter().collect::<String>().to_ascii_lowercase();
                (Kind::Word { text, quoted: false }, end)
            }
            c if c.is_ascii_digit() => {
                let end = chars[i..]
                    .iter()
                    .position(|&c| !(c.is_ascii_digit() || c == '.'))
                    .map_or(chars.len(), |p| i + p);
                (Kind::Number(chars[i..end].iter().collect()), end)
            }
            c => (Kind::Punct(c), i + 1),
        };
        let comment = matches!(kind, Kind::Comment(_));
        tokens.push(Token { kind, line, at: i, after_code: code_on_line });
        code_on_line |= !comment;
        line += newlines(&chars[i..end]);
        i = end;
    }
    tokens
}

fn word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

fn newlines(chars: &[char]) -> usize {
    chars.iter().filter(|&&c| c == '\n').count()
}

/// A string (`'`) or quoted identifier (`"`) opening at `open`: its value and where it ends.
/// A doubled quote stands for itself; with `escapes` (`E'…'`) a backslash escapes the next
/// character.
fn quoted(chars: &[char], open: usize, quote: char, escapes: bool) -> (Kind, usize) {
    let (mut j, mut text) = (open + 1, String::new());
    while j < chars.len() {
        match chars[j] {
            '\\' if escapes => {
                text.extend(chars.get(j + 1));
                j += 2;
            }
            c if c == quote && chars.get(j + 1) == Some(&quote) => {
                text.push(quote);
                j += 2;
            }
            c if c == quote => break,
            c => {
                text.push(c);
                j += 1;
            }
        }
    }
    let end = (j + 1).min(chars.len());
    let kind = if quote == '"' { Kind::Word { text, quoted: true } } else { Kind::Text(text) };
    (kind, end)
}

/// Where the block comment opening at `open` ends (they nest in PostgreSQL).
fn block_comment_end(chars: &[char], open: usize) -> usize {
    let (mut depth, mut j) = (0usize, open);
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
    j.min(chars.len())
}

/// `$tag$` (or `$$`) starting at `i`, as characters.
fn dollar_tag(chars: &[char], i: usize) -> Option<Vec<char>> {
    let end = chars[i + 1..].iter().position(|&c| !(c.is_alphanumeric() || c == '_'))? + i + 1;
    (chars.get(end) == Some(&'$') && !chars.get(i + 1).is_some_and(char::is_ascii_digit))
        .then(|| chars[i..=end].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<Kind> {
        tokens(sql).into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn strings_bodies_and_comments_are_single_tokens() {
        let word = |text: &str| Kind::Word { text: text.to_owned(), quoted: false };
        assert_eq!(
            kinds("SELECT 'a;''b', E'c\\'d', \"Mixed\"\"Q\", $f$x;y$f$ /* a /* nested */ c */ 1.5; -- end"),
            [
                word("select"),
                Kind::Text("a;'b".into()),
                Kind::Punct(','),
                Kind::Text("c'd".into()),
                Kind::Punct(','),
                Kind::Word { text: "Mixed\"Q".into(), quoted: true },
                Kind::Punct(','),
                Kind::Body("x;y".into()),
                Kind::Number("1.5".into()),
                Kind::Punct(';'),
                Kind::Comment("-- end".into()),
            ]
        );
        // `type'…'` is no escape string: only a lone `E` before the quote is.
        assert_eq!(kinds("note'x'")[0], word("note"));
    }

    #[test]
    fn tokens_know_their_line_position_and_whether_code_precedes_them() {
        let all = tokens("-- top\nCREATE TABLE t ( -- trailing\n  'multi\nline' x\n);");
        let at: Vec<(usize, usize, bool)> = all.iter().map(|t| (t.line, t.at, t.after_code)).collect();
        assert_eq!(at[0], (1, 0, false), "{all:#?}");
        assert_eq!(at[5], (2, 24, true), "the trailing comment: {all:#?}");
        assert_eq!(all[6].kind, Kind::Text("multi\nline".into()));
        assert_eq!((all[7].line, all[8].line), (4, 5), "lines counted inside the string: {all:#?}");
    }
}
