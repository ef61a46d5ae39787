// One ManageDatabase call made through an attached OpenDuck database: the admin table functions
// (openduck_create_database ...) and the database statements (CREATE DATABASE ...) both build
// one at bind time and send it once, when they run. The attachment only gives the server and the
// token; `request.database` routes the call (and names the database a clone, a snapshot or a
// drop acts on). Plain values: no sharing, no locking.
#pragma once

#include "common/attach_config.hpp"
#include "duckdb/main/client_context.hpp"
#include "openduck/v1/openduck.pb.h"

#include <string>

namespace openduck {

struct DatabaseRequest {
	// Copied from the attachment: the call must not depend on it staying attached.
	AttachConfig config;
	v1::ManageDatabaseRequest request;
};

// The settings of the attached OpenDuck catalog `alias`; a BinderException saying how to attach
// one (in the words of `who`, e.g. the function's name) when `alias` is not one.
AttachConfig AttachedConfig(duckdb::ClientContext &context, const std::string &alias, const std::string &who);

// Sends the call on a channel of its own (administration is rare; the attachment's channel is
// the scans'). ALREADY_EXISTS throws a CatalogException, other failures the RPC error naming
// what was attempted.
v1::ManageDatabaseResponse SendDatabaseRequest(const DatabaseRequest &call);

// A call as table function parameters (the attachment's alias, the request's bytes), and back:
// how a database statement's plan hands its request to the table function that runs it.
duckdb::vector<duckdb::Value> RequestParameters(const std::string &alias, const v1::ManageDatabaseRequest &request);
DatabaseRequest RequestFromParameters(duckdb::ClientContext &context, const duckdb::vector<duckdb::Value> &inputs);

} // namespace openduck
