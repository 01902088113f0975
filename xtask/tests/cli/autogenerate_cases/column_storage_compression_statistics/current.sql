CREATE TABLE doc (
    id int PRIMARY KEY,
    body text,
    blob bytea,
    title text,
    score int
);
ALTER TABLE doc ALTER COLUMN blob SET STORAGE EXTERNAL;
ALTER TABLE doc ALTER COLUMN title SET STATISTICS 500;
ALTER TABLE doc ALTER COLUMN score SET STATISTICS 50;
