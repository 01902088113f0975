//! The seed fixtures in `data/*.toml`: parsed, checked, and every clip file read, before a single
//! row is written. Every mistake is reported as `file:line:column: what is wrong`.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;
use toml::Spanned;

/// How many clips an action has: ReferAI's models compare 2 to 4 camera views.
const CLIPS_PER_ACTION: std::ops::RangeInclusive<usize> = 2..=4;

/// Everything the fixture files describe, checked and ready to load.
#[derive(Debug)]
pub struct Fixtures {
    /// Users, in file order.
    pub users: Vec<User>,
    /// Actions, in file order.
    pub actions: Vec<Action>,
}

/// A fixture user.
#[derive(Debug)]
pub struct User {
    /// The login email, the user's natural key.
    pub email: String,
    /// The plaintext password, hashed when the user is inserted.
    pub password: String,
}

/// A fixture action with its clips and, optionally, its prediction.
#[derive(Debug)]
pub struct Action {
    /// Where it is written, for messages.
    pub location: String,
    /// The owner's email.
    pub user: String,
    /// When it was uploaded, as written (RFC 3339); with `user`, the action's natural key.
    pub uploaded_at: String,
    /// The clip files' bytes, in order.
    pub clips: Vec<Vec<u8>>,
    /// The models' verdict, if the fixture has one.
    pub prediction: Option<Prediction>,
}

