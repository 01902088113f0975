-- ReferAI's schema as the code wants it: the one file to edit when the model changes.
--
-- Plain PostgreSQL DDL, applied to an empty database. After editing it, run
--     cargo xtask revision --autogenerate -m "what changed"
-- which writes the migration that takes migrations/ to this state (proven on scratch databases
-- before anything is written). `cargo xtask check` fails while the two disagree.
--
-- Renames are never guessed: mark a renamed table or column with a comment on its definition,
--     CREATE TABLE clip ( -- renamed from: video
--     content bytea NOT NULL, -- renamed from: data
-- and the migration renames it, keeping its data; without the note it is a drop and an add.
-- The note may stay after the migration exists; it is ignored once migrations/ has the new name.

CREATE TABLE user_account (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- As typed at registration; unique as normalised (the index below). The normalised form must
    -- fit in an index entry (at most 2704 bytes): NFKC expands a few characters 18-fold.
    email      varchar(255) NOT NULL
        CONSTRAINT user_account_email_normalized_length
            CHECK (octet_length(lower(normalize(email, NFKC))) <= 1024),
    -- An argon2id PHC string ($argon2id$v=19$...), never a plaintext password.
    password   varchar(255) NOT NULL,
    created_at timestamptz  NOT NULL DEFAULT now()
);
-- One account per email however it is cased or encoded: `Admin@x.org`, `ADMIN@X.ORG` and the
-- full-width `ａdmin@x.org` are all `admin@x.org` (Unicode NFKC, then lower case by the
-- database's collation). Logins look emails up by this same expression, so this index serves them.
CREATE UNIQUE INDEX user_account_email_normalized_key ON user_account (lower(normalize(email, NFKC)));

-- Failed logins per account and per client address, kept here so that every backend process
-- sharing the database throttles the same guesses (backend/src/repository/login_throttle.rs).
-- Every time in it is the database's clock, so the processes' clocks never have to agree.
CREATE TABLE login_throttle (
    scope           text        NOT NULL
        CONSTRAINT login_throttle_scope_check CHECK (scope IN ('account', 'address')),
    -- The SHA-256 of the normalised email (no address is kept in clear), or the client address.
    subject         text        NOT NULL,
    failures        integer     NOT NULL DEFAULT 0,
    -- No login for this subject is tried before then; NULL when it is not locked.
    locked_until    timestamptz,
    last_failure_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT login_throttle_pkey PRIMARY KEY (scope, subject)
);
CREATE INDEX login_throttle_last_failure_at_idx ON login_throttle (last_failure_at);

-- One incident a user uploaded: 2 to 4 camera clips and, once the models ran, one prediction.
CREATE TABLE action (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint      NOT NULL REFERENCES user_account (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX action_user_id_idx ON action (user_id);

CREATE TABLE clip (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action_id bigint NOT NULL REFERENCES action (id) ON DELETE CASCADE,
    -- The uploaded video file, byte for byte.
    content   bytea  NOT NULL
);
CREATE INDEX clip_action_id_idx ON clip (action_id);

CREATE TABLE prediction (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action_id              bigint NOT NULL CONSTRAINT prediction_action_id_key UNIQUE
                               REFERENCES action (id) ON DELETE CASCADE,
    is_foul                boolean          NOT NULL,
    foul_confidence        double precision NOT NULL
        CONSTRAINT prediction_foul_confidence_range CHECK (foul_confidence BETWEEN 0 AND 1),
    no_foul_confidence     double precision NOT NULL
        CONSTRAINT prediction_no_foul_confidence_range CHECK (no_foul_confidence BETWEEN 0 AND 1),
    no_card_confidence     double precision NOT NULL
        CONSTRAINT prediction_no_card_confidence_range CHECK (no_card_confidence BETWEEN 0 AND 1),
    red_card_confidence    double precision NOT NULL
        CONSTRAINT prediction_red_card_confidence_range CHECK (red_card_confidence BETWEEN 0 AND 1),
    yellow_card_confidence double precision NOT NULL
        CONSTRAINT prediction_yellow_card_confidence_range CHECK (yellow_card_confidence BETWEEN 0 AND 1),
    -- Raw outputs of the foul and severity models, as the ReferAI app returns them.
    foul_model_results     jsonb NOT NULL,
    severity_model_results jsonb NOT NULL
);

-- What each table and column means, for people: `cargo xtask schema-doc` shows these in
-- docs/SCHEMA.md.
COMMENT ON TABLE user_account IS 'A ReferAI user, who uploads incidents (actions) and reads the models'' verdicts on them. Deleting one deletes everything they uploaded.';
COMMENT ON COLUMN user_account.id IS 'Generated; never reused.';
COMMENT ON COLUMN user_account.email IS 'The login, unique across users, stored as given.';
COMMENT ON COLUMN user_account.password IS 'An argon2id PHC string ($argon2id$v=19$...), never a plaintext password.';
COMMENT ON COLUMN user_account.created_at IS 'When the account was registered.';

COMMENT ON TABLE action IS 'An action: one football incident a user uploaded for a decision, seen by 2 to 4 camera clips, with at most one prediction once the models have answered.';
COMMENT ON COLUMN action.id IS 'Generated; never reused.';
COMMENT ON COLUMN action.user_id IS 'The user who uploaded it; the action goes with them.';
COMMENT ON COLUMN action.created_at IS 'When it was uploaded; a user''s latest action is the one with the latest time.';

COMMENT ON TABLE clip IS 'A clip: one camera''s view of an action, the uploaded video file. An action has 2 to 4, returned in upload order (id order).';
COMMENT ON COLUMN clip.id IS 'Generated; upload order within an action.';
COMMENT ON COLUMN clip.action_id IS 'The action it shows; the clip goes with it.';
COMMENT ON COLUMN clip.content IS 'The uploaded video file, byte for byte (at most MAX_CLIP_BYTES).';

COMMENT ON TABLE prediction IS 'A prediction: what the two models concluded about an action, whether it is a foul (foul model) and which card it deserves (severity model). At most one per action. Each confidence is the model''s probability for that class, from 0 to 1; the classes of one model add up to about 1.';
COMMENT ON COLUMN prediction.id IS 'Generated; never reused.';
COMMENT ON COLUMN prediction.action_id IS 'The action it judges; one prediction per action at most.';
COMMENT ON COLUMN prediction.is_foul IS 'The verdict: true when the foul model judged the action a foul.';
COMMENT ON COLUMN prediction.foul_confidence IS 'Foul model: probability (0 to 1) that the action is a foul.';
COMMENT ON COLUMN prediction.no_foul_confidence IS 'Foul model: probability (0 to 1) that it is not a foul; about 1 - foul_confidence.';
COMMENT ON COLUMN prediction.no_card_confidence IS 'Severity model: probability (0 to 1) that no card is deserved.';
COMMENT ON COLUMN prediction.red_card_confidence IS 'Severity model: probability (0 to 1) that a red card is deserved.';
COMMENT ON COLUMN prediction.yellow_card_confidence IS 'Severity model: probability (0 to 1) that a yellow card is deserved.';
COMMENT ON COLUMN prediction.foul_model_results IS 'The foul model''s raw output: {"model": {"name", "version"}, "probabilities": {"foul", "no_foul"}}; name and version keep old predictions interpretable after a model update.';
COMMENT ON COLUMN prediction.severity_model_results IS 'The severity model''s raw output: {"model": {"name", "version"}, "probabilities": {"no_card", "yellow_card", "red_card"}}.';
