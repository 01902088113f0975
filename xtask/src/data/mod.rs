//! Seed data: the fixtures in `data/` and fake users at volume, loaded in one transaction.

pub mod fake_data;
pub mod seed;
