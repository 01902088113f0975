CREATE TABLE audit (id int PRIMARY KEY, note text) WITH (fillfactor = 80, autovacuum_enabled = false);
CREATE TABLE plain (id int PRIMARY KEY, body text);
