CREATE TABLE item (
    id int PRIMARY KEY,
    price numeric NOT NULL,
    quantity int NOT NULL,
    total numeric GENERATED ALWAYS AS (price * quantity) STORED,
    label text GENERATED ALWAYS AS ('item ' || id) STORED,
    code text
);
COMMENT ON COLUMN item.total IS 'price times quantity';
