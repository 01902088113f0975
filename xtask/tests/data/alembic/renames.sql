-- The old app's table names, for `cargo xtask adopt --renames`: only the notes are read.
CREATE TABLE user_account ( -- renamed from: users
);
CREATE TABLE action ( -- renamed from: actions
);
CREATE TABLE clip ( -- renamed from: clips
);
CREATE TABLE prediction ( -- renamed from: predictions
);
