-- Reverts 20261202110317_comment_on_tables_and_columns.up.sql; run by `cargo xtask downgrade`.

COMMENT ON TABLE action IS NULL;
COMMENT ON COLUMN action.created_at IS NULL;
COMMENT ON COLUMN action.id IS NULL;
COMMENT ON COLUMN action.user_id IS NULL;
COMMENT ON TABLE clip IS NULL;
COMMENT ON COLUMN clip.action_id IS NULL;
COMMENT ON COLUMN clip.content IS NULL;
COMMENT ON COLUMN clip.id IS NULL;
COMMENT ON TABLE prediction IS NULL;
COMMENT ON COLUMN prediction.action_id IS NULL;
COMMENT ON COLUMN prediction.foul_confidence IS NULL;
COMMENT ON COLUMN prediction.foul_model_results IS NULL;
COMMENT ON COLUMN prediction.id IS NULL;
COMMENT ON COLUMN prediction.is_foul IS NULL;
COMMENT ON COLUMN prediction.no_card_confidence IS NULL;
COMMENT ON COLUMN prediction.no_foul_confidence IS NULL;
COMMENT ON COLUMN prediction.red_card_confidence IS NULL;
COMMENT ON COLUMN prediction.severity_model_results IS NULL;
COMMENT ON COLUMN prediction.yellow_card_confidence IS NULL;
COMMENT ON TABLE user_account IS NULL;
COMMENT ON COLUMN user_account.created_at IS NULL;
COMMENT ON COLUMN user_account.email IS NULL;
COMMENT ON COLUMN user_account.id IS NULL;
COMMENT ON COLUMN user_account.password IS NULL;
