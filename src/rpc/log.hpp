// Log lines for the server processes: one line per event on stderr, prefixed with a UTC
// timestamp and the process role ("openduck serve: ..."). Never pass secrets (tokens) here.
//
// Thread-safe: lines from concurrent threads never interleave.
#pragma once

#include <string>

namespace openduck {

// Sets the role shown in every line, e.g. "openduck serve". Call once at start-up.
void SetLogRole(const std::string &role);

void Log(const std::string &message);

} // namespace openduck
