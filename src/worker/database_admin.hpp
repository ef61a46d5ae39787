// The ManageDatabase RPC on a worker: create a database, clone one, name a snapshot (what the
// extension's openduck_create_database / openduck_clone_database / openduck_create_snapshot
// ask for). New databases are opened right away, so this worker serves them and holds their
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
