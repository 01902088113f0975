CREATE DOMAIN code AS varchar(10) DEFAULT 'a' NOT NULL CHECK (VALUE IN ('a', 'b', 'c'));
CREATE TABLE t (c code);
