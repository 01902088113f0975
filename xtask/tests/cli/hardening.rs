//! Hostile names and interruptions: every command refuses a name PostgreSQL would change, file
//! names stay inside their folder, and a signal leaves nothing behind.

use std::process::{Child, Stdio};

use crate::support::{SlowProgram, TestDb, alive, send_signal, xtask_with_url};

/// Asserts that `run` failed with exactly one stderr line, and returns it.
#[track_caller]
fn one_error_line(output: std::process::Output) -> String {
    assert!(!output.status.success(), "expected failure: {output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr:\n{stderr}");
    assert!(lines[0].starts_with("error: ") && !lines[0].contains(" at line "), "{stderr}");
    lines[0].to_owned()
}

#[test]
fn names_postgres_would_change_or_that_forge_lines_are_refused_by_every_command() {
    let server = TestDb::reserved();
    let url = server.config.secret_url().to_owned();
    let base = url.rsplit_once('/').unwrap().0.to_owned();
    let long = "l".repeat(64);
    let cases = [
        (long.as_str(), vec!["64 bytes", "only 63"]),
        ("nul%00name", vec!["NUL byte"]),
        ("line%0Aerror: forged", vec!["control character", "\\n"]),
        ("esc%1B[31mred", vec!["control character"]),
    ];
    let commands: [&[&str]; 8] = [
        &["db-create"],
        &["db-drop", "--yes"],
        &["db-setup", "--no-seed"],
        &["migrate"],
        &["seed"],
        &["backup"],
        &["status"],
        &["restore", "Cargo.toml", "--into", "x"],
    ];
    for (name, needles) in &cases {
        for command in commands {
            let output = xtask_with_url(&format!("{base}/{name}"), command).output().unwrap();
            let line = one_error_line(output);
            for needle in needles {
                assert!(line.contains(needle), "{command:?} {name}: `{needle}` not in {line}");
            }
        }
    }
    // The 63 bytes PostgreSQL keeps of the long name were never created.
    assert_eq!(server.count_databases_like(&"l".repeat(63)), 0);
    // `restore --into` checks its name too.
    let db = TestDb::new();
    let output = db.xtask(&["restore", "Cargo.toml", "--into", &long]).output().unwrap();
    assert!(one_error_line(output).contains("64 bytes"));
}

#[test]
fn a_slash_in_the_database_name_cannot_move_the_backup_out_of_its_folder() {
    let db = TestDb::reserved_with("_a/../../../nc_escape");
    let outside = tempfile::tempdir().unwrap();
    let backups = outside.path().join("deep").join("er").join("backups");
    let url = db.config.secret_url().to_owned();
    db.run(&["db-setup", "--no-seed"]).success();
    let run = xtask_with_url(&url, &["--backups", backups.to_str().unwrap(), "backup"]).output().unwrap();
    assert!(run.status.success(), "{run:?}");
    let written: Vec<String> =
        std::fs::read_dir(&backups).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(written.len(), 2, "the dump and its manifest, inside the folder: {written:?}");
    assert!(written.iter().all(|name| name.contains("_a_.._.._.._nc_escape-")), "{written:?}");
    let escaped: Vec<_> =
        std::fs::read_dir(outside.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(escaped, ["deep"], "nothing written beside the folders");
}

#[test]
fn restore_derives_names_that_fit_and_says_how_to_drop_the_copy() {
    // 63 bytes: every derived name must be shortened to fit.
    let prefix_len = TestDb::reserved().name().len();
    let db = TestDb::reserved_with(&"x".repeat(63 - prefix_len));
    assert_eq!(db.name().len(), 63);
    db.run(&["db-setup"]).success();
    db.run(&["backup"]).success();
    let backup = db.backup_files()[0].to_str().unwrap().to_owned();

    let out = db.run(&["restore", &backup]).success();
    let copy = out.split('`').nth(1).unwrap().to_owned();
    assert!(copy.len() <= 63 && copy.contains("_restored_"), "{out}");
    assert_eq!(
        db.count_databases_like(&copy.replace('_', "\\_")),
        1,
        "the name printed is the database made"
    );
    assert!(out.contains(&format!("psql -c 'DROP DATABASE \"{copy}\"'")), "{out}");
    // Replacing restores under a derived staging name, then swaps.
    let out = db.run(&["restore", &backup, "--yes"]).success();
    assert!(out.contains("verified"), "{out}");
    assert_eq!(db.count_databases_like(&format!("{}%restoring%", &db.name()[..20])), 0);
    let copy_url = db.config.with_database(&copy);
    assert!(xtask_with_url(copy_url.secret_url(), &["db-drop", "--yes"]).status().unwrap().success());
}

/// Starts `args` against `db` with a slow stand-in for `program`, and returns the xtask and the
/// stand-in's pid once it runs.
fn start_slow(db: &TestDb, slow: &SlowProgram, args: &[&str]) -> (Child, u32) {
    let mut child = db
        .xtask(args)
        .env("PATH", slow.path_env())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = slow.wait_started(&mut child);
    (child, pid)
}

#[test]
fn a_signal_during_backup_stops_pg_dump_and_removes_the_partial_file() {
    let db = TestDb::reserved();
    db.run(&["db-setup", "--no-seed"]).success();
    for (signal, code) in [("TERM", 143), ("INT", 130)] {
        let slow = SlowProgram::new("pg_dump");
        let (child, pg_dump) = start_slow(&db, &slow, &["backup"]);
        let partial = db.backup_files();
        assert!(partial.len() == 1 && partial[0].to_string_lossy().ends_with(".partial"), "{partial:?}");
        send_signal(child.id(), signal);
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(code), "{output:?}");
        let line = one_error_line(output);
        assert!(line.contains("interrupted by SIG") && line.contains("partial file"), "{line}");
        assert!(!alive(pg_dump), "pg_dump must not outlive the xtask");
        let left: Vec<_> = std::fs::read_dir(db.backups.path()).unwrap().collect();
        assert!(left.is_empty(), "no partial file: {left:?}");
    }
}

