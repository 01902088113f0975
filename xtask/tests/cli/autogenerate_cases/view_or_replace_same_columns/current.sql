CREATE TABLE t (a int, b text);
CREATE VIEW v WITH (security_barrier) AS SELECT a, b FROM t WHERE a > 0;
CREATE VIEW w AS SELECT a FROM v;
COMMENT ON VIEW v IS 'kept in place';
COMMENT ON COLUMN v.b IS 'kept too';
