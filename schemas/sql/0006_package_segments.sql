-- Package bytes leave the database: a package stored from this version on has its bytes in an
-- append-only segment file beside the database (<database>-packages/NNNNNNNN.seg, see
-- hub/store/segment_log.hpp) at (segment, segment_offset), `size` bytes long, and an empty
-- `bytes`. Rows stored before keep their bytes in `bytes` (segment NULL) and are read from there.
-- segment_sha256: the SHA-256 (32 raw bytes) of the bytes in the segment, checked on every read
-- (`sha256_hex` is what the sender's package hashed to, which the store does not assume).
ALTER TABLE packages ADD COLUMN segment INTEGER;
ALTER TABLE packages ADD COLUMN segment_offset INTEGER;
ALTER TABLE packages ADD COLUMN segment_sha256 BLOB;
