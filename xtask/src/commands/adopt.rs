//! `adopt`: take over a database another tool made; inspect and plan, or `--apply`.

use anyhow::Result;

use crate::adopt::{self, Kind, Options};
use crate::engine::Source;
use crate::flags;
use crate::project::Project;

impl flags::Adopt {
    /// Runs `cargo xtask adopt`.
    pub async fn run(self, project: &Project) -> Result<()> {
        let (url, source) = (project.db_url()?, Source::load(&project.migrations_dir)?);
        let options = Options { version: self.version, renames: self.renames.clone() };
        let plan = adopt::plan(&url, &source, &project.backups_dir, &options).await?;
        let database = &plan.database;
        println!("found:    `{database}`: {} table(s), {}", plan.tables.len(), plan.found());
        println!("backup:   {} ({})", plan.backup.display(), plan.verified);
        match &plan.kind {
            Kind::Baseline => println!(
                "plan:     baseline: the schema is version {}'s; record it and every earlier version as applied, running nothing",
                plan.version
            ),
            Kind::Bridge { sql, warnings, counts } => {
                println!(
                    "plan:     bridge to version {} (proven on a restored copy of the backup):\n{}",
                    plan.version,
                    indent(sql)
                );
                println!("rows:     every table, before -> after the bridge on the copy:");
                for count in counts {
                    let name = match &count.renamed_to {
                        Some(new) => format!("{} -> {new}", count.table),
                        None => count.table.clone(),
                    };
                    let after = count.after.map_or("dropped".to_owned(), |n| n.to_string());
                    println!("  {name}: {} -> {after}", count.before);
                }
                for warning in warnings {
                    println!("warning:  {warning}");
                }
            }
        }
        let timings: Vec<String> =
            plan.timings.iter().map(|(what, took)| format!("{what} {:.2} s", took.as_secs_f64())).collect();
        println!("took:     {}", timings.join(", "));
        if !self.apply {
            let loss = if plan.losses().is_empty() { "" } else { " --allow-data-loss" };
            println!("nothing was changed; `cargo xtask adopt --apply{loss}` carries this plan out");
            return Ok(());
        }
        let applied = adopt::apply(
            &url,
            &source,
            &plan,
            self.allow_data_loss,
            self.drop_alembic_version,
            self.lock_timeout,
            self.ddl,
        )
        .await?;
        println!(
            "applied:  `{database}` is at version {}: recorded {} version(s) as applied in {:.2} s",
            plan.version,
            applied.recorded.len(),
            applied.took.as_secs_f64()
        );
        if applied.dropped_alembic_version {
            println!("dropped:  alembic_version");
        } else if plan.alembic.is_some() {
            println!(
                "kept:     alembic_version; once nobody runs Alembic on `{database}`, drop it with \
                 `psql -c 'DROP TABLE alembic_version'`"
            );
        }
        println!("next:     `cargo xtask migrate` applies the remaining versions");
        Ok(())
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|line| format!("    {line}")).collect::<Vec<_>>().join("\n")
}
