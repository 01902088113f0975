//! `#[sqlx::test(migrations = "../migrations")]` embeds the migrations at compile time; without
//! this, adding or editing a migration would not rebuild the tests that embed it.

fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
