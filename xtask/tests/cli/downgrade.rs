//! `downgrade`: steps, targets, base, and refusing what cannot be reverted.

use crate::support::{Migrations, TestDb};

#[test]
fn downgrade_reverts_one_step_by_default_then_n_steps() {
    let db = TestDb::new();
    let migrations = Migrations::three_tables();
    db.run(&migrations.args(&["migrate"])).success();

    let out = db.run(&migrations.args(&["downgrade"])).success();
    assert!(out.contains("reverted 3 create three") && out.contains("now at version 2"), "{out}");
    assert!(!db.has_table("three") && db.has_table("two"));

    db.run(&migrations.args(&["downgrade", "--steps", "2"])).success();
    assert_eq!(db.applied_versions(), Vec::<i64>::new());
    db.run(&migrations.args(&["downgrade", "--steps", "1"])).success();
}

#[test]
fn downgrade_to_a_target_keeps_the_target() {
    let db = TestDb::new();
    let migrations = Migrations::three_tables();
    db.run(&migrations.args(&["migrate"])).success();
    db.run(&migrations.args(&["downgrade", "--target", "1"])).success();
    assert_eq!(db.applied_versions(), [1]);
    db.run(&migrations.args(&["downgrade", "--target", "42"])).failure(&["unknown --target 42"]);
    db.run(&migrations.args(&["downgrade", "--steps", "5"]))
        .failure(&["only 1 are applied", "--target base"]);
    db.run(&migrations.args(&["downgrade", "--steps", "1", "--target", "base"])).failure(&["not both"]);
    assert_eq!(db.applied_versions(), [1]);
}

#[test]
fn downgrade_to_base_then_migrate_restores_the_schema() {
    let db = TestDb::new();
    db.run(&["migrate"]).success();
    let schema = db.schema();
    assert!(
        schema.iter().any(|c| c.starts_with("prediction.foul_confidence double precision NO")),
        "{schema:?}"
    );

    let dry = db.run(&["downgrade", "--target", "base", "--dry-run"]).success();
    assert!(dry.contains("initial_schema.down.sql"), "{dry}");
    assert_eq!(db.schema(), schema, "a dry run changes nothing");

    db.run(&["downgrade", "--target", "base"]).success();
    assert!(db.schema().is_empty(), "base leaves no ReferAI table behind: {:?}", db.schema());
    db.run(&["migrate"]).success();
    assert_eq!(db.schema(), schema);
}

#[test]
fn an_irreversible_migration_stops_the_downgrade_before_anything_is_reverted() {
    let db = TestDb::new();
    let migrations = Migrations::three_tables();
    migrations.simple(4, "irreversible", "CREATE TABLE four (id int);\n");
    migrations.reversible(5, "five", "CREATE TABLE five (id int);\n", "DROP TABLE five;\n");
    db.run(&migrations.args(&["migrate"])).success();

    db.run(&migrations.args(&["downgrade", "--steps", "2"]))
        .failure(&["4_irreversible.sql has no .down.sql", "nothing was reverted"]);
    assert_eq!(db.applied_versions(), [1, 2, 3, 4, 5]);
    assert!(db.has_table("five"));
}

#[test]
fn a_failing_down_script_keeps_the_migration_applied() {
    let db = TestDb::new();
    let migrations = Migrations::three_tables();
    db.run(&migrations.args(&["migrate"])).success();
    migrations.write("3_create_three.down.sql", "DROP TABLE three;\nSELECT nope FROM one;\n");
    db.run(&migrations.args(&["downgrade"])).failure(&[
        "3_create_three.down.sql failed at line 2, column 8",
        "\"nope\" does not exist",
        "stays at version 3",
    ]);
    assert!(db.has_table("three"), "the down script's first statement must be rolled back");
    assert_eq!(db.applied_versions(), [1, 2, 3]);
}
