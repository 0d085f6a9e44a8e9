-- Deterministic sample data for schema version 1: 50 customers over four email domains (two
-- with names that need escaping in JSON), 200 orders of which 20 are 'void', 5 sessions.
INSERT INTO customers (name, email, legacy_flag)
SELECT first || ' ' || last,
       lower(first) || '.' || lower(last) || i || '@' || domain,
       i % 5 = 0
FROM (
    SELECT i,
           (ARRAY['Ada', 'Alan', 'Grace', 'Edsger', 'Barbara', 'Donald', 'Frances', 'John',
                  'Margaret', 'Ken', 'Radia', 'Tim'])[1 + i % 12] AS first,
           (ARRAY['Lovelace', 'Turing', 'Hopper', 'Dijkstra', 'Liskov', 'Knuth', 'Allen',
                  'McCarthy', 'Hamilton', 'Thompson', 'Perlman'])[1 + (i * 7) % 11] AS last,
           (ARRAY['example.com', 'shop.test', 'mail.example.org', 'corp.example.net'])[1 + i % 4] AS domain
    FROM generate_series(1, 48) AS i
) AS people
ORDER BY i;

INSERT INTO customers (name, email, legacy_flag) VALUES
    ('Zoë "Zed" O''Brien', 'zoe.obrien@example.com', false),
    ('Back\Slash Søren', 'soren@shop.test', true);

-- Orders refer to customers by position, so the seed works whatever ids the sequence hands out.
INSERT INTO orders (customer_id, amount_cents, status)
SELECT c.id,
       500 + (i * 137) % 9500,
       CASE WHEN i % 10 = 0 THEN 'void' WHEN i % 3 = 0 THEN 'paid' ELSE 'open' END
FROM generate_series(1, 200) AS i
JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS pos FROM customers) AS c
  ON c.pos = (i * 7) % 50
ORDER BY i;

INSERT INTO sessions (token, created_at)
SELECT md5('session-' || i), timestamptz '2024-01-01 00:00:00+00' + i * interval '1 hour'
FROM generate_series(1, 5) AS i;
