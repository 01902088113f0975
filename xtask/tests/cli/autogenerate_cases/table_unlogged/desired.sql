CREATE UNLOGGED TABLE cache (key text PRIMARY KEY, value jsonb);
CREATE TABLE scratch (id int);
CREATE UNLOGGED TABLE session (id int PRIMARY KEY);
