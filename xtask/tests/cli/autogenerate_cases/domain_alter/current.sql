CREATE DOMAIN code AS varchar(10) CHECK (VALUE IN ('a', 'b'));
CREATE TABLE t (c code);
