-- normalised unique emails and login throttle
-- Applied in one transaction by `cargo xtask migrate`.

-- Emails that differ only in case or Unicode form would violate the new unique index: refuse,
-- naming them, rather than drop or rename anything. (Written by hand; the rest is generated.)
DO $$
DECLARE
    clashes text;
BEGIN
    SELECT string_agg(format('%s (ids %s)', emails, ids), '; ' ORDER BY ids)
    INTO clashes
    FROM (SELECT string_agg(email, ', ' ORDER BY id) AS emails,
                 string_agg(id::text, ', ' ORDER BY id) AS ids
          FROM user_account
          GROUP BY lower(normalize(email, NFKC))
          HAVING count(*) > 1) AS clash;
    IF clashes IS NOT NULL THEN
        RAISE EXCEPTION 'user_account has emails that are equal once normalised (NFKC, lower case): %; '
                        'merge these accounts or change their emails, then migrate again (nothing was changed)',
                        clashes;
    END IF;
END
$$;

ALTER TABLE user_account DROP CONSTRAINT user_account_email_key;

CREATE TABLE login_throttle (
    scope text NOT NULL,
    subject text NOT NULL,
    failures integer DEFAULT 0 NOT NULL,
    locked_until timestamp with time zone,
    last_failure_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT login_throttle_pkey PRIMARY KEY (scope, subject),
    CONSTRAINT login_throttle_scope_check CHECK ((scope = ANY (ARRAY['account'::text, 'address'::text])))
);

-- The check above, this constraint and the unique index hold together in one transaction, so no
-- clashing email can slip in between; user_account has one small row per account, so the scan
-- and the SHARE lock last milliseconds. Deliberately not NOT VALID / CONCURRENTLY:
-- lint: allow constraint-not-valid
ALTER TABLE user_account ADD CONSTRAINT user_account_email_normalized_length CHECK ((octet_length(lower(NORMALIZE(email, NFKC))) <= 1024));
CREATE INDEX login_throttle_last_failure_at_idx ON public.login_throttle USING btree (last_failure_at);
-- lint: allow index-not-concurrent
CREATE UNIQUE INDEX user_account_email_normalized_key ON public.user_account USING btree (lower(NORMALIZE(email, NFKC)));
