//! A project-local PostgreSQL server for a new developer's first hour: found, initialised
//! (`initdb`), started and stopped (`pg_ctl`) by `db-setup` and `cargo xtask pg`, with nothing to
//! configure by hand.

use std::fs;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use dburl::{DbUrl, Origin};
use rand::distr::{Alphanumeric, SampleString};
use xshell::{Cmd, Shell, cmd};

use crate::project::private_file::{self, Existing};
use crate::project::{Project, settings};

/// How to install PostgreSQL's server programs, for "not found" messages.
const INSTALL_SERVER: &str = "install PostgreSQL: `sudo apt-get install postgresql` (Debian/Ubuntu), \
     `sudo dnf install postgresql-server` (Fedora) or `brew install postgresql@17` (macOS)";

/// The superuser of the local server.
const SUPERUSER: &str = "postgres";

/// PostgreSQL's server programs (`initdb`, `pg_ctl`) in one folder, and their major version.
#[derive(Debug)]
pub struct Programs {
    /// The folder holding them.
    pub bin: PathBuf,
    /// Their major version.
    pub major: u32,
}

impl Programs {
    /// Looks on PATH, then in the usual install places, newest version first.
    pub fn find(sh: &Shell) -> Result<Programs> {
        let on_path = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .unwrap_or_default();
        let mut versioned: Vec<PathBuf> = [
            "/usr/lib/postgresql/*/bin",
            "/usr/pgsql-*/bin",
            "/opt/homebrew/opt/postgresql@*/bin",
            "/usr/local/opt/postgresql@*/bin",
            "/Applications/Postgres.app/Contents/Versions/*/bin",
        ]
        .iter()
        .flat_map(|pattern| glob_one_star(pattern))
        .collect();
        // Newest first: "17" > "15", compared as numbers.
        versioned.sort_by_key(|dir| std::cmp::Reverse(version_in(dir)));
        let candidates = on_path.into_iter().chain(versioned).chain([PathBuf::from("/usr/local/pgsql/bin")]);
        for bin in candidates {
            if bin.join("initdb").is_file() && bin.join("pg_ctl").is_file() {
                let initdb = bin.join("initdb");
                let version = cmd!(sh, "{initdb} --version").quiet().read().unwrap_or_default();
                let major = version.split(')').nth(1).and_then(|v| v.trim().split('.').next()?.parse().ok());
                if let Some(major) = major {
                    return Ok(Programs { bin, major });
                }
            }
        }
        bail!(
            "no PostgreSQL server programs (initdb, pg_ctl) on PATH or in the usual places: {INSTALL_SERVER}"
        )
    }

    fn program(&self, name: &str) -> PathBuf {
        self.bin.join(name)
    }
}

/// Expands the single `*` of `pattern` against the file system.
fn glob_one_star(pattern: &str) -> Vec<PathBuf> {
    let Some((before, after)) = pattern.split_once('*') else { return vec![PathBuf::from(pattern)] };
    let (parent, prefix) = before.rsplit_once('/').unwrap_or(("", before));
    let Ok(entries) = fs::read_dir(if parent.is_empty() { "/" } else { parent }) else { return Vec::new() };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .map(|e| PathBuf::from(format!("{}{after}", e.path().display())))
        .collect()
}

