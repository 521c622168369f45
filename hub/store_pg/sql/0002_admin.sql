-- placeholder, replaced by the admin migration
-- (a migration with no statement at all is an empty query, which the migrator refuses)
SELECT 1;
