-- Reverts 20261202110650_normalised_unique_emails_and_login_throttle.up.sql; run by `cargo xtask downgrade`.

ALTER TABLE user_account DROP CONSTRAINT user_account_email_normalized_length;
DROP INDEX user_account_email_normalized_key;
-- WARNING: drops table login_throttle and all its rows
DROP TABLE login_throttle;
ALTER TABLE user_account ADD CONSTRAINT user_account_email_key UNIQUE (email);
