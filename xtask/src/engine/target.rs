//! `--target`: a migration version, or `base` (before the first migration).

use anyhow::{Result, anyhow, bail};

use super::Source;

/// A `--target` value: a version, or `base` (before the first migration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Before every migration.
    Base,
    /// Up to and including this version.
    Version(i64),
}

impl std::str::FromStr for Target {
    type Err = anyhow::Error;

    fn from_str(value: &str) -> Result<Target> {
        match value {
            "base" => Ok(Target::Base),
            _ => value.parse().map(Target::Version).map_err(|_| {
                anyhow!("--target `{value}` is neither a migration version nor `base`; `cargo xtask history` lists the versions")
            }),
        }
    }
}

impl Target {
    /// The version `migrate --target` stops after (`None`: head), checked against `source`.
    pub fn for_migrate(self, source: &Source) -> Result<Option<i64>> {
        match self {
            Target::Base => bail!(
                "`migrate --target base` would apply nothing; to revert everything use `cargo xtask downgrade --target base`"
            ),
            Target::Version(version) if source.get(version).is_some() => Ok(Some(version)),
            Target::Version(version) => bail!(
                "unknown --target {version}: no migration in {} has that version; `cargo xtask history` lists them",
                source.dir.display()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        assert_eq!("base".parse::<Target>().unwrap(), Target::Base);
        assert_eq!("20261125144500".parse::<Target>().unwrap(), Target::Version(20261125144500));
        assert!("head-1".parse::<Target>().unwrap_err().to_string().contains("history"));
    }
}
