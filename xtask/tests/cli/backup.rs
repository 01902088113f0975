//! `backup`, `restore`, and the automatic backups of `migrate` and `downgrade`.

use std::path::Path;

use crate::support::{Migrations, TestDb};

/// A migrated, seeded database with some fake users.
fn seeded() -> TestDb {
    let db = TestDb::reserved();
    db.run(&["db-setup"]).success();
    db.run(&["seed", "--fake", "20", "--rng-seed", "5"]).success();
    db
}

/// The one backup `backup` just wrote, checked for its manifest.
fn only_backup(db: &TestDb) -> String {
    let files = db.backup_files();
    assert_eq!(files.len(), 1, "{files:?}");
    let manifest = format!("{}.manifest.json", files[0].display());
    assert!(Path::new(&manifest).is_file(), "no manifest beside {}", files[0].display());
    files[0].to_str().unwrap().to_owned()
}

#[test]
fn a_backup_restores_into_a_new_database_equal_to_the_original() {
    let db = seeded();
    let original = db.content_digest();
    let out = db.run(&["backup"]).success();
    let path = only_backup(&db);
    assert!(out.contains(&path) && out.contains(" in "), "path, size and duration: {out}");
    let head = xtask::engine::Source::load(&crate::support::repo_migrations()).unwrap().head().unwrap();
    assert!(path.contains(&format!("{}-", db.name())) && path.ends_with(&format!("-{head}.dump")), "{path}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "backups hold password hashes: owner-only");
    }

    db.execute("DELETE FROM user_account WHERE id IN (SELECT id FROM user_account ORDER BY id DESC LIMIT 3)");
    let copy = TestDb::reserved();
    let out = db.run(&["restore", &path, "--into", &copy.name()]).success();
    assert!(out.contains("verified: 6 tables match the manifest"), "{out}");
    assert_eq!(copy.content_digest(), original);
    assert_ne!(db.content_digest(), original, "the source database itself was not touched");
}

#[test]
fn directory_format_with_parallel_jobs_round_trips() {
    let db = seeded();
    db.run(&["backup", "--format", "directory", "--jobs", "2"]).success();
    let path = only_backup(&db);
    assert!(Path::new(&path).is_dir(), "{path}");
    let copy = TestDb::reserved();
    let out = db.run(&["restore", &path, "--into", &copy.name(), "--jobs", "2"]).success();
    assert!(out.contains("verified"), "{out}");
    assert_eq!(copy.content_digest(), db.content_digest());
}

#[test]
fn plain_format_restores_with_psql_and_keep_prunes_older_backups() {
    let db = seeded();
    for _ in 0..3 {
        db.run(&["backup", "--format", "plain", "--keep", "2"]).success();
    }
    let files = db.backup_files();
    assert_eq!(files.len(), 2, "--keep 2 leaves the newest two: {files:?}");
    let copy = TestDb::reserved();
    let newest = files[1].to_str().unwrap();
    assert!(db.run(&["restore", newest, "--into", &copy.name()]).success().contains("verified"));
    assert_eq!(copy.content_digest(), db.content_digest());
}

#[test]
fn restore_never_overwrites_unasked_and_a_corrupt_file_changes_nothing() {
    let db = seeded();
    db.run(&["backup"]).success();
    let path = only_backup(&db);
    let before = db.content_digest();

    db.run(&["restore", &path, "--into", &db.name()]).failure(&["already exists", "--yes"]);

    let bytes = std::fs::read(&path).unwrap();
    let truncated = db.backups.path().join("truncated.dump");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let copy = TestDb::reserved();
    db.run(&["restore", truncated.to_str().unwrap(), "--into", &copy.name()]).failure(&["pg_restore failed"]);
    assert!(!copy.exists(), "a failed restore leaves no database behind");

    db.run(&["restore", truncated.to_str().unwrap(), "--yes"])
        .failure(&["pg_restore failed", "is untouched"]);
    assert_eq!(db.content_digest(), before);
    let leftovers = db.count_databases_like(&format!("{}_restoring_%", db.name()));
    assert_eq!(leftovers, 0, "the staging database is dropped");
}

#[test]
fn restore_with_yes_replaces_the_database_after_backing_it_up() {
    let db = seeded();
    db.run(&["backup"]).success();
    let path = only_backup(&db);
    let original = db.content_digest();
    db.execute("DELETE FROM action");
    let changed = db.content_digest();

    let out = db.run(&["restore", &path, "--yes"]).success();
    assert!(out.contains("backed up the current") && out.contains("verified"), "{out}");
    assert_eq!(db.content_digest(), original);
    // The state it replaced was kept: restoring that backup gives the changed data back.
    let safety =
        db.backup_files().into_iter().find(|p| p.to_str().unwrap() != path).expect("a safety backup");
    let copy = TestDb::reserved();
    db.run(&["restore", safety.to_str().unwrap(), "--into", &copy.name()]).success();
    assert_eq!(copy.content_digest(), changed);
}