/// A fixture prediction, with the model results already as JSON text.
#[derive(Debug)]
pub struct Prediction {
    /// Foul or no foul.
    pub is_foul: bool,
    /// The five confidences: foul, no foul, no card, yellow card, red card.
    pub confidences: [f64; 5],
    /// `foul_model_results` as JSON.
    pub foul_model_results: String,
    /// `severity_model_results` as JSON.
    pub severity_model_results: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    #[serde(default)]
    users: Vec<UserSpec>,
    #[serde(default)]
    actions: Vec<Spanned<ActionSpec>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserSpec {
    email: Spanned<String>,
    password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionSpec {
    user: Spanned<String>,
    uploaded_at: Spanned<toml::value::Datetime>,
    clips: Spanned<Vec<Spanned<String>>>,
    prediction: Option<PredictionSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PredictionSpec {
    is_foul: bool,
    foul_confidence: f64,
    no_foul_confidence: f64,
    no_card_confidence: f64,
    yellow_card_confidence: f64,
    red_card_confidence: f64,
    foul_model_results: toml::Table,
    severity_model_results: toml::Table,
}

impl Fixtures {
    /// Reads and checks every `*.toml` file in `dir`, in name order.
    pub fn load(dir: &Path) -> Result<Fixtures> {
        let mut files: Vec<PathBuf> = fs::read_dir(dir)
            .with_context(|| format!("cannot read the fixtures folder {}", dir.display()))?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        files.retain(|path| path.extension().is_some_and(|ext| ext == "toml"));
        files.sort();

        let mut fixtures = Fixtures { users: Vec::new(), actions: Vec::new() };
        let mut emails: HashMap<String, String> = HashMap::new();
        let mut texts = Vec::new();
        // Actions are checked once every file's users are known: they may refer across files.
        let mut pending_actions = Vec::new();
        for path in &files {
            let text = fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            let spec: FileSpec = toml::from_str(&text).map_err(|err| {
                let at =
                    err.span().map_or_else(|| path.display().to_string(), |span| locate(path, &text, span));
                anyhow!("{at}: {}", err.message())
            })?;
            for user in spec.users {
                let at = locate(path, &text, user.email.span());
                let email = user.email.into_inner();
                if let Some(first) = emails.insert(email.clone(), at.clone()) {
                    bail!("{at}: the user {email} is already defined at {first}");
                }
                fixtures.users.push(User { email, password: user.password });
            }
            pending_actions.extend(spec.actions.into_iter().map(|action| (texts.len(), action)));
            texts.push(text);
        }

        let mut keys = HashSet::new();
        for (file, action) in pending_actions {
            let (path, text) = (&files[file], &texts[file]);
            let location = locate(path, text, action.span());
            let action = action.into_inner();
            let user = action.user.get_ref();
            if !emails.contains_key(user) {
                bail!(
                    "{}: no user {user} is defined in {}",
                    locate(path, text, action.user.span()),
                    dir.display()
                );
            }
            let uploaded_at = action.uploaded_at.get_ref().to_string();
            if !keys.insert((user.clone(), uploaded_at.clone())) {
                bail!(
                    "{}: {user} already has an action uploaded at {uploaded_at}; give this one another time",
                    locate(path, text, action.uploaded_at.span())
                );
            }
            let clip_count = action.clips.get_ref().len();
            if !CLIPS_PER_ACTION.contains(&clip_count) {
                bail!(
                    "{}: an action needs {} to {} clips, this one has {clip_count}",
                    locate(path, text, action.clips.span()),
                    CLIPS_PER_ACTION.start(),
                    CLIPS_PER_ACTION.end()
                );
            }
            let clips = action
                .clips
                .get_ref()
                .iter()
                .map(|clip| {
                    read_clip(dir, clip.get_ref())
                        .map_err(|err| anyhow!("{}: {err}", locate(path, text, clip.span())))
                })
                .collect::<Result<_>>()?;
            let prediction = action.prediction.map(Prediction::from_spec).transpose()?;
            fixtures.actions.push(Action { location, user: user.clone(), uploaded_at, clips, prediction });
        }
        Ok(fixtures)
    }
}

impl Prediction {
    fn from_spec(spec: PredictionSpec) -> Result<Prediction> {
        Ok(Prediction {
            is_foul: spec.is_foul,
            confidences: [
                spec.foul_confidence,
                spec.no_foul_confidence,
                spec.no_card_confidence,
                spec.yellow_card_confidence,
                spec.red_card_confidence,
            ],
            foul_model_results: serde_json::to_string(&spec.foul_model_results)?,
            severity_model_results: serde_json::to_string(&spec.severity_model_results)?,
        })
    }
}

/// Reads a clip file named relative to the fixtures folder, which it may not leave.
fn read_clip(dir: &Path, name: &str) -> Result<Vec<u8>> {
    let relative = Path::new(name);
    if !relative.components().all(|c| matches!(c, Component::Normal(_))) {
        bail!("clip `{name}` must be a path inside {}, like clips/cam1.mp4", dir.display());
    }
    let path = dir.join(relative);
    fs::read(&path).map_err(|err| anyhow!("cannot read clip file {} ({err})", path.display()))
}

/// `path:line:column` of a byte span's start in `text`.
fn locate(path: &Path, text: &str, span: Range<usize>) -> String {
    let before = &text[..span.start.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |tail| tail.chars().count()) + 1;
    format!("{}:{line}:{column}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADMIN: &str = "[[users]]\nemail = \"a@b.c\"\npassword = \"pw\"\n";

    fn action(user: &str, clips: &str) -> String {
        format!("[[actions]]\nuser = \"{user}\"\nuploaded_at = 2024-01-01T00:00:00Z\nclips = {clips}\n")
    }

    fn load(files: &[(&str, &str)]) -> Result<Fixtures> {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("clips")).unwrap();
        fs::write(dir.path().join("clips/one.mp4"), b"\x00\x00\x00\x18ftypmp42").unwrap();
        fs::write(dir.path().join("clips/two.mp4"), b"two").unwrap();
        for (name, text) in files {
            fs::write(dir.path().join(name), text).unwrap();
        }
        Fixtures::load(dir.path())
    }

    fn error(files: &[(&str, &str)]) -> String {
        format!("{:#}", load(files).unwrap_err())
    }

    #[test]
    fn the_shipped_fixtures_load() {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data");
        let fixtures = Fixtures::load(&data).unwrap();
        assert!(
            fixtures.users.iter().any(|u| u.email == "admin@admin.com" && u.password == "admin@admin.com")
        );
        let action = &fixtures.actions[0];
        assert_eq!(action.clips.len(), 2);
        let prediction = action.prediction.as_ref().unwrap();
        let [foul, no_foul, no_card, yellow, red] = prediction.confidences;
        assert!((foul + no_foul - 1.0).abs() < 1e-9 && (no_card + yellow + red - 1.0).abs() < 1e-9);
        let json: serde_json::Value = serde_json::from_str(&prediction.foul_model_results).unwrap();
        assert_eq!(json["probabilities"]["foul"], foul);
    }

    #[test]
    fn clips_are_read_byte_for_byte_and_users_resolve_across_files() {
        let fixtures = load(&[
            ("a.toml", ADMIN),
            ("b.toml", &action("a@b.c", "[\"clips/one.mp4\", \"clips/two.mp4\"]")),
        ])
        .unwrap();
        assert_eq!(fixtures.actions[0].clips, [b"\x00\x00\x00\x18ftypmp42".to_vec(), b"two".to_vec()]);
        assert_eq!(fixtures.actions[0].uploaded_at, "2024-01-01T00:00:00Z");
    }

    #[test]
    fn mistakes_name_file_line_and_column() {
        let clips = "[\"clips/one.mp4\", \"clips/two.mp4\"]";
        let cases = [
            (format!("{ADMIN}email2 = 1\n"), "fixtures.toml:4:1", "unknown field `email2`"),
            ("[[users]\n".to_owned(), "fixtures.toml:1:9", "unclosed array table"),
            (format!("{ADMIN}{ADMIN}"), "fixtures.toml:5:9", "already defined at"),
            (format!("{ADMIN}{}", action("nobody@x.y", clips)), "fixtures.toml:5:8", "no user nobody@x.y"),
            (
                format!("{ADMIN}{}", action("a@b.c", "[\"clips/one.mp4\"]")),
                "fixtures.toml:7:9",
                "needs 2 to 4 clips",
            ),
            (
                format!("{ADMIN}{}", action("a@b.c", "[\"clips/one.mp4\", \"clips/gone.mp4\"]")),
                "fixtures.toml:7:27",
                "cannot read clip file",
            ),
            (
                format!("{ADMIN}{}", action("a@b.c", "[\"clips/one.mp4\", \"../etc/passwd\"]")),
                "fixtures.toml:7:27",
                "must be a path inside",
            ),
            (
                format!("{ADMIN}{}{}", action("a@b.c", clips), action("a@b.c", clips)),
                "fixtures.toml:10:15",
                "already has an action",
            ),
        ];
        for (text, at, what) in cases {
            let err = error(&[("fixtures.toml", &text)]);
            assert!(err.contains(at) && err.contains(what), "expected {at} / {what}, got: {err}");
        }
    }
}
