// The sandbox options of `openduck serve|worker`: what client SQL may reach on the server
// (nothing by default), each database instance's limits (storage/database_sandbox.hpp) and the
// limits of statements and tokens.
#pragma once

#include "cli/command_line.hpp"
#include "storage/database_sandbox.hpp"
#include "worker/worker_limits.hpp"

#include <vector>

namespace openduck {

// The option specs to append to a command's own.
std::vector<OptionSpec> SandboxOptionSpecs();
// Throws UsageError naming a bad option.
DatabaseSandbox SandboxFrom(const ParsedOptions &options);
// Enough for a team's parallel hosts through one shared token, few enough that one token cannot
// take all of a worker's call threads.
constexpr int kDefaultCallsPerToken = 64;
// How long a statement may wait for a place to run before it is refused.
constexpr int kDefaultQueueTimeoutSeconds = 60;
// Statements a worker runs at once unless told: 4 per core, at least 8. Every statement runs on
// all cores, so more at once only divide them; a streaming result keeps its place until sent.
int DefaultMaxRunningStatements();
// --statement-timeout (seconds, default 0: no limit), --max-calls-per-token,
// --max-running-statements, --max-connections-per-database (default 0: no limit; see
// docs/design.md, "Connections", for why) and --queue-timeout. Throws UsageError.
WorkerLimits WorkerLimitsFrom(const ParsedOptions &options);

// Help lines describing the options (they end the help of serve and worker, with -h).
extern const char *kSandboxOptionsHelp;

} // namespace openduck
