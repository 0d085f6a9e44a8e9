-- Quickstart shop, schema version 1.
CREATE TABLE customers (
    id          serial PRIMARY KEY,
    name        text NOT NULL,
    email       text NOT NULL,
    legacy_flag boolean DEFAULT false
);

CREATE TABLE orders (
    id           serial PRIMARY KEY,
    customer_id  int NOT NULL REFERENCES customers (id),
    amount_cents int NOT NULL,
    status       text NOT NULL DEFAULT 'open'
);
CREATE INDEX orders_customer_id ON orders (customer_id);

CREATE TABLE sessions (
    id         serial PRIMARY KEY,
    token      text,
    created_at timestamptz DEFAULT now()
);
