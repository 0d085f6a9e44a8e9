-- placeholder: the schema the example blueprint names
CREATE TABLE customers (id bigint PRIMARY KEY, full_name text, email text);
