CREATE TYPE feeling AS ENUM ('ok', 'crimson');
CREATE TABLE t (m feeling DEFAULT 'crimson', ms feeling[]);
