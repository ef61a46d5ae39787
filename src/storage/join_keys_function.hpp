// openduck_join_keys(key, filter): the scalar function through which a host's remote scan asks
// the worker to keep only the rows whose key may match the host's side of a join (a semi-join
// reduction; common/join_key_filter.hpp). `filter` is the encoded filter in base64, a constant;
// a NULL key never matches. Registered in every database instance a server opens: hosts put it
// into the SQL of their scans, and client SQL may call it too, seeing nothing but its arguments.
#pragma once

#include "duckdb/main/database.hpp"

namespace openduck {

// Adds the function to `database`'s system catalog (again is a no-op). Call before client SQL runs.
void RegisterJoinKeysFunction(duckdb::DatabaseInstance &database);

} // namespace openduck
