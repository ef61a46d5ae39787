// The `openduck` secret type: credentials for ATTACH kept in DuckDB's secret manager, so a token
// need not appear in ATTACH strings, scripts or shell history.
//
//   CREATE [PERSISTENT] SECRET (TYPE openduck, TOKEN '...', ENDPOINT 'https://host:7878',
//                               SCOPE 'openduck:mydb');
//
// ATTACH uses the best-matching secret when its own options and URL leave a setting unset
// (precedence: ATTACH option > URL parameter > secret > environment), or the one named with the
// SECRET attach option. A scope names one database ('openduck:mydb' or 'od:mydb', matched
// exactly, never as a prefix of another name); a secret without a scope serves every database.
// duckdb_secrets() shows the token redacted.
#pragma once

#include "duckdb/main/client_context.hpp"

#include <map>
#include <string>

namespace openduck {

// Registers the secret type and its `config` provider with the database's secret manager.
void RegisterOpenDuckSecretType(duckdb::DatabaseInstance &db);

// The settings (lower-case attach keys such as "token", "endpoint") of the secret named `name`,
// or, when `name` is empty, of the best secret whose scope matches `database`; empty when none
// matches. Throws duckdb::InvalidInputException when a named secret does not exist or is not
// of type openduck.
std::map<std::string, std::string> OpenDuckSecretSettings(duckdb::ClientContext &context, const std::string &database,
                                                          const std::string &name);

} // namespace openduck
