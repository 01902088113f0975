CREATE TABLE audit (id int PRIMARY KEY, note text) WITH (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.01);
CREATE TABLE plain (id int PRIMARY KEY, body text) WITH (toast.autovacuum_enabled = false);
CREATE TABLE fresh (id int PRIMARY KEY) WITH (fillfactor = 50);
