CREATE FUNCTION plus_one(x int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT x + 1 $$;
CREATE FUNCTION plus_one(x text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT x || '1' $$;
CREATE PROCEDURE tidy() LANGUAGE sql AS $$ SELECT 1 $$;
CREATE TABLE t (a int CHECK (plus_one(a) > 0));
