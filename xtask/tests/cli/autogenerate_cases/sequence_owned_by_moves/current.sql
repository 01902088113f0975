CREATE TABLE t (a bigint, b bigint); CREATE SEQUENCE s OWNED BY t.a;
