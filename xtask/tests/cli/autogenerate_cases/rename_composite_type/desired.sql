CREATE TYPE pair2 AS (a int, b text); -- renamed from: pair1
CREATE TABLE t (p pair2);
