// The host session's state that changes what a statement computes, as SQL the worker runs on
// the request's connection before the statement: TimeZone and Calendar (TIMESTAMPTZ casts,
// date parts, strftime), variables (SET VARIABLE / getvariable), NULL order, sort order and
// arithmetic settings, each only when it differs from the worker's default, so a host on UTC
// with default settings sends nothing. Without it, a statement shipped
// to the worker would compute with the worker's settings: getvariable() would read NULL and a
// TIMESTAMPTZ rendered to text would use the worker's time zone, and both could be stored.
#pragma once

#include "duckdb/main/client_context.hpp"

#include <string>

namespace openduck {

// "SET ...; SET VARIABLE ...;" (every name and value quoted), or "" when nothing applies.
std::string SessionSettingsSQL(duckdb::ClientContext &context);

} // namespace openduck
