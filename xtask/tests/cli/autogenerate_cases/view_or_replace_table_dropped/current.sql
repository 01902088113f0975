CREATE SEQUENCE s;
CREATE TABLE t (a int);
CREATE TABLE old_source (a int);
CREATE VIEW v AS SELECT a, nextval('s') AS n FROM old_source;
CREATE VIEW top AS SELECT a FROM v;
