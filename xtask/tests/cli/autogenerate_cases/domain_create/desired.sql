CREATE DOMAIN positive AS integer NOT NULL DEFAULT 1 CONSTRAINT positive_check CHECK (VALUE > 0);
COMMENT ON DOMAIN positive IS 'above zero';
CREATE TABLE t (a int, b positive);
