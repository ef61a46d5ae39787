// What an ATTACH 'openduck:<db>?k=v' statement asks for, after defaults from the environment.
#pragma once

#include "common/endpoint.hpp"

#include <map>
#include <string>

namespace openduck {

struct AttachConfig {
	std::string database;
	Endpoint endpoint;
	std::string token;
	// Empty: the head of the database.
	std::string snapshot;
};

// Parses `path` ("mydb?endpoint=http://h:7878&token=..."; values may be %-encoded) and the
// ATTACH options (already lower-cased keys), options taking precedence over the query string,
// which takes precedence over OPENDUCK_ENDPOINT / OPENDUCK_TOKEN.
// Throws std::invalid_argument for an empty database name or an unknown key, naming the fix.
AttachConfig ParseAttachConfig(const std::string &path, const std::map<std::string, std::string> &options);

} // namespace openduck
