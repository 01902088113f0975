//! The xtask's import graph points one way: each module imports only from its own layer group or
//! from groups below it, and no module imports a command module.

use std::path::{Path, PathBuf};

/// The layer groups, top first. A module may import its own group and any group after it.
const LAYERS: &[&[&str]] = &[
    &["main"],
    &["commands"],
    &["flags", "provision", "adopt"],
    &["schema", "backups", "data", "query_data"],
    &["lint"],
    &["engine"],
    &["pg"],
    &["project", "interrupt", "utc", "exit"],
];

fn rank(group: &str) -> usize {
    LAYERS
        .iter()
        .position(|layer| layer.contains(&group))
        .unwrap_or_else(|| panic!("module group `{group}` is in no layer; add it to LAYERS"))
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `crate::<group>` a file names, in `use` lines and paths alike.
fn imported_groups(text: &str) -> Vec<String> {
    let mut groups = Vec::new();
    for line in text.lines() {
        // Comments do not import anything; `://` in a URL is no comment.
        let code = line
            .match_indices("//")
            .find(|(at, _)| !line[..*at].ends_with(':'))
            .map_or(line, |(at, _)| &line[..at]);
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let ident = |name: &str| -> String {
                name.trim().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
            };
            match rest.strip_prefix('{') {
                // `use crate::{a, b::c}` names several groups at once.
                Some(inner) => {
                    groups.extend(inner.split('}').next().unwrap_or_default().split(',').map(ident))
                }
                None => groups.push(ident(rest)),
            }
        }
    }
    groups.retain(|g| !g.is_empty());
    groups
}

#[test]
fn imports_point_down_the_layers_and_never_at_a_command() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut wrong = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let group = relative.iter().next().unwrap().to_string_lossy().trim_end_matches(".rs").to_owned();
        if group == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        for imported in imported_groups(&text) {
            let upward = rank(&imported) < rank(&group);
            let sideways = rank(&imported) == rank(&group) && imported != group;
            if upward || sideways || (imported == "commands" && group != "commands") {
                wrong.push(format!("{} imports crate::{imported}", relative.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layers:\n  {}", wrong.join("\n  "));
}

#[test]
fn the_checker_sees_grouped_and_nested_imports() {
    assert_eq!(
        imported_groups(
            "use crate::{flags, pg::tools};\nlet x = crate::engine::Target::Base; // crate::data"
        ),
        ["flags", "pg", "engine"]
    );
}
