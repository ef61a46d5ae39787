// JSON string literals for the hand-written JSON the servers produce (/health, /status, JSON
// log lines).
#pragma once

#include <string>

namespace openduck {

// JSON string literal (with quotes) for `text`; control characters are \u-escaped and bytes
// >= 0x80 are passed through (the inputs are UTF-8).
std::string JsonString(const std::string &text);

} // namespace openduck
