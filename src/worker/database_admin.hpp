// The ManageDatabase RPC on a worker: create a database, clone one (at a snapshot, or at the
// snapshot current at a time), name a snapshot, drop and undrop a database, list the databases
// with their sizes (what the extension's admin functions and database statements ask for). New databases are opened right away, so this worker serves them and holds their
// write lease; the gateway adds them to its routes when the call succeeds.
//
// Errors are statuses the extension shows as they are: NOT_FOUND (no such source database or
// snapshot), ALREADY_EXISTS, INVALID_ARGUMENT (bad name), FAILED_PRECONDITION (a read-only
// time-travel attachment, a CHECKPOINT refused by DuckDB). Thread-safe (DatabaseSet is).
#pragma once

#include "worker/database_set.hpp"

#include "openduck/v1/openduck.pb.h"

#include <grpcpp/support/status.h>

namespace openduck {

grpc::Status ManageDatabase(DatabaseSet &databases, const openduck::v1::ManageDatabaseRequest &request,
                            openduck::v1::ManageDatabaseResponse &response);

} // namespace openduck
