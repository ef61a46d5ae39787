// Rules for database names. A name becomes a file name under the data dir (and later an object
// store prefix), so only a conservative character set is allowed: no path separators, no dots,
// no leading '-' (which would read as an option).
#pragma once

#include <string>

namespace openduck {

constexpr std::size_t kMaxDatabaseNameLength = 63;

// [A-Za-z0-9_][A-Za-z0-9_-]*, at most kMaxDatabaseNameLength characters.
bool IsValidDatabaseName(const std::string &name);

// Why `name` is invalid ("" when it is valid), phrased for users.
std::string DatabaseNameProblem(const std::string &name);

} // namespace openduck