#[test]
fn a_signal_during_restore_drops_the_new_and_the_staging_database() {
    let db = TestDb::reserved();
    db.run(&["db-setup"]).success();
    db.run(&["backup"]).success();
    let backup = db.backup_files()[0].to_str().unwrap().to_owned();
    for (signal, code, replace) in [("TERM", 143, false), ("INT", 130, false), ("TERM", 143, true)] {
        let slow = SlowProgram::new("pg_restore");
        let into = TestDb::reserved();
        let into_name = into.name();
        let args = if replace {
            vec!["restore", &backup, "--yes"]
        } else {
            vec!["restore", &backup, "--into", &into_name]
        };
        let (child, pg_restore) = start_slow(&db, &slow, &args);
        send_signal(child.id(), signal);
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(code), "{output:?}");
        let line = one_error_line(output);
        assert!(line.contains("stopped") && line.contains("was dropped"), "{line}");
        assert!(!alive(pg_restore), "pg_restore must not outlive the xtask");
        assert!(!into.exists(), "no `NEW` database left");
        assert_eq!(db.count_databases_like(&format!("{}\\_restoring%", db.name().replace('_', "\\_"))), 0);
        assert!(db.exists(), "the original stays");
    }
}

#[test]
fn a_signal_at_any_moment_of_check_leaves_no_scratch_database() {
    let db = TestDb::reserved();
    db.run(&["db-setup", "--no-seed"]).success();
    let pattern = format!("{}\\_%", db.name().replace('_', "\\_"));
    for round in 0..8u64 {
        let mut child = db.spawn(&["check"]);
        std::thread::sleep(std::time::Duration::from_millis(40 * round));
        send_signal(child.id(), if round % 2 == 0 { "INT" } else { "TERM" });
        let status = child.wait().unwrap();
        assert_eq!(db.count_databases_like(&pattern), 0, "round {round} ({status}) left a scratch database");
    }
}

