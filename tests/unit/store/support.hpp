// Test support for the store: temporary directories and package builders.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "store/records.hpp"
#include "store/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace docaxis::store::testing {

// A fresh directory under $TMPDIR (tests/support/temp_dir.hpp: removed on destruction unless
// DOCAXIS_KEEP_TMP is set).
struct TempDir : ::docaxis::test::TempDir {
  TempDir() : ::docaxis::test::TempDir("store") {}
};

// Deterministic pseudo-random bytes (all 256 values, NULs included) from a seed string.
std::string binary_bytes(const std::string& seed, size_t size);
// A well-formed (but not real) sha256 hex for `bytes`: stable, and different for
// different bytes with overwhelming probability. The store only checks the format.
std::string fake_sha256_hex(const std::string& bytes);

// An edoc package from `sender` with `document_id` and `bytes`, received at `received_ms`.
StoredPackage make_package(const std::string& sender, const std::string& document_id,
                           std::string bytes, int64_t received_ms = 1'700'000'000'000);
std::vector<DeliverySpec> to_local(const std::vector<std::string>& recipients);

// Options for a store at `path` with a settable clock.
SqliteStoreOptions options_for(const std::string& path, const int64_t* clock_ms = nullptr);

// The first column of the first row of `sql` on the database file, read with plain SQLite as
// another program would; -1 when the file does not open, there is no row or the query fails
// (so a test comparing it to what it expects fails). Also linked into store_bench: no gtest.
int64_t query_int(const std::string& path, const std::string& sql);

}  // namespace docaxis::store::testing
