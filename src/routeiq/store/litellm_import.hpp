#pragma once
// Copies a LiteLLM proxy's management data from its PostgreSQL database (the
// tables of LiteLLM's schema.prisma) into the store: keys, deleted keys,
// teams, users, end users, organisations (with their members), budgets and
// team memberships. The `token` column is already the SHA-256 hex of the sk-
// key, as the store keeps it, so imported keys keep working unchanged.
//
// Rows are read whole (row_to_json), so whatever columns a LiteLLM version
// has are kept, under their LiteLLM names (the names its API uses, and this
// gateway's). The mapping of one row is pure (litellm_row) and tested alone.
// Blocking; every statement parameterized; nothing printed.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "routeiq/core/error.hpp"
#include "routeiq/store/store.hpp"

namespace routeiq::store {

// LiteLLM's DATABASE_URL made fit for libpq: Prisma's own parameters
// (schema=, connection_limit=, pgbouncer=...) are taken off, and `schema`
// names where the tables are.
struct LitellmSource {
  std::string url;
  std::string schema = "public";
};
Result<LitellmSource> litellm_source(std::string_view database_url);

// The LiteLLM table each store table is imported from.
std::string_view litellm_table_of(Table table);

// How the columns of a LiteLLM table are typed, as far as the mapping cares.
struct ColumnKinds {
  std::vector<std::string> timestamps;  // TIMESTAMP(3): written as ISO 8601 UTC
  std::vector<std::string> arrays;      // TEXT[]: NULL read as []
};

// For keys: the hash of a token an old LiteLLM stored in plaintext (sk-...).
using HashKey = std::function<std::string(std::string_view key)>;

// One LiteLLM row (row_to_json of it) as the store row it becomes. `extra` is
// what the row is joined with: a team's model aliases (LiteLLM_ModelTable),
// an organisation's members (LiteLLM_OrganizationMembership rows); null
// otherwise. created_ms / updated_ms are 0 where the row has no such time.
Result<Row> litellm_row(Table table, boost::json::object columns, const ColumnKinds& kinds,
                        const boost::json::value& extra, const HashKey& hash_key);

struct ImportCount {
  Table table = Table::keys;
  std::string source;   // the LiteLLM table
  bool present = true;  // false: this LiteLLM version has no such table
  int64_t inserted = 0, updated = 0, unchanged = 0;
};

struct LitellmImportOptions {
  bool deleted_keys = true;
  HashKey hash_key;
  double connect_timeout_s = 30;
};

// Reads every table from one snapshot of the source and writes them into
// `target` in one transaction: all or nothing. A row already in the store is
// replaced (its times too), so running it again updates rather than
// duplicates, and leaves rows that did not change untouched.
Result<std::vector<ImportCount>> import_litellm(const LitellmSource& source, Store& target,
                                                const LitellmImportOptions& options);

}  // namespace routeiq::store
