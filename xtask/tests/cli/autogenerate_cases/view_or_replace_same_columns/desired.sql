CREATE TABLE t (a int, b text);
CREATE VIEW v AS SELECT a, b FROM t WHERE a > 10;
CREATE VIEW w AS SELECT a FROM v;
COMMENT ON VIEW v IS 'kept in place';
COMMENT ON COLUMN v.b IS 'kept too';
