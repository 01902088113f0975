//! The backstop behind the modelled comparison: a fingerprint of the whole `public` schema.
//!
//! [`Schema`](super::Schema) holds what autogenerate knows how to change; anything it does not
//! read would pass unseen. The fingerprint reads everything `pg_dump --schema-only` would print
//! (relations with their kind, persistence and storage parameters, columns, constraints, indexes
//! partitioned or local, sequences, types, domains, functions, triggers, rules, policies,
//! privileges and comments), in one catalog query, as `object -> property -> value` in the
//! server's normalized text. Two databases whose fingerprints are equal have the same schema, so
//! `check` and the proofs compare fingerprints as well as the model.

use std::collections::BTreeMap;

use anyhow::{Result, anyhow};
use sqlx::PgConnection;

// The rows come back as three arrays in one row: streaming twenty thousand small rows costs the
// client more than the server's whole query.
const QUERY: &str = concat!(
    "SELECT coalesce(array_agg(object), '{}'), coalesce(array_agg(property), '{}'), coalesce(array_agg(value), '{}')
FROM (",
    include_str!("fingerprint.sql"),
    "\n) AS fingerprint"
);

/// Every object of a `public` schema, each with its properties (those left at their default are
/// absent), e.g. `relation audit` -> `storage parameters` -> `fillfactor=70`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fingerprint {
    /// Objects by kind and name, e.g. `index book_title_idx` or `trigger touch on book`.
    pub objects: BTreeMap<String, BTreeMap<String, String>>,
}

/// Reads the fingerprint of the `public` schema the connection's database has now (inside a
/// transaction, if one is open on it).
pub async fn fingerprint(conn: &mut PgConnection) -> Result<Fingerprint> {
    let (objects, properties, values): (Vec<String>, Vec<String>, Vec<String>) = sqlx::query_as(QUERY)
        .fetch_one(&mut *conn)
        .await
        .map_err(|err| anyhow!("cannot read the schema's fingerprint from the system catalogs: {err}"))?;
    let rows = objects.into_iter().zip(properties).zip(values);
    let mut objects: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for ((object, property), value) in rows {
        objects.entry(object).or_default().insert(property, value);
    }
    Ok(Fingerprint { objects })
}

impl Fingerprint {
    /// Every way `self` differs from `other`, one line each, naming the object and what differs;
    /// `this` and `that` say where each side comes from ("the migrations", "backend/schema.sql").
    pub fn differences(&self, other: &Fingerprint, this: &str, that: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (object, properties) in &self.objects {
            let Some(others) = other.objects.get(object) else {
                out.push(format!("{object}: only in {this}"));
                continue;
            };
            let mut names: Vec<&String> = properties.keys().chain(others.keys()).collect();
            names.sort();
            names.dedup();
            for name in names {
                let (a, b) = (properties.get(name), others.get(name));
                if a != b {
                    let (a, b) = excerpts(a.map_or("", String::as_str), b.map_or("", String::as_str));
                    out.push(format!("{object}: {name} {a} in {this}, {b} in {that}"));
                }
            }
        }
        for object in other.objects.keys().filter(|object| !self.objects.contains_key(*object)) {
            out.push(format!("{object}: only in {that}"));
        }
        out
    }
}

/// Longest value shown whole in a difference; a longer one is cut around where the two differ.
const SHOWN: usize = 100;

/// The two values for a message, on one line each: whole when short, else from a little before
/// the first character where they differ; `none` for an absent value.
fn excerpts(a: &str, b: &str) -> (String, String) {
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let (a, b) = (flat(a), flat(b));
    let start = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count().saturating_sub(20);
    let show = |s: &str| {
        if s.is_empty() {
            return "none".to_owned();
        }
        let chars: Vec<char> = s.chars().collect();
        if chars.len() <= SHOWN {
            return format!("`{s}`");
        }
        let from = start.min(chars.len().saturating_sub(SHOWN));
        let end = (from + SHOWN).min(chars.len());
        let cut: String = chars[from..end].iter().collect();
        format!("`{}{cut}{}`", if from > 0 { "…" } else { "" }, if end < chars.len() { "…" } else { "" })
    };
    (show(&a), show(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn print(entries: &[(&str, &str, &str)]) -> Fingerprint {
        let mut print = Fingerprint::default();
        for (object, property, value) in entries {
            print
                .objects
                .entry(object.to_string())
                .or_default()
                .insert(property.to_string(), value.to_string());
        }
        print
    }

    #[test]
    fn differences_name_the_object_the_property_and_both_values() {
        let a = print(&[
            ("relation t", "kind", "table"),
            ("relation t", "storage parameters", "fillfactor=70"),
            ("index i", "kind", "local"),
        ]);
        let b = print(&[("relation t", "kind", "table"), ("trigger g on t", "comment", "hello")]);
        assert_eq!(
            a.differences(&b, "the migrations", "schema.sql"),
            [
                "index i: only in the migrations",
                "relation t: storage parameters `fillfactor=70` in the migrations, none in schema.sql",
                "trigger g on t: only in schema.sql",
            ]
        );
        assert!(a.differences(&a, "x", "y").is_empty());
    }

    #[test]
    fn long_values_are_cut_around_the_first_difference() {
        let long = "x".repeat(300);
        let (a, b) = excerpts(&format!("{long} stable"), &format!("{long} volatile"));
        assert!(a.starts_with("`…") && a.contains("stable") && a.len() < 130, "{a}");
        assert!(b.contains("volatile"), "{b}");
    }
}
