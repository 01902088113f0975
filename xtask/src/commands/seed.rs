//! `seed`: load the fixtures in `data/` and, with `--fake N`, fake users at volume.

use std::path::Path;

use anyhow::Result;
use dburl::DbUrl;

use crate::data::{fake_data, seed};
use crate::flags;
use crate::project::Project;

impl flags::Seed {
    /// Runs `cargo xtask seed`.
    pub async fn run(self, project: &Project) -> Result<()> {
        let url = project.db_url()?;
        let data = self.data.clone().unwrap_or_else(|| project.root.join("data"));
        let fake = self.fake.map(|count| (count, self.rng_seed.unwrap_or_else(rand::random)));
        let seeded = seed::seed(&url, &data, self.reset, fake).await?;
        report(&url, &seeded.fixtures, &data);
        if let (Some(counts), Some((_, rng_seed))) = (seeded.fake, fake) {
            println!(
                "added {} fake users with {} actions, {} clips and {} predictions \
                 (--rng-seed {rng_seed}; their password is `{}`)",
                counts.users,
                counts.actions,
                counts.clips,
                counts.predictions,
                fake_data::PASSWORD
            );
        }
        Ok(())
    }
}

/// What the fixtures added, in one or two lines.
fn report(url: &DbUrl, added: &seed::Added, data: &Path) {
    let data = data.display();
    let database = url.database();
    if added.reset > 0 {
        println!("reset: removed {} fixture user(s) and everything they owned", added.reset);
    }
    if added.users + added.actions == 0 {
        println!("`{database}` already holds every fixture from {data}; nothing to add");
    } else {
        println!(
            "seeded `{database}` from {data}: {} user(s), {} action(s), {} clip(s), {} prediction(s)",
            added.users, added.actions, added.clips, added.predictions
        );
    }
}
