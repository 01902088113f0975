CREATE TYPE mood AS ENUM ( -- renamed from: feeling
    'ok',
    'red' -- renamed from: crimson
);
CREATE TABLE t (m mood DEFAULT 'red', ms mood[]);
