CREATE TABLE item (
    id int PRIMARY KEY,
    price numeric NOT NULL,
    quantity int NOT NULL,
    total numeric GENERATED ALWAYS AS (price * quantity * 1.2) STORED,
    label text,
    code text GENERATED ALWAYS AS (upper('item ' || id)) STORED
);
COMMENT ON COLUMN item.total IS 'price times quantity';
