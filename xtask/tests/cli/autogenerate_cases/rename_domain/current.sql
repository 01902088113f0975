CREATE DOMAIN positive AS int CONSTRAINT is_positive CHECK (VALUE > 0);
CREATE TABLE t (a positive);
