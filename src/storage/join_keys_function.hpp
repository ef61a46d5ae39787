// openduck_join_keys(key, filter): the scalar function through which a host's remote scan asks
// the worker to keep only the rows whose key may match the host's side of a join (a semi-join
// reduction; common/join_key_filter.hpp). `filter` is a constant: an INTEGER n, the request's
// n-th join key filter (ExecuteFragmentRequest.join_key_filters, as hosts send them), or the
// encoded filter in base64 text (to try a filter by hand). A NULL key never matches. Registered
// in every database instance a server opens: hosts put it into the SQL of their scans, and
// client SQL may call it too, seeing nothing but its arguments and its own request's filters.
#pragma once

#include "duckdb/main/client_context.hpp"
#include "duckdb/main/database.hpp"

#include <string>
#include <vector>

namespace openduck {

// Adds the function to `database`'s system catalog (again is a no-op). Call before client SQL runs.
void RegisterJoinKeysFunction(duckdb::DatabaseInstance &database);

// The join key filters of the request whose statements `context` runs next (replacing the
// previous request's: a session's connection runs many).
void SetRequestJoinKeyFilters(duckdb::ClientContext &context, std::vector<std::string> filters);

} // namespace openduck
