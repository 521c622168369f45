-- docaxis PostgreSQL store, schema version 3: owners and leases (hub/store_pg/README.md,
-- "Owners and leases"). Every time that decides a lease is the database's clock
-- (docaxis_now_ms), never a node's: the nodes' clocks differ.
CREATE FUNCTION docaxis_now_ms() RETURNS BIGINT LANGUAGE sql VOLATILE PARALLEL SAFE
  AS $$ SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;

-- An in_flight delivery is owned by the node that claimed it until lease_until_ms; the other
-- states have neither. Rows in flight before this version belong to no node ('') and their
-- lease is over: the next sweep of any node returns them to waiting.
ALTER TABLE deliveries ADD COLUMN owner TEXT, ADD COLUMN lease_until_ms BIGINT;
UPDATE deliveries SET owner = '', lease_until_ms = 0 WHERE state = 'in_flight';
ALTER TABLE deliveries ADD CONSTRAINT deliveries_in_flight_owned
  CHECK (state <> 'in_flight' OR (owner IS NOT NULL AND lease_until_ms IS NOT NULL));
-- The takeover scan (any node's expired lease) and a node's own sweep.
CREATE INDEX deliveries_in_flight_by_lease ON deliveries (lease_until_ms)
  WHERE state = 'in_flight';
CREATE INDEX deliveries_in_flight_by_owner ON deliveries (owner, updated_ms)
  WHERE state = 'in_flight';

-- The hub nodes that ever opened this database. A live process holds the session-level
-- advisory lock (class 0x64786e64, id) of its node: a second one with the same name is
-- refused at open.
CREATE TABLE nodes (
  name TEXT PRIMARY KEY,
  id INTEGER GENERATED ALWAYS AS IDENTITY UNIQUE,
  registered_ms BIGINT NOT NULL
);

-- One owner at a time per outbound peer link, until until_ms (database clock).
CREATE TABLE link_leases (
  link TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  until_ms BIGINT NOT NULL,
  acquired_ms BIGINT NOT NULL  -- when this owner took it; renewals keep it
);
