// Access-token helpers. Tokens are secrets: compare them in constant time and never log them.
#pragma once

#include <string>

namespace openduck {

// Compares in time that depends only on the lengths, not on where the strings differ.
bool TokensEqual(const std::string &a, const std::string &b);

// "Bearer <token>" for the gRPC "authorization" metadata.
std::string BearerHeader(const std::string &token);

// The token inside an "authorization" metadata value; the value itself when it has no
// "Bearer " prefix.
std::string TokenFromHeader(const std::string &header_value);

} // namespace openduck
