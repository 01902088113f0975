//! `db-setup` on a machine where nothing answers locally: a project-local server, `pg`, `doctor`.

use std::path::{Path, PathBuf};
use std::process::Command;

use dburl::DbUrl;

use crate::support::{Run, repo_migrations};

/// A copy of the repository's migrations, data and `.env.example` (pointing at `port`) with no
/// `.env`, and the xtask binary run as if it were built there.
struct FreshClone {
    dir: tempfile::TempDir,
}

impl FreshClone {
    fn new(port: u16) -> FreshClone {
        let dir = tempfile::tempdir().unwrap();
        let repo = repo_migrations().parent().unwrap().to_owned();
        std::fs::create_dir(dir.path().join("xtask")).unwrap();
        copy_dir(&repo.join("migrations"), &dir.path().join("migrations"));
        copy_dir(&repo.join("data"), &dir.path().join("data"));
        let example = std::fs::read_to_string(repo.join(".env.example")).unwrap();
        std::fs::write(
            dir.path().join(".env.example"),
            example.replace("localhost:5432", &format!("localhost:{port}")),
        )
        .unwrap();
        FreshClone { dir }
    }

    fn run(&self, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(args)
            // Cargo sets this for `cargo run`; it is how the xtask finds its checkout.
            .env("CARGO_MANIFEST_DIR", self.dir.path().join("xtask"))
            .env_remove("DB_URL")
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        Run::from(output)
    }

    fn dotenv_url(&self) -> DbUrl {
        dburl::Settings::new(|_| None, &self.dir.path().join(".env")).db_url().unwrap()
    }

    /// The local server's folder, from `pg status`.
    fn cluster_dir(&self) -> Option<PathBuf> {
        let status = self.run(&["pg", "status"]);
        let line = status.stdout.lines().find(|l| l.starts_with("data folder:"))?;
        Some(PathBuf::from(line.trim_start_matches("data folder:").trim()).parent()?.to_owned())
    }
}

impl Drop for FreshClone {
    fn drop(&mut self) {
        let cluster = self.cluster_dir();
        self.run(&["pg", "stop"]);
        // Outside the copy when the server's user could not enter it (a root-owned temp folder).
        if let Some(cluster) = cluster {
            let _ = std::fs::remove_dir_all(cluster);
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

fn dead_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn a_fresh_clone_with_no_server_gets_a_local_one_migrated_and_seeded() {
    let port = dead_port();
    let clone = FreshClone::new(port);
    let out = clone.run(&["db-setup"]).success();
    assert!(out.contains("initialised a project-local PostgreSQL"), "{out}");
    assert!(out.contains("applied") && out.contains("log in:    admin@admin.com"), "{out}");

    let url = clone.dotenv_url();
    assert_ne!(url.server(), format!("localhost:{port}"), ".env now points at the local server");
    assert!(!out.contains(url.secret_url()), "the generated password is never printed");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(clone.dir.path().join(".env")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, ".env holds the generated password");
    }
    let admins: i64 =
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
            let mut conn = sqlx::ConnectOptions::connect(&url.connect_options()).await.unwrap();
            sqlx::query_scalar("SELECT count(*) FROM user_account WHERE email = 'admin@admin.com'")
                .fetch_one(&mut conn)
                .await
                .unwrap()
        });
    assert_eq!(admins, 1);

    let again = clone.run(&["db-setup"]).success();
    assert!(again.contains("nothing to do") && !again.contains("initialised"), "{again}");
    let status = clone.run(&["pg", "status"]).success();
    assert!(
        status.contains("state:       running") && status.contains("version:     PostgreSQL"),
        "{status}"
    );
    let doctor = clone.run(&["doctor"]).success();
    assert!(doctor.contains("all checks passed"), "{doctor}");

    clone.run(&["pg", "stop"]).success();
    clone.run(&["pg", "stop"]).success();
    assert!(clone.run(&["pg", "status"]).success().contains("state:       stopped"));
    let doctor = clone.run(&["doctor"]);
    assert!(
        doctor.stdout.contains("✗ server: cannot reach PostgreSQL")
            && doctor.stdout.contains("fix: cargo xtask pg start"),
        "{doctor:?}"
    );
    doctor.failure(&["1 check(s) failed"]);

    clone.run(&["pg", "start"]).success();
    clone.run(&["pg", "start"]).success();
    clone.run(&["status"]).success();
}

#[test]
fn pg_without_a_local_server_says_how_to_get_one() {
    let clone = FreshClone::new(dead_port());
    clone.run(&["pg", "status"]).failure(&["no local server yet", "db-setup --local"]);
    clone.run(&["pg", "restart"]).failure(&["`pg` takes start, stop, status or logs, not `restart`"]);
}
