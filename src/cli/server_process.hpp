// Process-level pieces shared by the long-running sub-commands: termination signals, the
// token and data-dir settings with their environment fallbacks, opening a worker's databases.
#pragma once

#include "auth/authenticator.hpp"
#include "cli/command_line.hpp"
#include "worker/auto_snapshots.hpp"
#include "worker/database_set.hpp"

#include <memory>
#include <string>

namespace openduck {

// Blocks SIGINT and SIGTERM in the calling thread and every thread it starts later, so they are
// only ever received by WaitForTerminationSignal. Call first thing in main. Also ignores SIGPIPE
// (a client that disconnects must not kill the server).
void BlockTerminationSignals();
// Returns the name of the signal ("SIGINT"/"SIGTERM") once one arrives. While it waits, hands
// the heap's free pages back to the system every few seconds (common/free_heap.hpp).
std::string WaitForTerminationSignal();

// -t/--token, else --token-file (a file holding only the token, so it does not show in `ps`),
// else OPENDUCK_TOKEN; throws UsageError naming them when none is set.
std::string RequireToken(const ParsedOptions &options);
// The secret workers present to register with a gateway: --cluster-secret-file, else
// OPENDUCK_CLUSTER_SECRET, else "" (a gateway then accepts no workers). Never a client token:
// throws UsageError when it equals `client_token`.
std::string ClusterSecret(const ParsedOptions &options, const std::string &client_token);
// The bootstrap `token` and the scoped tokens of the metadata store at `metadata_url` (none
// when empty: then only the bootstrap token is accepted).
std::unique_ptr<Authenticator> ServerAuthenticator(const std::string &token, const std::string &metadata_url);

// --data-dir, else OPENDUCK_DATA_DIR, else ./openduck-data.
std::string DataDir(const ParsedOptions &options);

// Opens the -d databases (created when missing) and every database already in `storage`.
// Throws UsageError for bad names and when no database is left to serve.
// `standby_allowed`: serving none yet is fine (a standby worker waiting to take databases over).
std::unique_ptr<DatabaseSet> OpenDatabases(StorageEngine &storage, const ParsedOptions &options,
                                           bool standby_allowed = false);

// --snapshot-interval in seconds (default 60; 0: off); UsageError when it is not a duration.
int64_t SnapshotIntervalFrom(const ParsedOptions &options);
// The automatic snapshots of `databases` every `interval_seconds` (nullptr when 0).
std::unique_ptr<AutoSnapshots> StartAutoSnapshots(DatabaseSet &databases, int64_t interval_seconds);

std::string JoinNames(const std::vector<std::string> &names);

} // namespace openduck
