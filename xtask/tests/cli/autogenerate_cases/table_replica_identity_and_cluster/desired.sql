CREATE TABLE event (id int PRIMARY KEY, code text NOT NULL, at timestamptz);
CREATE UNIQUE INDEX event_code_idx ON event (code);
CREATE INDEX event_at_idx ON event (at);
ALTER TABLE event REPLICA IDENTITY USING INDEX event_code_idx;
ALTER TABLE event CLUSTER ON event_code_idx;
CREATE TABLE audit (id int PRIMARY KEY, note text);
CREATE TABLE log (id int PRIMARY KEY, line text);
ALTER TABLE log REPLICA IDENTITY NOTHING;
ALTER TABLE log CLUSTER ON log_pkey;
