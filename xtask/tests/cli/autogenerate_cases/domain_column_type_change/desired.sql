CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');
CREATE TABLE t (a email);