/// The first number in a path, e.g. 15 in `/usr/lib/postgresql/15/bin`.
fn version_in(dir: &Path) -> u32 {
    let text = dir.to_string_lossy();
    text.split(|c: char| !c.is_ascii_digit())
        .find(|s| !s.is_empty())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// The project's own server: its folder, and whether its programs run as the `postgres` user.
#[derive(Debug)]
pub struct Cluster {
    /// Holds `data/`, `server.log`, the socket and the superuser's password.
    pub dir: PathBuf,
    /// PostgreSQL refuses to run as root: then the programs run as `postgres`.
    run_as_postgres: bool,
}

impl Cluster {
    /// Where this checkout's server lives: `target/pg` in the project, or, when the server's
    /// user cannot enter the project (a root-owned checkout under `/root`), a folder keyed by the
    /// project's path under `/var/tmp`.
    pub fn locate(sh: &Shell, project: &Project) -> Result<Cluster> {
        let root = cmd!(sh, "id -u").quiet().read().map(|uid| uid.trim() == "0").unwrap_or(false);
        if !root {
            return Ok(Cluster { dir: project.root.join("target").join("pg"), run_as_postgres: false });
        }
        if cmd!(sh, "id -u {SUPERUSER}").quiet().ignore_stdout().ignore_stderr().run().is_err() {
            bail!(
                "PostgreSQL refuses to run as root and there is no `{SUPERUSER}` system user to run it as: \
                 create one (`useradd --system --create-home {SUPERUSER}`) or run as a normal user"
            );
        }
        let root_dir = &project.root;
        // `test -x` on the project folder fails unless every folder above it can be entered.
        let enterable =
            cmd!(sh, "runuser -u {SUPERUSER} -- test -x {root_dir}").quiet().ignore_stderr().run().is_ok();
        let dir = if enterable {
            project.root.join("target").join("pg")
        } else {
            PathBuf::from("/var/tmp")
                .join(format!("referai-pg-{:016x}", fnv1a(root_dir.to_string_lossy().as_bytes())))
        };
        Ok(Cluster { dir, run_as_postgres: true })
    }

    /// The data folder (`PGDATA`).
    pub fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// The server's log file.
    pub fn log(&self) -> PathBuf {
        self.dir.join("server.log")
    }

    fn password_file(&self) -> PathBuf {
        self.dir.join("superuser.password")
    }

    /// Whether `initdb` has run here.
    pub fn exists(&self) -> bool {
        self.data().join("PG_VERSION").is_file()
    }

    /// The major version that made the data folder.
    pub fn data_version(&self) -> Option<u32> {
        fs::read_to_string(self.data().join("PG_VERSION")).ok()?.trim().parse().ok()
    }

    /// The port in the server's configuration (the last `port =` line wins, as in PostgreSQL).
    pub fn port(&self) -> Result<u16> {
        let conf = self.data().join("postgresql.conf");
        let text = fs::read_to_string(&conf).with_context(|| format!("cannot read {}", conf.display()))?;
        text.lines()
            .filter_map(|line| line.trim().strip_prefix("port"))
            .filter_map(|rest| rest.trim_start().strip_prefix('=')?.split('#').next()?.trim().parse().ok())
            .next_back()
            .ok_or_else(|| anyhow!("{} sets no port", conf.display()))
    }

    /// The URL of `database` on this server, with the superuser's password.
    pub fn url(&self, database: &str) -> Result<DbUrl> {
        let password = fs::read_to_string(self.password_file())
            .with_context(|| format!("cannot read {}", self.password_file().display()))?;
        let raw = format!("postgres://{SUPERUSER}:{}@127.0.0.1:{}/{database}", password.trim(), self.port()?);
        Ok(DbUrl::parse(&raw, Origin::Given)?)
    }

    /// `command` as the server's user.
    fn as_server_user<'a>(&self, sh: &'a Shell, program: &Path, args: Vec<String>) -> Cmd<'a> {
        if self.run_as_postgres {
            cmd!(sh, "runuser -u {SUPERUSER} -- {program} {args...}")
        } else {
            cmd!(sh, "{program} {args...}")
        }
    }

    /// Runs `initdb` (scram-sha-256, a generated password, UTF-8) on a free local port.
    pub fn init(&self, sh: &Shell, programs: &Programs) -> Result<()> {
        fs::create_dir_all(&self.dir).with_context(|| format!("cannot create {}", self.dir.display()))?;
        let password = Alphanumeric.sample_string(&mut rand::rng(), 32);
        private_file::write(&self.password_file(), password.as_bytes(), Existing::Replace)?;
        // initdb reads the password from a file, never from its command line.
        let pwfile = self.dir.join("initdb.pwfile");
        private_file::write(&pwfile, password.as_bytes(), Existing::Replace)?;
        if self.run_as_postgres {
            cmd!(sh, "chown {SUPERUSER}: {pwfile}").quiet().run()?;
            let dir = &self.dir;
            cmd!(sh, "chown {SUPERUSER}: {dir}").quiet().run()?;
        }
        let args = vec![
            format!("--pgdata={}", self.data().display()),
            format!("--username={SUPERUSER}"),
            "--auth=scram-sha-256".to_owned(),
            format!("--pwfile={}", pwfile.display()),
            "--encoding=UTF8".to_owned(),
            "--locale=C".to_owned(),
        ];
        let initdb =
            self.as_server_user(sh, &programs.program("initdb"), args).quiet().ignore_stdout().output();
        let _ = fs::remove_file(&pwfile);
        let output = initdb.context("cannot run initdb")?;
        if !output.status.success() {
            let _ = fs::remove_dir_all(self.data());
            bail!(
                "initdb failed in {}: {}",
                self.dir.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        let port = free_port()?;
        // Sockets have a ~100-byte path limit: put one in our folder only when it fits.
        let socket_dir =
            if self.dir.as_os_str().len() < 90 { self.dir.display().to_string() } else { String::new() };
        let settings = format!(
            "\n# Added by `cargo xtask db-setup`: this checkout's own server.\n\
             port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{socket_dir}'\n"
        );
        let conf = self.data().join("postgresql.conf");
        let mut text =
            fs::read_to_string(&conf).with_context(|| format!("cannot read {}", conf.display()))?;
        text.push_str(&settings);
        fs::write(&conf, text).with_context(|| format!("cannot write {}", conf.display()))
    }

    /// Whether the server runs (`pg_ctl status`).
    pub fn is_running(&self, sh: &Shell, programs: &Programs) -> bool {
        let args = vec![format!("--pgdata={}", self.data().display()), "status".to_owned()];
        self.as_server_user(sh, &programs.program("pg_ctl"), args)
            .quiet()
            .ignore_stdout()
            .ignore_stderr()
            .run()
            .is_ok()
    }

    /// Starts the server and waits until it accepts connections; already running is fine.
    pub fn start(&self, sh: &Shell, programs: &Programs) -> Result<()> {
        self.ensure_compatible(programs)?;
        if self.is_running(sh, programs) {
            return Ok(());
        }
        let port = self.port()?;
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_err() {
            bail!(
                "port {port} of the local server is taken by another program: stop it, or change `port` in {}",
                self.data().join("postgresql.conf").display()
            );
        }
        if self.run_as_postgres && !self.log().exists() {
            private_file::write(&self.log(), b"", Existing::Replace)?;
            let log = self.log();
            cmd!(sh, "chown {SUPERUSER}: {log}").quiet().run()?;
        }
        let args = vec![
            format!("--pgdata={}", self.data().display()),
            format!("--log={}", self.log().display()),
            "--wait".to_owned(),
            "--timeout=60".to_owned(),
            "start".to_owned(),
        ];
        let started = self
            .as_server_user(sh, &programs.program("pg_ctl"), args)
            .quiet()
            .ignore_stdout()
            .ignore_stderr()
            .run();
        if started.is_err() {
            bail!(
                "the local PostgreSQL server did not start; the end of {}:\n{}",
                self.log().display(),
                self.log_tail(10)
            );
        }
        Ok(())
    }

    /// Stops the server (fast shutdown); already stopped is fine.
    pub fn stop(&self, sh: &Shell, programs: &Programs) -> Result<()> {
        if !self.is_running(sh, programs) {
            return Ok(());
        }
        let args = vec![
            format!("--pgdata={}", self.data().display()),
            "--mode=fast".to_owned(),
            "--wait".to_owned(),
            "stop".to_owned(),
        ];
        self.as_server_user(sh, &programs.program("pg_ctl"), args)
            .quiet()
            .ignore_stdout()
            .run()
            .with_context(|| format!("pg_ctl could not stop the server in {}", self.dir.display()))
    }

    /// A data folder from another major version cannot be started by these programs.
    fn ensure_compatible(&self, programs: &Programs) -> Result<()> {
        match self.data_version() {
            Some(version) if version != programs.major => bail!(
                "the local server's data folder {} was made by PostgreSQL {version}, but the programs found are \
                 version {} ({}): install version {version}, or move the folder away to start afresh",
                self.data().display(),
                programs.major,
                programs.bin.display()
            ),
            _ => Ok(()),
        }
    }

    /// The last `lines` lines of the server's log.
    pub fn log_tail(&self, lines: usize) -> String {
        let text = fs::read_to_string(self.log()).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].iter().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
    }
}

