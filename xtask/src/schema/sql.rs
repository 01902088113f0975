//! Small pieces of SQL text: identifiers, literals, sequence parameters, and which type changes
//! are safe.

use super::SequenceOptions;

/// PostgreSQL 15's keywords that are not `unreserved` (`pg_get_keywords()` with `catcode <> 'U'`):
/// the ones an identifier must be quoted to use. Sorted, for binary search.
const KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

/// `name` as an identifier, quoted only when needed: the rule of PostgreSQL's `quote_ident`, so
/// names read the same here as in the server's own definitions.
pub fn ident(name: &str) -> String {
    let plain = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain && KEYWORDS.binary_search(&name).is_err() {
        name.to_owned()
    } else {
        crate::pg::quote_ident(name)
    }
}

/// `text` as a string literal (`standard_conforming_strings`, on since PostgreSQL 9.1).
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A comment's value: a literal, or `NULL` to remove it.
pub fn comment_value(comment: Option<&str>) -> String {
    comment.map_or_else(|| "NULL".to_owned(), literal)
}

/// The smallest and largest values of a sequence type.
fn bounds(data_type: &str) -> (i64, i64) {
    match data_type {
        "smallint" => (i16::MIN.into(), i16::MAX.into()),
        "integer" => (i32::MIN.into(), i32::MAX.into()),
        _ => (i64::MIN, i64::MAX),
    }
}

/// Sequence parameters that differ from what PostgreSQL would choose on its own, as
/// `INCREMENT BY 2 START WITH 10`; empty when all are the defaults. `AS type` is left out: for an
/// identity it is the column's type, for a sequence [`sequence_type`] adds it.
pub fn sequence_options(options: &SequenceOptions) -> String {
    let (type_min, type_max) = bounds(&options.data_type);
    let ascending = options.increment > 0;
    let (min, max) = if ascending { (1, type_max) } else { (type_min, -1) };
    let start = if ascending { options.min } else { options.max };
    let mut parts = Vec::new();
    if options.increment != 1 {
        parts.push(format!("INCREMENT BY {}", options.increment));
    }
    if options.min != min {
        parts.push(format!("MINVALUE {}", options.min));
    }
    if options.max != max {
        parts.push(format!("MAXVALUE {}", options.max));
    }
    if options.start != start {
        parts.push(format!("START WITH {}", options.start));
    }
    if options.cache != 1 {
        parts.push(format!("CACHE {}", options.cache));
    }
    if options.cycle {
        parts.push("CYCLE".to_owned());
    }
    parts.join(" ")
}

/// Every sequence parameter, each with `prefix` (`SET ` for an identity column), for an ALTER
/// that must leave nothing to PostgreSQL's defaults.
pub fn all_sequence_options(options: &SequenceOptions, prefix: &str) -> String {
    let cycle = if options.cycle { "CYCLE" } else { "NO CYCLE" };
    format!(
        "{prefix}INCREMENT BY {} {prefix}MINVALUE {} {prefix}MAXVALUE {} {prefix}START WITH {} {prefix}CACHE {} {prefix}{cycle}",
        options.increment, options.min, options.max, options.start, options.cache
    )
}

/// ` AS type` for a sequence that is not `bigint`, the default.
pub fn sequence_type(options: &SequenceOptions) -> String {
    if options.data_type == "bigint" { String::new() } else { format!(" AS {}", options.data_type) }
}

/// Splits `format_type` output into the type without modifiers and the modifiers:
/// `timestamp(3) with time zone` gives (`timestamp with time zone`, [3]).
fn split_modifiers(data_type: &str) -> (String, Vec<i64>) {
    match (data_type.find('('), data_type.find(')')) {
        (Some(open), Some(close)) if open < close => {
            let base = format!("{}{}", &data_type[..open], &data_type[close + 1..]);
            let modifiers =
                data_type[open + 1..close].split(',').filter_map(|m| m.trim().parse().ok()).collect();
            (base, modifiers)
        }
        _ => (data_type.to_owned(), Vec::new()),
    }
}

/// Whether two types differ only in their modifiers (length, precision), so that PostgreSQL
/// converts between them without a `USING` expression.
pub fn same_base(a: &str, b: &str) -> bool {
    split_modifiers(a).0 == split_modifiers(b).0
}

