//! The README's Quick start, followed literally in a fresh clone: `cargo xtask db-setup` with
//! `DB_URL` exported, then `cargo run -p backend`, the README's login and `/actions/last`.
//! It builds the clone's xtask and backend, in a target folder of its own that later runs reuse.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::TestDb;

/// `cargo` in `dir` as a developer would run it: the environment cleared of everything that could
/// point it elsewhere (the test's own DB_URL, JWT_SECRET, DATABASE_URL).
fn cargo(dir: &Path, target: &Path, db_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO"));
    command
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("DB_URL", db_url)
        .env("SQLX_OFFLINE", "true")
        .env_remove("DATABASE_URL")
        .env_remove("JWT_SECRET")
        .env_remove("BIND_ADDR")
        .env_remove("CARGO_MANIFEST_DIR")
        .stdin(Stdio::null());
    command
}

/// One HTTP/1.1 request on a fresh connection; returns the status and the body.
fn http(port: u16, method: &str, path: &str, headers: &str, body: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n{headers}content-length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body).to_owned();
    Ok((status, body))
}

/// Kills the backend when the test ends, however it ends.
struct Backend(Child);

impl Drop for Backend {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_readme_quick_start_ends_in_a_running_backend() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let clone = tempfile::tempdir().unwrap();
    let cloned = Command::new("git")
        .args(["clone", "--quiet", "--no-hardlinks"])
        .arg(repo)
        .arg(clone.path())
        .status()
        .unwrap();
    assert!(cloned.success(), "git clone failed");
    // Beside the running build's own folder, which cargo keeps locked while the tests run.
    let target = repo.join("target").join("quickstart");
    let db = TestDb::reserved();
    let url = db.config.secret_url().to_owned();

    let setup = cargo(clone.path(), &target, &url).args(["xtask", "db-setup"]).output().unwrap();
    let out = String::from_utf8_lossy(&setup.stdout);
    assert!(setup.status.success(), "db-setup failed: {out}\n{}", String::from_utf8_lossy(&setup.stderr));
    assert!(out.contains("log in:    admin@admin.com"), "{out}");

    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let backend = cargo(clone.path(), &target, &url)
        .args(["run", "--quiet", "-p", "backend"])
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut backend = Backend(backend);
    // The first run compiles the backend: wait for it to listen, or to exit.
    let started = Instant::now();
    let health = loop {
        if let Ok(answer) = http(port, "GET", "/health", "", "") {
            break answer;
        }
        if let Some(status) = backend.0.try_wait().unwrap() {
            panic!("the backend exited with {status} before listening (JWT_SECRET from db-setup's .env?)");
        }
        assert!(started.elapsed() < Duration::from_secs(900), "the backend never listened");
        std::thread::sleep(Duration::from_millis(250));
    };
    assert_eq!(health.0, 200, "{}", health.1);

    let credentials = r#"{"email":"admin@admin.com","password":"admin@admin.com"}"#;
    let (status, login) =
        http(port, "POST", "/auth/login", "content-type: application/json\r\n", credentials).unwrap();
    assert_eq!(status, 200, "{login}");
    let token = login.split(r#""token":""#).nth(1).and_then(|rest| rest.split('"').next()).unwrap();
    let (status, action) =
        http(port, "GET", "/actions/last", &format!("authorization: Bearer {token}\r\n"), "").unwrap();
    assert_eq!(status, 200, "{action}");
    assert!(action.contains("\"clips\"") && action.contains("\"prediction\""), "the seeded action: {action}");
}
