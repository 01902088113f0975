//! `doctor`: every precondition of a working setup, one line each, with the command that fixes a
//! failure. Later checks that need an earlier one to pass are skipped rather than piled on.

use anyhow::Result;
use dburl::DbUrl;
use xshell::{Shell, cmd};

use crate::engine::{Source, Standing};
use crate::pg::{self, local_server, tools};
use crate::project::Project;
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
        let Ok(url) = url else {
            for name in ["server", "database", "migrations", "declared schema", "offline query data"] {
                report.line(name, Verdict::Skip("no usable DB_URL"));
            }
            return finish(report);
        };
        let server_major = match server(&url).await {
            Ok((version, major)) => {
                report.line("server", Verdict::Pass(format!("PostgreSQL {version} at {}", url.server())));
                Some(major)
            }
            Err(err) => {
                report.line("server", fail(format!("{err:#}"), server_fix(project, &sh)));
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

/// The server's version and major version, logging in to the maintenance database.
async fn server(url: &DbUrl) -> Result<(String, u32)> {
    let mut conn = pg::connect_maintenance(url).await?;
    let (version, major): (String, i32) = sqlx::query_as(
        "SELECT current_setting('server_version'), current_setting('server_version_num')::int / 10000",
    )
    .fetch_one(&mut conn)
    .await?;
    pg::close(conn).await;
    Ok((version, major.unsigned_abs()))
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
            report.line("database", fail(format!("{err:#}"), "cargo xtask db-setup"));
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
            match standing.ensure_no_drift() {
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
