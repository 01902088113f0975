CREATE TABLE t (a int, b text);
CREATE VIEW base AS SELECT a, b FROM t WHERE a > 0;
CREATE VIEW top AS SELECT a FROM base;