/// For `db-setup`: when `url` is local and nothing answers there (or `force`), makes sure the
/// project's own server runs, points `.env` at it, and returns its URL; otherwise `None`.
pub async fn take_over_if_needed(project: &Project, url: &DbUrl, force: bool) -> Result<Option<DbUrl>> {
    let wanted = force || (url.is_local() && nothing_answers(url));
    if !wanted {
        return Ok(None);
    }
    let sh = Shell::new()?;
    let programs = Programs::find(&sh)
        .map_err(|err| anyhow!("nothing answers at {} and no server could be set up: {err}", url.server()))?;
    let cluster = Cluster::locate(&sh, project)?;
    if !cluster.exists() {
        cluster.init(&sh, &programs)?;
        println!(
            "initialised a project-local PostgreSQL {} server in {}",
            programs.major,
            cluster.dir.display()
        );
    }
    cluster.start(&sh, &programs)?;
    let local = cluster.url(&url.database())?;
    println!("local server running on port {} (`cargo xtask pg status|stop|logs`)", cluster.port()?);
    if settings::set_dotenv_db_url(&project.root, local.secret_url())? {
        println!("pointed DB_URL in .env at it: {local}");
    }
    if url.origin() == Origin::Environment(dburl::DB_URL)
        || url.origin() == Origin::Environment(dburl::DATABASE_URL)
    {
        eprintln!("note: {} overrides .env; unset it to use the local server next time", url.origin());
    }
    Ok(Some(local))
}

