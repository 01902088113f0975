//! Files and folders only their owner may read: `.env` (a password), backups, the local server's
//! password file. One place, so that no caller forgets the mode.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use anyhow::{Context, Result, anyhow};

/// What [`write`] does when the file already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Leave it untouched and return `false`.
    Keep,
    /// Replace its contents, narrowing its mode to owner-only.
    Replace,
}

/// Writes `contents` to `path`, readable and writable by its owner only; returns whether it
/// wrote (false only for an existing file with [`Existing::Keep`]).
pub fn write(path: &Path, contents: &[u8], existing: Existing) -> Result<bool> {
    let mut options = owner_only();
    match existing {
        // `create_new`, so that a file appearing meanwhile is never overwritten.
        Existing::Keep => options.create_new(true),
        Existing::Replace => options.create(true).truncate(true),
    };
    let mut file = match options.open(path) {
        Ok(file) => file,
        Err(err) if existing == Existing::Keep && err.kind() == io::ErrorKind::AlreadyExists => {
            return Ok(false);
        }
        Err(err) => return Err(err).with_context(|| format!("cannot create {}", path.display())),
    };
    file.write_all(contents).with_context(|| format!("cannot write {}", path.display()))?;
    // The mode applies only to a new file; an existing one is narrowed too.
    #[cfg(unix)]
    fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .with_context(|| format!("cannot make {} private", path.display()))?;
    Ok(true)
}

/// Creates the empty file `path`, which must not exist yet, owner-only.
pub fn create(path: &Path) -> Result<()> {
    owner_only()
        .create_new(true)
        .open(path)
        .map(drop)
        .map_err(|err| anyhow!("cannot create {} ({err}); is the folder writable?", path.display()))
}

/// Creates the folder `path`, which must not exist yet, owner-only (0700).
pub fn create_dir(path: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(path)
        .map_err(|err| anyhow!("cannot create {} ({err}); is the folder writable?", path.display()))
}

fn owner_only() -> fs::OpenOptions {
    let mut options = fs::OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        std::os::unix::fs::PermissionsExt::mode(&fs::metadata(path).unwrap().permissions()) & 0o777
    }

    #[test]
    fn files_are_owner_only_and_kept_or_replaced_as_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        assert!(write(&path, b"one", Existing::Keep).unwrap());
        assert!(!write(&path, b"two", Existing::Keep).unwrap());
        assert_eq!(fs::read(&path).unwrap(), b"one");
        #[cfg(unix)]
        fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
        assert!(write(&path, b"three", Existing::Replace).unwrap());
        assert_eq!(fs::read(&path).unwrap(), b"three");
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);
        assert!(create(&path).is_err(), "create never touches an existing file");
    }
}
