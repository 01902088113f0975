CREATE FUNCTION successor(x int) RETURNS int LANGUAGE sql IMMUTABLE -- renamed from: plus_one
    AS $$ SELECT x + 1 $$;
CREATE FUNCTION plus_one(x text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT x || '1' $$;
-- renamed from: tidy
CREATE PROCEDURE clean_up() LANGUAGE sql AS $$ SELECT 1 $$;
CREATE TABLE t (a int CHECK (successor(a) > 0));