#[test]
fn downgrade_always_and_migrate_before_destructive_changes_leave_a_backup() {
    let db = TestDb::new();
    let migrations = Migrations::three_tables();
    migrations.reversible(
        4,
        "drop_two",
        "DROP TABLE two;\n",
        "CREATE TABLE two (id int PRIMARY KEY, label text NOT NULL);\n",
    );
    db.run(&migrations.args(&["migrate", "--target", "3"])).success();
    assert!(db.backup_files().is_empty(), "creating tables destroys nothing: no backup");

    let out = db.run(&migrations.args(&["migrate"])).success();
    assert!(out.contains("4_drop_two.up.sql may destroy data"), "{out}");
    assert_eq!(db.backup_files().len(), 1);

    let out = db.run(&migrations.args(&["downgrade"])).success();
    assert!(out.contains("backed up") && out.contains("reverted 4"), "{out}");
    assert_eq!(db.backup_files().len(), 2);

    db.run(&migrations.args(&["downgrade", "--no-backup"])).success();
    db.run(&migrations.args(&["downgrade", "--dry-run"])).success();
    assert_eq!(db.backup_files().len(), 2, "--no-backup and --dry-run take none");
}

#[test]
fn missing_or_outdated_pg_dump_is_explained() {
    let db = seeded();
    let empty = tempfile::tempdir().unwrap();
    let run = crate::support::Run::from(db.xtask(&["backup"]).env("PATH", empty.path()).output().unwrap());
    run.failure(&["pg_dump not found", "apt-get install postgresql-client"]);

    let old = tempfile::tempdir().unwrap();
    let fake = old.path().join("pg_dump");
    std::fs::write(&fake, "#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n").unwrap();
    #[cfg(unix)]
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let run = crate::support::Run::from(db.xtask(&["backup"]).env("PATH", old.path()).output().unwrap());
    run.failure(&["pg_dump is version 9 but the server is version"]);
    assert!(db.backup_files().is_empty());
}

#[test]
fn an_unwritable_destination_leaves_no_partial_file() {
    let db = seeded();
    let blocker = db.backups.path().join("not-a-folder");
    std::fs::write(&blocker, "a file where a folder should be").unwrap();
    let output = blocker.join("x.dump");
    db.run(&["backup", "--output", output.to_str().unwrap()]).failure(&["cannot create"]);
    let names: Vec<String> = std::fs::read_dir(db.backups.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["not-a-folder"]);
}

#[test]
fn a_restore_that_differs_from_its_manifest_fails_naming_the_table() {
    let db = seeded();
    db.run(&["backup"]).success();
    let path = only_backup(&db);
    let manifest_path = format!("{path}.manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    assert_eq!(manifest["checksum"], "hash64-record");
    // One changed row in `clip`: the count stays, only the checksum can tell.
    let clip = manifest["tables"].as_array_mut().unwrap().iter_mut().find(|t| t["name"] == "clip").unwrap();
    let sum: i128 = clip["checksum"].as_str().unwrap().parse().unwrap();
    clip["checksum"] = (sum + 1).to_string().into();
    std::fs::write(&manifest_path, serde_json::to_string(&manifest).unwrap()).unwrap();

    let copy = TestDb::reserved();
    db.run(&["restore", &path, "--into", &copy.name()]).failure(&["table clip differs"]);
    assert!(!copy.exists(), "a restore that fails verification leaves no database");
}

#[test]
fn a_restore_of_a_changed_backup_fails_naming_the_table() {
    let db = seeded();
    // A table no record hash can sum (json and point have no hash function): it falls back to
    // the rows' text form, alike on both sides.
    db.execute("CREATE TABLE note (id int PRIMARY KEY, body json, at point)");
    db.execute("INSERT INTO note VALUES (1, '{\"a\": 1}', '(1,2)'), (2, '[]', NULL)");
    db.run(&["backup", "--format", "plain"]).success();
    let path = only_backup(&db);
    let copy = TestDb::reserved();
    let out = db.run(&["restore", &path, "--into", &copy.name()]).success();
    assert!(out.contains("verified: 7 tables match the manifest"), "{out}");

    let script = std::fs::read_to_string(&path).unwrap();
    for (table, row, changed) in [
        ("note", "2\t[]\t\\N\n", "2\t[ ]\t\\N\n"),
        // One byte more in one clip: the row count stays, only the checksum can tell.
        ("clip", "\t\\\\x", "\t\\\\x00"),
    ] {
        let data = script.find(&format!("COPY public.{table} ")).expect("the table's data is in the dump");
        let (before, after) = script.split_at(data);
        assert!(after.contains(row), "{table}: {row:?} not in its data");
        std::fs::write(&path, format!("{before}{}", after.replacen(row, changed, 1))).unwrap();
        let copy = TestDb::reserved();
        db.run(&["restore", &path, "--into", &copy.name()]).failure(&[&format!("table {table} differs")]);
        assert!(!copy.exists(), "a restore that fails verification leaves no database");
    }
}
