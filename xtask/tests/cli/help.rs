//! Help: every way of asking prints it and exits 0, without a database.

use crate::support::{Run, xtask_with_url};

/// Runs the xtask with a `DB_URL` nothing answers at: help must not need a database.
fn run(args: &[&str]) -> Run {
    Run::from(xtask_with_url("postgres://nobody@127.0.0.1:1/none", args).output().expect("xtask runs"))
}

#[test]
fn the_main_help_lists_every_command() {
    let help = run(&["--help"]).success();
    assert!(help.starts_with("cargo xtask: ReferAI's database workflow"), "{help}");
    for command in xtask::flags::command_names() {
        assert!(help.contains(&format!("\n    {command} ")), "`{command}` not in:\n{help}");
    }
    for args in [&[][..], &["-h"], &["help"]] {
        assert_eq!(run(args).success(), help, "{args:?}");
    }
}

#[test]
fn every_command_has_help_with_the_global_flags() {
    let commands: Vec<&str> = xtask::flags::command_names().collect();
    assert!(commands.contains(&"migrate") && commands.contains(&"pg"), "{commands:?}");
    for command in commands {
        let help = run(&[command, "--help"]).success();
        assert!(help.starts_with(&format!("cargo xtask {command}")), "{help}");
        assert!(help.contains("--source DIR") && help.contains("--backups DIR"), "{command}:\n{help}");
        assert_eq!(run(&[command, "-h"]).success(), help, "{command} -h");
        assert_eq!(run(&["help", command]).success(), help, "help {command}");
    }
}

#[test]
fn help_migrate_is_migrates_help() {
    let help = run(&["help", "migrate"]).success();
    assert!(help.starts_with("cargo xtask migrate [--target VERSION]"), "{help}");
    assert_eq!(run(&["migrate", "--help"]).success(), help);
}

#[test]
fn help_for_an_unknown_command_fails_in_one_line() {
    let run = run(&["help", "frobnicate"]);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    run.failure(&["unknown command `frobnicate`", "cargo xtask help"]);
}
