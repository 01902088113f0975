-- renamed from: positive
CREATE DOMAIN positive_int AS int CONSTRAINT is_positive CHECK (VALUE > 0);
CREATE TABLE t (a positive_int);
