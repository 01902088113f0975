CREATE TYPE pair1 AS (a int, b text);
CREATE TABLE t (p pair1);
