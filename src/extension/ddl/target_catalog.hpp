// Which attached OpenDuck database a database statement (CREATE DATABASE ...) goes through: the
// default catalog (USE) when it is an OpenDuck one, else an attachment of the database the
// statement reads (CREATE SNAPSHOT OF x, CREATE DATABASE ... FROM y), else the only attached
// OpenDuck database.
// Its server and token do the work; the statement's names are remote database names, whatever
// the attachment's alias. Reads the client's attachments; call from the client's thread.
#pragma once

#include "duckdb/main/client_context.hpp"

#include <string>

namespace openduck {

// The alias of that attachment; a BinderException for `statement` when none is attached (how to
// attach one) or several are and none is chosen by the rules above (USE <alias>, naming them).
// `reads`: the remote database the statement reads, "" when none.
std::string TargetCatalog(duckdb::ClientContext &context, const std::string &statement, const std::string &reads);

} // namespace openduck
