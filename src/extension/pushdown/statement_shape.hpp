// The shape of a shipped statement: its text with the literal values of an INSERT ... VALUES,
// or those an UPDATE sets and an UPDATE's or DELETE's condition compares with, masked by their
// types. Statements of one shape bind alike on the worker (the values only fill rows of columns
// that bind the same, or are compared as values of their type), so one description serves them
// all: an application's single-row INSERTs, UPDATEs and DELETEs, each with new values, then
// cost one request instead of describe + run.
#pragma once

#include "duckdb/parser/sql_statement.hpp"

#include <string>

namespace openduck {

// A cache key for `statement`'s description, or "" when its values may change how it binds
// (anything but the statements above), so only its exact text may
// share a description. Never executed.
std::string StatementShape(const duckdb::SQLStatement &statement);

} // namespace openduck