/// Whether changing a column from `from` to `to` keeps every value exactly. Only well-known
/// widenings qualify; anything else is reported as a change that may lose data.
pub fn widens(from: &str, to: &str) -> bool {
    if from == to {
        return true;
    }
    if let (Some(from), Some(to)) = (from.strip_suffix("[]"), to.strip_suffix("[]")) {
        return widens(from, to);
    }
    let (from_base, from_mods) = split_modifiers(from);
    let (to_base, to_mods) = split_modifiers(to);
    const INTEGERS: [&str; 3] = ["smallint", "integer", "bigint"];
    let rank = |t: &str| INTEGERS.iter().position(|&i| i == t);
    if from_base == to_base {
        return match (from_mods.as_slice(), to_mods.as_slice()) {
            // Without a modifier `character` and `bit` mean length 1, not unlimited.
            (_, []) => !matches!(to_base.as_str(), "character" | "bit"),
            ([from_len], [to_len]) => to_len >= from_len,
            // numeric(p, s): both the scale and the digits before the point must not shrink.
            ([p, s], [to_p, to_s]) => to_s >= s && to_p - to_s >= p - s,
            _ => false,
        };
    }
    match (from_base.as_str(), to_base.as_str()) {
        ("character varying" | "character", "text") => true,
        ("text", "character varying") => to_mods.is_empty(),
        ("real", "double precision") => true,
        (f, "numeric") if rank(f).is_some() => to_mods.is_empty(),
        (f, t) => matches!((rank(f), rank(t)), (Some(a), Some(b)) if a < b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_sorted_so_binary_search_works() {
        assert!(KEYWORDS.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn identifiers_are_quoted_only_when_needed() {
        assert_eq!(ident("user_account"), "user_account");
        assert_eq!(ident("action"), "action", "unreserved keywords need no quotes");
        assert_eq!(ident("user"), "\"user\"");
        assert_eq!(ident("Clip"), "\"Clip\"");
        assert_eq!(ident("2fast"), "\"2fast\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(literal("it's"), "'it''s'");
        assert_eq!(comment_value(None), "NULL");
    }

    fn options(data_type: &str, start: i64, increment: i64, min: i64, max: i64) -> SequenceOptions {
        SequenceOptions { data_type: data_type.into(), start, increment, min, max, cache: 1, cycle: false }
    }

    #[test]
    fn only_non_default_sequence_options_are_written() {
        assert_eq!(sequence_options(&options("bigint", 1, 1, 1, i64::MAX)), "");
        assert_eq!(sequence_options(&options("integer", 1, 1, 1, i32::MAX.into())), "");
        assert_eq!(
            sequence_options(&options("integer", 10, 5, 1, i32::MAX.into())),
            "INCREMENT BY 5 START WITH 10"
        );
        assert_eq!(sequence_options(&options("smallint", -1, -1, i16::MIN.into(), -1)), "INCREMENT BY -1");
        assert_eq!(sequence_options(&options("bigint", 5, 1, 5, 100)), "MINVALUE 5 MAXVALUE 100");
        assert_eq!(sequence_type(&options("integer", 1, 1, 1, 2)), " AS integer");
        assert_eq!(sequence_type(&options("bigint", 1, 1, 1, 2)), "");
    }

    #[test]
    fn widenings_are_recognised_and_everything_else_is_not() {
        for (from, to) in [
            ("character varying(20)", "character varying(255)"),
            ("character varying(20)", "character varying"),
            ("character varying(20)", "text"),
            ("integer", "bigint"),
            ("smallint", "numeric"),
            ("numeric(10,2)", "numeric(12,3)"),
            ("real", "double precision"),
            ("timestamp(3) with time zone", "timestamp(6) with time zone"),
            ("integer[]", "bigint[]"),
        ] {
            assert!(widens(from, to), "{from} -> {to} keeps every value");
        }
        for (from, to) in [
            ("character varying(255)", "character varying(100)"),
            ("text", "character varying(10)"),
            ("bigint", "integer"),
            ("numeric(10,2)", "numeric(10,3)"),
            ("numeric", "numeric(10,2)"),
            ("text", "integer"),
            ("character(5)", "character"),
            ("double precision", "real"),
        ] {
            assert!(!widens(from, to), "{from} -> {to} may lose data");
        }
    }
}
