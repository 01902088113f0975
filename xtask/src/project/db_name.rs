//! Database names PostgreSQL stores exactly as given: checked before any command uses one, and
//! the names derived from them (scratch, staging, restored copies) shortened to fit.

use anyhow::{Result, bail};

/// PostgreSQL's limit on a name, in bytes (NAMEDATALEN - 1); it silently cuts longer ones.
pub const MAX_BYTES: usize = 63;

/// Fails in one line unless PostgreSQL would store `name` exactly as given and it prints safely.
pub fn check(name: &str) -> Result<()> {
    if name.is_empty() {
        bail!(
            "the database name is empty: name one at the end of DB_URL, e.g. `postgres://user@host/referaidb`"
        );
    }
    if name.contains('\0') {
        bail!(
            "the database name {name:?} holds a NUL byte, which PostgreSQL cannot store: choose another name"
        );
    }
    if name.chars().any(char::is_control) {
        bail!("the database name {name:?} holds a control character: choose a name without one");
    }
    if name.len() > MAX_BYTES {
        bail!(
            "the database name {name:?} is {} bytes; PostgreSQL keeps only {MAX_BYTES} and would silently \
             cut it to {:?}: choose a shorter name",
            name.len(),
            shortened(name, MAX_BYTES)
        );
    }
    Ok(())
}

/// `base` followed by `suffix`, with `base` shortened (at a character boundary) so that the whole
/// fits in [`MAX_BYTES`]: the name a command derives is the name PostgreSQL stores.
pub fn derived(base: &str, suffix: &str) -> String {
    format!("{}{suffix}", shortened(base, MAX_BYTES.saturating_sub(suffix.len())))
}

/// The longest prefix of `name` of at most `bytes` bytes that ends on a character boundary.
fn shortened(name: &str, bytes: usize) -> &str {
    let mut end = bytes.min(name.len());
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_postgres_would_change_or_that_print_badly_are_refused() {
        assert!(check("referaidb").is_ok());
        assert!(check(&"a".repeat(63)).is_ok());
        let err = check(&"a".repeat(64)).unwrap_err().to_string();
        assert!(err.contains("64 bytes") && err.contains("only 63"), "{err}");
        let err = check("db\0x").unwrap_err().to_string();
        assert!(err.contains("\"db\\0x\"") && err.contains("NUL"), "{err}");
        let err = check("db\nerror: forged").unwrap_err().to_string();
        assert!(!err.contains('\n') && err.contains("control character"), "{err}");
        assert!(check("").is_err());
    }

    #[test]
    fn derived_names_fit_and_keep_their_suffix() {
        assert_eq!(derived("referaidb", "_restoring_42"), "referaidb_restoring_42");
        let long = "é".repeat(31); // 62 bytes
        let name = derived(&long, "_restored_20261202t105400_000z");
        assert!(name.len() <= MAX_BYTES && name.ends_with("_restored_20261202t105400_000z"), "{name}");
        assert!(check(&name).is_ok());
    }
}
