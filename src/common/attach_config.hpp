// What an ATTACH 'openduck:<db>?k=v' statement asks for, after defaults from the environment.
#pragma once

#include "common/endpoint.hpp"
#include "common/tls_client_files.hpp"

#include <map>
#include <string>

namespace openduck {

struct AttachConfig {
	std::string database;
	Endpoint endpoint;
	std::string token;
	// For https:// endpoints: ca, client_cert, client_key (OPENDUCK_CA, OPENDUCK_CLIENT_CERT,
	// OPENDUCK_CLIENT_KEY).
	TlsClientFiles tls;
	// Empty: the head of the database.
	std::string snapshot;
	// Attached READ_ONLY (or ?access=read_only): nothing is written, and reads may be served by
	// the gateway's read replicas.
	bool read_only = false;
};

// The database name of an ATTACH path ("mydb?endpoint=..." -> "mydb", %-decoded).
std::string AttachPathDatabase(const std::string &path);

// Parses `path` ("mydb?endpoint=http://h:7878&token=..."; values may be %-encoded), the ATTACH
// options and the settings of an openduck secret (both with lower-cased keys). Precedence:
// options > query string > secret > OPENDUCK_ENDPOINT / OPENDUCK_TOKEN / OPENDUCK_CA /
// OPENDUCK_CLIENT_CERT / OPENDUCK_CLIENT_KEY.
// `access` is read_only or read_write (the default).
// Throws std::invalid_argument for an empty database name or an unknown key, naming the fix.
AttachConfig ParseAttachConfig(const std::string &path, const std::map<std::string, std::string> &options,
                               const std::map<std::string, std::string> &secret = {});

} // namespace openduck
