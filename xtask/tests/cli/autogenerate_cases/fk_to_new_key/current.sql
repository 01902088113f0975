CREATE TABLE p (id int PRIMARY KEY, code text);
CREATE TABLE c (code text);
