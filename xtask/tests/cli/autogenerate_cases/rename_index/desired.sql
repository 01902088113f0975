CREATE TABLE t (a int, b int);
CREATE INDEX t_by_a ON t (a); -- renamed from: t_a_idx
-- renamed from: t_b_idx
CREATE INDEX t_by_b ON t (b, a);
COMMENT ON INDEX t_by_a IS 'kept';
