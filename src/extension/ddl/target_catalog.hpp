// Which attached OpenDuck database a database statement (CREATE DATABASE ...) goes through: the
// default catalog (USE) when it is an OpenDuck one, else the only attached OpenDuck database.
// Its server and token do the work; the statement's names are remote database names, whatever
// the attachment's alias. Reads the client's attachments; call from the client's thread.
#pragma once

#include "duckdb/main/client_context.hpp"

#include <string>

namespace openduck {

// The alias of that attachment; a BinderException for `statement` when none is attached (how to
// attach one) or several are and the default is none of them (USE <alias>, naming them).
std::string TargetCatalog(duckdb::ClientContext &context, const std::string &statement);

} // namespace openduck
