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
    email      varchar(255) NOT NULL CONSTRAINT user_account_email_key UNIQUE,
    -- An argon2id PHC string ($argon2id$v=19$...), never a plaintext password.
    password   varchar(255) NOT NULL,
    created_at timestamptz  NOT NULL DEFAULT now()
);

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
