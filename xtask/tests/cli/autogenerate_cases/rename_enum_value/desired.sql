CREATE TYPE colour AS ENUM (
    -- renamed from: 'Crimson'
    'red',
    'blue', -- renamed from: azure
    'green'
);
CREATE TABLE t (c colour NOT NULL DEFAULT 'blue');
