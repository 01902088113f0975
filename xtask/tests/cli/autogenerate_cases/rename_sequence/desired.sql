CREATE SEQUENCE s2 START 5; -- renamed from: s1
CREATE TABLE t (a int DEFAULT nextval('s2'));