/// Whether nothing listens where `url` points: a refused TCP connection, or no socket file.
/// A plain probe, not a login: it costs a fraction of a millisecond on every `db-setup`.
fn nothing_answers(url: &DbUrl) -> bool {
    let options = url.connect_options();
    let port = options.get_port();
    if let Some(dir) = options.get_socket() {
        return !dir.join(format!(".s.PGSQL.{port}")).exists();
    }
    let Ok(addresses) = std::net::ToSocketAddrs::to_socket_addrs(&(options.get_host(), port)) else {
        return false;
    };
    addresses.into_iter().all(|address| {
        let probe = std::net::TcpStream::connect_timeout(&address, std::time::Duration::from_secs(2));
        matches!(probe, Err(err) if err.kind() == std::io::ErrorKind::ConnectionRefused)
    })
}

/// A free TCP port on 127.0.0.1, as the OS hands them out.
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("cannot find a free local port")?;
    Ok(listener.local_addr()?.port())
}

/// FNV-1a: a stable short key for a path (std's hasher may change between releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_come_from_the_install_path() {
        assert_eq!(version_in(Path::new("/usr/lib/postgresql/15/bin")), 15);
        assert_eq!(version_in(Path::new("/opt/homebrew/opt/postgresql@17/bin")), 17);
        assert_eq!(version_in(Path::new("/usr/local/pgsql/bin")), 0);
    }

    #[test]
    fn the_fallback_folder_key_is_stable() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"/root/referai"), fnv1a(b"/root/referai"));
        assert_ne!(fnv1a(b"/root/referai"), fnv1a(b"/root/referai2"));
    }
}
