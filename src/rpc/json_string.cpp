#include "rpc/json_string.hpp"

#include <cstdio>

namespace openduck {

std::string JsonString(const std::string &text) {
	std::string out = "\"";
	for (char c : text) {
		auto byte = static_cast<unsigned char>(c);
		switch (c) {
		case '"':
			out += "\\\"";
			break;
		case '\\':
			out += "\\\\";
			break;
		case '\n':
			out += "\\n";
			break;
		case '\r':
			out += "\\r";
			break;
		case '\t':
			out += "\\t";
			break;
		default:
			if (byte < 0x20) {
				char escaped[8];
				std::snprintf(escaped, sizeof(escaped), "\\u%04x", byte);
				out += escaped;
			} else {
				out += c;
			}
		}
	}
	out += "\"";
	return out;
}

} // namespace openduck
