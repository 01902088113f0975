//! `doctor`: every precondition of a working setup, one line each, with the command that fixes a
//! failure. Later checks that need an earlier one to pass are skipped rather than piled on.

use anyhow::Result;
use dburl::DbUrl;
use xshell::{Shell, cmd};

use crate::engine::{self, Source, Standing};
use crate::pg::scratch;
use crate::pg::{self, local_server, tools};
use crate::project::{Project, settings, shown};
use crate::schema::autogenerate;
use crate::{flags, query_data};

/// The oldest Rust the workspace builds with (`rust-version` in Cargo.toml).
const MIN_RUST: (u32, u32) = (1, 94);

/// One check's verdict: what was found, or what is wrong and how to fix it.
enum Verdict {
    Pass(String),
    Fail { problem: String, fix: String },
    Skip(&'static str),
}

struct Report {
    failures: usize,
}

impl Report {
    fn line(&mut self, name: &str, verdict: Verdict) {
        match verdict {
            Verdict::Pass(detail) => println!("✓ {name}: {detail}"),
            Verdict::Fail { problem, fix } => {
                self.failures += 1;
                println!("✗ {name}: {problem}\n    fix: {fix}");
            }
            Verdict::Skip(why) => println!("- {name}: skipped ({why})"),
        }
    }
}

fn fail(problem: impl Into<String>, fix: impl Into<String>) -> Verdict {
    Verdict::Fail { problem: problem.into(), fix: fix.into() }
}

impl flags::Doctor {
    /// Runs `cargo xtask doctor`; fails when any check fails.
    pub async fn run(self, project: &Project) -> Result<()> {
        let sh = Shell::new()?;
        let mut report = Report { failures: 0 };
        report.line("rust", rust(&sh));
        let clients = client_majors(&sh);
        report.line(
            "client programs",
            match &clients {
                Ok(majors) => Verdict::Pass(
                    majors.iter().map(|(p, v)| format!("{p} {v}")).collect::<Vec<_>>().join(", "),
                ),
                Err(problem) => fail(problem.clone(), tools::INSTALL_HINT),
            },
        );
        let url = project.db_url();
        report.line(
            "configuration",
            match (&url, project.root.join(".env").is_file()) {
                (Ok(url), true) => Verdict::Pass(format!("{url} ({})", url.origin())),
                (Ok(url), false) => Verdict::Pass(format!("{url} ({}; no .env)", url.origin())),
                (Err(err), _) => {
                    fail(format!("{err:#}"), "cargo xtask db-setup (it creates .env), or fix DB_URL in .env")
                }
            },
        );
        report.line("backend secret", jwt_secret(project));
        report.line(".env permissions", dotenv_permissions(project));
        let Ok(url) = url else {
            for name in ["server", "database", "migrations", "declared schema", "offline query data"] {
                report.line(name, Verdict::Skip("no usable DB_URL"));
            }
            return finish(report);
        };
        let server_major = match server(&url).await {
            Ok((version, major, encryption)) => {
                report.line("server", Verdict::Pass(format!("PostgreSQL {version} at {}", url.server())));
                report.line("encryption", Verdict::Pass(encryption));
                Some(major)
            }
            Err(err) => {
                // One fix per ✗: an unreachable server gets the fix for this checkout; any other
                // failure (TLS, login) keeps the fix that names its own cause.
                let verdict = match err.downcast_ref::<pg::ConnectError>() {
                    Some(connect) if connect.kind == pg::Failure::Unreachable => {
                        fail(&connect.problem, server_fix(project, &sh))
                    }
                    Some(connect) => fail(&connect.problem, &connect.fix),
                    None => fail(format!("{err:#}"), server_fix(project, &sh)),
                };
                report.line("server", verdict);
                report.line("encryption", Verdict::Skip("no connection"));
                None
            }
        };
        if let (Some(server), Ok(majors)) = (server_major, &clients) {
            let old: Vec<String> =
                majors.iter().filter(|(_, v)| *v < server).map(|(p, v)| format!("{p} {v}")).collect();
            report.line(
                "client versions",
                if old.is_empty() {
                    Verdict::Pass(format!("not older than the server ({server})"))
                } else {
                    fail(
                        format!("{} older than the server ({server})", old.join(", ")),
                        format!("sudo apt-get install postgresql-client-{server}"),
                    )
                },
            );
        }
        if server_major.is_none() {
            for name in ["database", "migrations", "declared schema", "offline query data"] {
                report.line(name, Verdict::Skip("the server is not reachable"));
            }
            return finish(report);
        }
        report.line("leftovers", leftovers(&url, self.drop_leftovers).await);
        let database_ok = database_and_migrations(&mut report, project, &url).await;
        report.line(
            "declared schema",
            if !project.root.join(autogenerate::SCHEMA_FILE).is_file() {
                Verdict::Skip("this checkout has no backend/schema.sql")
            } else {
                match autogenerate::check(project, &url).await {
                    Ok(found) => Verdict::Pass(found),
                    Err(err) => fail(
                        format!("{:#}", err).lines().next().unwrap_or_default().to_owned(),
                        "cargo xtask revision --autogenerate -m NAME (or `cargo xtask check` for the statements)",
                    ),
                }
            },
        );
        report.line(
            "offline query data",
            if !project.root.join("backend").join("Cargo.toml").is_file() {
                Verdict::Skip("this checkout has no backend crate")
            } else if database_ok {
                match query_data::prepare(project, &url, true).await {
                    Ok(found) => Verdict::Pass(found),
                    Err(err) => fail(format!("{err:#}"), "cargo xtask prepare, then commit .sqlx/"),
                }
            } else {
                Verdict::Skip("the database is not ready")
            },
        );
        finish(report)
    }
}

fn finish(report: Report) -> Result<()> {
    match report.failures {
        0 => {
            println!("all checks passed");
            Ok(())
        }
        n => anyhow::bail!("{n} check(s) failed; each ✗ line above says how to fix it"),
    }
}

fn rust(sh: &Shell) -> Verdict {
    let Ok(version) = cmd!(sh, "rustc --version").quiet().read() else {
        return fail("rustc not found", "install Rust with rustup: https://rustup.rs");
    };
    let numbers: Vec<u32> =
        version.split_whitespace().nth(1).unwrap_or("").split('.').filter_map(|n| n.parse().ok()).collect();
    match numbers.as_slice() {
        [major, minor, ..] if (*major, *minor) >= MIN_RUST => Verdict::Pass(version),
        _ => fail(format!("{version} is older than {}.{}", MIN_RUST.0, MIN_RUST.1), "rustup update stable"),
    }
}

/// Scratch databases that killed runs left on the server; dropped with `drop`.
async fn leftovers(url: &DbUrl, drop: bool) -> Verdict {
    let found = async {
        let mut maintenance = pg::connect_maintenance(url).await?;
        let names = scratch::leftovers(&mut maintenance).await?;
        let mut dropped = Vec::new();
        if drop {
            for name in &names {
                pg::drop_database(&mut maintenance, &url.with_database(name), false).await?;
                dropped.push(name.clone());
            }
        }
        pg::close(maintenance).await;
        anyhow::Ok((names, dropped))
    };
    let show =
        |names: &[String]| names.iter().map(|n| format!("`{}`", shown(n))).collect::<Vec<_>>().join(", ");
    match found.await {
        Ok((names, _)) if names.is_empty() => {
            Verdict::Pass("no scratch database left by a killed run".to_owned())
        }
        Ok((_, dropped)) if !dropped.is_empty() => Verdict::Pass(format!("dropped {}", show(&dropped))),
        Ok((names, _)) => fail(
            format!("{} left behind by killed runs (old, no session on them)", show(&names)),
            "cargo xtask doctor --drop-leftovers",
        ),
        Err(err) => fail(format!("cannot look for leftovers: {err:#}"), "check the server's logs"),
    }
}

/// Whether the backend will find a real `JWT_SECRET` (it refuses to start otherwise).
fn jwt_secret(project: &Project) -> Verdict {
    match project.settings().get(settings::JWT_SECRET) {
        Ok(Some((value, origin))) if !settings::is_placeholder_secret(&value) && value.len() >= 32 => {
            Verdict::Pass(format!("set ({origin})"))
        }
        Ok(Some((value, origin))) if !settings::is_placeholder_secret(&value) => fail(
            format!("JWT_SECRET ({origin}) is {} bytes; the backend needs 32 or more", value.len()),
            "set JWT_SECRET to the output of `openssl rand -hex 32`",
        ),
        Ok(Some((_, origin))) => fail(
            format!("JWT_SECRET ({origin}) is the placeholder from .env.example"),
            "cargo xtask db-setup (it writes a random JWT_SECRET to .env)",
        ),
        Ok(None) => {
            fail("JWT_SECRET is set nowhere", "cargo xtask db-setup (it writes a random JWT_SECRET to .env)")
        }
        Err(err) => fail(format!("{err:#}"), "fix .env"),
    }
}

/// `.env` holds a password (of the database, or the token key): only its owner may read it.
fn dotenv_permissions(project: &Project) -> Verdict {
    use std::os::unix::fs::PermissionsExt;
    let path = project.root.join(".env");
    let Ok(metadata) = std::fs::metadata(&path) else {
        return Verdict::Skip("no .env");
    };
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let holds_secret = text.lines().any(|line| {
        let line = line.trim_start().trim_start_matches("export ");
        line.starts_with("JWT_SECRET=")
            || (line.contains("_URL=") && line.contains(':') && line.contains('@') && {
                // `user:password@`: a colon in the user part, after the scheme's `//`.
                line.split_once("//")
                    .is_some_and(|(_, rest)| rest.split('@').next().is_some_and(|user| user.contains(':')))
            })
    });
    let mode = metadata.permissions().mode() & 0o777;
    if holds_secret && mode & 0o077 != 0 {
        fail(
            format!(".env holds a password and others may read it (mode {mode:o})"),
            format!("chmod 600 {}", path.display()),
        )
    } else {
        Verdict::Pass(format!("mode {mode:o}"))
    }
}

/// The major version of each client program, or which one is missing.
fn client_majors(sh: &Shell) -> Result<Vec<(&'static str, u32)>, String> {
    ["psql", "pg_dump", "pg_restore"]
        .into_iter()
        .map(|program| {
            tools::major_version(sh, program)
                .map(|v| (program, v))
                .map_err(|_| format!("{program} not found"))
        })
        .collect()
}

/// The server's version and major version, and how the connection is encrypted, logging in to
/// the maintenance database.
async fn server(url: &DbUrl) -> Result<(String, u32, String)> {
    let mut conn = pg::connect_maintenance(url).await?;
    let (version, major): (String, i32) = sqlx::query_as(
        "SELECT current_setting('server_version'), current_setting('server_version_num')::int / 10000",
    )
    .fetch_one(&mut conn)
    .await?;
    let encryption = pg::describe_encryption(&mut conn, url).await?;
    pg::close(conn).await;
    Ok((version, major.unsigned_abs(), encryption))
}

/// `pg start` when this checkout has its own server, else a generic hint.
fn server_fix(project: &Project, sh: &Shell) -> String {
    match local_server::Cluster::locate(sh, project) {
        Ok(cluster) if cluster.exists() => "cargo xtask pg start".to_owned(),
        _ => {
            "start PostgreSQL (e.g. `pg_ctlcluster 15 main start`), or `cargo xtask db-setup --local` for a \
              project-local server"
                .to_owned()
        }
    }
}

/// The database and its migrations; returns whether both are fine.
async fn database_and_migrations(report: &mut Report, project: &Project, url: &DbUrl) -> bool {
    let database = url.database();
    let mut conn = match pg::connect(url).await {
        Ok(conn) => conn,
        Err(err) => {
            let problem =
                err.downcast_ref::<pg::ConnectError>().map_or(format!("{err:#}"), |c| c.problem.clone());
            report.line("database", fail(problem, "cargo xtask db-setup"));
            report.line("migrations", Verdict::Skip("no database"));
            return false;
        }
    };
    report.line("database", Verdict::Pass(format!("`{database}` exists")));
    let source = Source::load(&project.migrations_dir);
    let standing = match &source {
        Ok(source) => Standing::read(&mut conn, source, &database).await,
        Err(err) => Err(anyhow::anyhow!("{err:#}")),
    };
    let verdict = match standing {
        Err(err) => fail(format!("{err:#}"), "restore migrations/ from git"),
        Ok(standing) => {
            let pending = standing.entries().iter().filter(|e| e.state.is_pending()).count();
            let foreign = match standing.applied.is_empty() {
                true => engine::ensure_not_foreign(&mut conn, &database).await,
                false => Ok(()),
            };
            match foreign.and_then(|()| standing.ensure_no_drift()) {
                Err(err) if standing.applied.is_empty() => fail(format!("{err:#}"), "cargo xtask adopt"),
                Err(err) => fail(format!("{err:#}"), "see `cargo xtask history`"),
                Ok(()) if pending > 0 => {
                    fail(format!("{pending} migration(s) pending"), "cargo xtask migrate")
                }
                Ok(()) => Verdict::Pass(format!(
                    "at version {}, none pending or modified",
                    standing.version().map_or("base".to_owned(), |v| v.to_string())
                )),
            }
        }
    };
    pg::close(conn).await;
    let ok = matches!(verdict, Verdict::Pass(_));
    report.line("migrations", verdict);
    ok
}
