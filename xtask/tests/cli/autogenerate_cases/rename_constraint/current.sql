CREATE TABLE t (
    a int,
    b int,
    CONSTRAINT t_pkey PRIMARY KEY (a),
    CONSTRAINT t_a_check CHECK (a > 0)
);
ALTER TABLE t ADD CONSTRAINT t_b_check CHECK (b > 0);
CREATE TABLE u (a int CONSTRAINT u_a_fkey REFERENCES t (a));
