-- Quickstart shop, schema version 2: customers.name becomes full_name, email_domain is derived
-- from email, legacy_flag is gone, orders becomes purchase_orders. sessions keeps its shape but
-- starts empty (the migration skips it: users sign in again).
CREATE TABLE customers (
    id           serial PRIMARY KEY,
    full_name    text NOT NULL,
    email        text NOT NULL,
    email_domain text
);

CREATE TABLE purchase_orders (
    id           serial PRIMARY KEY,
    customer_id  int NOT NULL REFERENCES customers (id),
    amount_cents int NOT NULL,
    status       text NOT NULL DEFAULT 'open'
);
CREATE INDEX purchase_orders_customer_id ON purchase_orders (customer_id);

CREATE TABLE sessions (
    id         serial PRIMARY KEY,
    token      text,
    created_at timestamptz DEFAULT now()
);
