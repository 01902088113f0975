CREATE TABLE t (
    a int,
    b int,
    CONSTRAINT t_pk PRIMARY KEY (a), -- renamed from: t_pkey
    -- renamed from: t_a_check
    CONSTRAINT t_a_positive CHECK (a > 0)
);
ALTER TABLE t ADD CONSTRAINT t_b_positive CHECK (b > 1); -- renamed from: t_b_check
CREATE TABLE u (a int);
ALTER TABLE ONLY public.u
    ADD CONSTRAINT u_to_t FOREIGN KEY (a) REFERENCES t (a); -- renamed from: u_a_fkey
