//! PostgreSQL's client programs (pg_dump, pg_restore, psql): found, version-checked, and run
//! through xshell with the connection in their environment, never on their command line.

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use dburl::DbUrl;
use xshell::{Cmd, Shell, cmd};

use crate::interrupt;
use crate::project::shown;

/// How to get PostgreSQL's client programs, for every "not found" message.
pub const INSTALL_HINT: &str = "install PostgreSQL's client programs: `sudo apt-get install postgresql-client` \
     (Debian/Ubuntu), `sudo dnf install postgresql` (Fedora) or `brew install libpq` (macOS)";

/// The major version `program --version` reports, e.g. 15 for "pg_dump (PostgreSQL) 15.19 (Debian ...)".
pub fn major_version(sh: &Shell, program: &str) -> Result<u32> {
    let output = cmd!(sh, "{program} --version")
        .quiet()
        .ignore_status()
        .output()
        .map_err(|_| anyhow!("{program} not found on PATH: {INSTALL_HINT}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    parse_major(&text).ok_or_else(|| anyhow!("cannot read the version of {program} from `{}`", text.trim()))
}

fn parse_major(version_line: &str) -> Option<u32> {
    let after = version_line.split(')').nth(1)?.trim_start();
    after.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// Fails unless `program` exists and is at least the server's major version: an older pg_dump
/// refuses a newer server, and an older pg_restore cannot read a newer dump.
pub fn ensure_at_least(sh: &Shell, program: &str, server_major: u32) -> Result<()> {
    let major = major_version(sh, program)?;
    if major < server_major {
        bail!(
            "{program} is version {major} but the server is version {server_major}: \
             install the client programs of version {server_major} or newer \
             (e.g. `sudo apt-get install postgresql-client-{server_major}`)"
        );
    }
    Ok(())
}

/// `command` with the connection to `url` in its environment.
pub fn with_connection<'a>(command: Cmd<'a>, url: &DbUrl) -> Cmd<'a> {
    url.libpq_env().into_iter().fold(command, |command, (key, value)| command.env(key, value))
}

/// Runs `program` (`command`), turning a failure into `<program> failed: <its last error line>`.
///
/// On SIGINT or SIGTERM (see [`interrupt`]) the program is killed and waited for, and this fails
/// with [`interrupt::Interrupted`]: no child outlives the xtask or keeps writing.
pub fn run(command: Cmd<'_>, program: &str) -> Result<()> {
    let mut child = Command::from(command)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| anyhow!("cannot run {program} ({err}); {INSTALL_HINT}"))?;
    // Read stderr on the side, so that a chatty program never blocks on a full pipe.
    let mut stderr_pipe = child.stderr.take().expect("stderr is piped");
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr_pipe.read_to_string(&mut text);
        text
    });
    let status = loop {
        if let Some(interrupted) = interrupt::received() {
            let _ = child.kill();
            let _ = child.wait();
            return Err(interrupted.into());
        }
        match child.try_wait()? {
            Some(status) => break status,
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    let stderr = stderr_reader.join().unwrap_or_default();
    if status.success() {
        return Ok(());
    }
    // Ctrl-C reaches the whole process group: the program may die of it before we notice.
    if let Some(signal @ (interrupt::SIGINT | interrupt::SIGTERM)) = status.signal() {
        return Err(interrupt::Interrupted { signal }.into());
    }
    let reason = stderr
        .lines()
        .rev()
        .find(|line| line.contains("error") || line.contains("FATAL"))
        .or_else(|| stderr.lines().rev().find(|line| !line.trim().is_empty()))
        .unwrap_or("no message")
        .trim();
    // The programs prefix their own name: "pg_restore: error: ...".
    let reason = reason.strip_prefix(&format!("{program}: ")).unwrap_or(reason);
    bail!("{program} failed: {}", shown(reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_the_first_number_after_the_product_name() {
        assert_eq!(parse_major("pg_dump (PostgreSQL) 15.19 (Debian 15.19-0+deb12u1)\n"), Some(15));
        assert_eq!(parse_major("pg_restore (PostgreSQL) 9.6.24\n"), Some(9));
        assert_eq!(parse_major("psql (PostgreSQL) 17beta1\n"), Some(17));
        assert_eq!(parse_major("garbage"), None);
    }
}
