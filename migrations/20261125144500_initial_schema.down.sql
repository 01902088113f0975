-- Removes everything 20261125144500_initial_schema.up.sql created, dependents first.
DROP TABLE prediction;
DROP TABLE clip;
DROP TABLE action;
DROP TABLE user_account;
