CREATE TYPE colour AS ENUM ('Crimson', 'azure', 'green');
CREATE TABLE t (c colour NOT NULL DEFAULT 'azure');
