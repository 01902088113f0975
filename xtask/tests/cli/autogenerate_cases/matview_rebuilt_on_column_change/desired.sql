CREATE TABLE t (a bigint, b text);
CREATE MATERIALIZED VIEW m AS SELECT a, b FROM t;
CREATE INDEX m_a_idx ON m (a);
