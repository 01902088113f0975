CREATE TABLE event (id int PRIMARY KEY, code text NOT NULL, at timestamptz);
CREATE UNIQUE INDEX event_code_idx ON event (code);
CREATE INDEX event_at_idx ON event (at);
ALTER TABLE event CLUSTER ON event_at_idx;
CREATE TABLE audit (id int PRIMARY KEY, note text);
ALTER TABLE audit REPLICA IDENTITY FULL;
