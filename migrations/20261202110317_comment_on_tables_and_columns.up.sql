-- comment on tables and columns
-- Applied in one transaction by `cargo xtask migrate`.

COMMENT ON TABLE action IS 'An action: one football incident a user uploaded for a decision, seen by 2 to 4 camera clips, with at most one prediction once the models have answered.';
COMMENT ON COLUMN action.created_at IS 'When it was uploaded; a user''s latest action is the one with the latest time.';
COMMENT ON COLUMN action.id IS 'Generated; never reused.';
COMMENT ON COLUMN action.user_id IS 'The user who uploaded it; the action goes with them.';
COMMENT ON TABLE clip IS 'A clip: one camera''s view of an action, the uploaded video file. An action has 2 to 4, returned in upload order (id order).';
COMMENT ON COLUMN clip.action_id IS 'The action it shows; the clip goes with it.';
COMMENT ON COLUMN clip.content IS 'The uploaded video file, byte for byte (at most MAX_CLIP_BYTES).';
COMMENT ON COLUMN clip.id IS 'Generated; upload order within an action.';
COMMENT ON TABLE prediction IS 'A prediction: what the two models concluded about an action, whether it is a foul (foul model) and which card it deserves (severity model). At most one per action. Each confidence is the model''s probability for that class, from 0 to 1; the classes of one model add up to about 1.';
COMMENT ON COLUMN prediction.action_id IS 'The action it judges; one prediction per action at most.';
COMMENT ON COLUMN prediction.foul_confidence IS 'Foul model: probability (0 to 1) that the action is a foul.';
COMMENT ON COLUMN prediction.foul_model_results IS 'The foul model''s raw output: {"model": {"name", "version"}, "probabilities": {"foul", "no_foul"}}; name and version keep old predictions interpretable after a model update.';
COMMENT ON COLUMN prediction.id IS 'Generated; never reused.';
COMMENT ON COLUMN prediction.is_foul IS 'The verdict: true when the foul model judged the action a foul.';
COMMENT ON COLUMN prediction.no_card_confidence IS 'Severity model: probability (0 to 1) that no card is deserved.';
COMMENT ON COLUMN prediction.no_foul_confidence IS 'Foul model: probability (0 to 1) that it is not a foul; about 1 - foul_confidence.';
COMMENT ON COLUMN prediction.red_card_confidence IS 'Severity model: probability (0 to 1) that a red card is deserved.';
COMMENT ON COLUMN prediction.severity_model_results IS 'The severity model''s raw output: {"model": {"name", "version"}, "probabilities": {"no_card", "yellow_card", "red_card"}}.';
COMMENT ON COLUMN prediction.yellow_card_confidence IS 'Severity model: probability (0 to 1) that a yellow card is deserved.';
COMMENT ON TABLE user_account IS 'A ReferAI user, who uploads incidents (actions) and reads the models'' verdicts on them. Deleting one deletes everything they uploaded.';
COMMENT ON COLUMN user_account.created_at IS 'When the account was registered.';
COMMENT ON COLUMN user_account.email IS 'The login, unique across users, stored as given.';
COMMENT ON COLUMN user_account.id IS 'Generated; never reused.';
COMMENT ON COLUMN user_account.password IS 'An argon2id PHC string ($argon2id$v=19$...), never a plaintext password.';
