CREATE TABLE t (id int PRIMARY KEY);
CREATE INDEX t_id_idx ON t (id);
CREATE VIEW v AS SELECT id FROM t;
COMMENT ON INDEX t_id_idx IS 'by id';
COMMENT ON VIEW v IS 'a view';
COMMENT ON CONSTRAINT t_pkey ON t IS 'the key';