#[test]
fn a_closed_stdout_is_a_normal_end() {
    let db = TestDb::reserved();
    db.run(&["db-setup", "--no-seed"]).success();
    for args in [&["status"][..], &["history"], &["help"]] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = db.xtask(args).stdout(writer).stderr(Stdio::piped()).output().unwrap();
        assert!(output.status.success(), "{args:?}: {output:?}");
        assert!(output.stderr.is_empty(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    }
}

/// A checkout of its own for `db-setup` and `doctor` to write `.env` in: the xtask takes its
/// root from CARGO_MANIFEST_DIR.
fn in_checkout(root: &std::path::Path, url: Option<&str>, args: &[&str]) -> std::process::Output {
    let mut command = xtask_with_url(url.unwrap_or_default(), &[]);
    if url.is_none() {
        command.env_remove("DB_URL");
    }
    let migrations = crate::support::repo_migrations();
    command
        .env("CARGO_MANIFEST_DIR", root.join("xtask"))
        .env_remove("JWT_SECRET")
        .args(["--source", migrations.to_str().unwrap()])
        .args(args)
        .output()
        .unwrap()
}

fn dotenv_secret(root: &std::path::Path) -> String {
    let text = std::fs::read_to_string(root.join(".env")).unwrap();
    text.lines().find_map(|l| l.strip_prefix("JWT_SECRET=")).unwrap_or_else(|| panic!("{text}")).to_owned()
}

#[test]
fn db_setup_leaves_a_real_jwt_secret_on_every_path_and_doctor_checks_it() {
    use std::os::unix::fs::PermissionsExt;
    // DB_URL exported, no .env.
    let db = TestDb::reserved();
    let root = tempfile::tempdir().unwrap();
    let out = in_checkout(root.path(), Some(db.config.secret_url()), &["db-setup", "--no-seed"]);
    assert!(out.status.success(), "{out:?}");
    let secret = dotenv_secret(root.path());
    assert!(secret.len() >= 32 && !secret.starts_with("change-me"), "{secret}");
    let out = in_checkout(root.path(), Some(db.config.secret_url()), &["doctor"]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("✓ backend secret"), "{report}");
    // A second run never touches a real secret.
    assert!(
        in_checkout(root.path(), Some(db.config.secret_url()), &["db-setup", "--no-seed"]).status.success()
    );
    assert_eq!(dotenv_secret(root.path()), secret);

    // .env copied by hand from .env.example: the placeholder is replaced, the rest kept.
    let db = TestDb::reserved();
    let root = tempfile::tempdir().unwrap();
    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../.env.example")).unwrap();
    let example: String = example
        .lines()
        .map(|l| {
            if l.starts_with("DB_URL=") {
                format!("DB_URL={}\n", db.config.secret_url())
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(root.path().join(".env"), &example).unwrap();
    let out = in_checkout(root.path(), None, &["doctor"]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("✗ backend secret: JWT_SECRET (JWT_SECRET in .env) is the placeholder"),
        "{report}"
    );
    assert!(in_checkout(root.path(), None, &["db-setup", "--no-seed"]).status.success());
    assert!(!dotenv_secret(root.path()).starts_with("change-me"));
    assert!(std::fs::read_to_string(root.path().join(".env")).unwrap().contains("BIND_ADDR=127.0.0.1:8000"));

    // A .env with a password that others may read is flagged, with one fix.
    std::fs::write(root.path().join(".env"), "DB_URL=postgres://u:secret@127.0.0.1:1/x\n").unwrap();
    std::fs::set_permissions(root.path().join(".env"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = in_checkout(root.path(), None, &["doctor"]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("✗ .env permissions: .env holds a password and others may read it"), "{report}");
    assert!(report.contains("    fix: chmod 600"), "{report}");
}

#[test]
fn doctor_gives_one_fix_per_failure_when_the_server_is_down() {
    let root = tempfile::tempdir().unwrap();
    let out = in_checkout(root.path(), Some("postgres://postgres@127.0.0.1:1/x"), &["doctor"]);
    let report = String::from_utf8_lossy(&out.stdout);
    let server = report.lines().find(|l| l.starts_with("✗ server")).unwrap_or_else(|| panic!("{report}"));
    assert!(
        !server.contains("start the server") && !server.contains("pg_ctlcluster"),
        "problem only: {server}"
    );
    let fixes = report.lines().filter(|l| l.trim_start().starts_with("fix:")).count();
    let failures = report.lines().filter(|l| l.starts_with('✗')).count();
    assert_eq!(fixes, failures, "{report}");
}

#[test]
fn scratch_databases_left_by_killed_runs_are_offered_for_dropping() {
    let db = TestDb::reserved();
    db.run(&["db-setup", "--no-seed"]).success();
    let old = TestDb::reserved_with("_autogen_migrations_99999");
    let recent = TestDb::reserved_with("_prepare_99998");
    for (leftover, created) in [(&old, 1_000), (&recent, crate::support::unix_now())] {
        leftover.run(&["db-create"]).success();
        leftover.psql(&format!(
            "COMMENT ON DATABASE \"{}\" IS 'cargo xtask scratch database, created at {created}'",
            leftover.name()
        ));
    }
    // The next run that makes scratch databases says so.
    let run = db.run(&["check"]);
    assert!(run.stderr.contains(&format!("note: `{}`", old.name())), "{run:?}");
    assert!(
        run.stderr.contains("cargo xtask doctor --drop-leftovers") && !run.stderr.contains(&recent.name())
    );
    // `doctor` too, and drops it when asked; a recent one may still be in use and stays. (In a
    // checkout of its own, so that doctor skips the slow `.sqlx/` check.)
    let root = tempfile::tempdir().unwrap();
    let doctor = |args: &[&str]| {
        String::from_utf8(in_checkout(root.path(), Some(db.config.secret_url()), args).stdout).unwrap()
    };
    let report = doctor(&["doctor"]);
    assert!(report.contains(&format!("✗ leftovers: `{}`", old.name())), "{report}");
    let report = doctor(&["doctor", "--drop-leftovers"]);
    assert!(report.contains(&format!("✓ leftovers: dropped `{}`", old.name())), "{report}");
    assert!(!old.exists() && recent.exists());
}
