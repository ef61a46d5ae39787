// The sandbox options of `openduck serve|worker`: what client SQL may reach on the server
// (nothing by default), each database instance's limits (storage/database_sandbox.hpp) and the
// statement timeout.
#pragma once

#include "cli/command_line.hpp"
#include "storage/database_sandbox.hpp"

#include <vector>

namespace openduck {

// The option specs to append to a command's own.
std::vector<OptionSpec> SandboxOptionSpecs();
// Throws UsageError naming a bad option.
DatabaseSandbox SandboxFrom(const ParsedOptions &options);
// --statement-timeout in seconds, 0 when absent (no limit). Throws UsageError.
int StatementTimeoutSeconds(const ParsedOptions &options);

// Help lines describing the options (they end the help of serve and worker, with -h).
extern const char *kSandboxOptionsHelp;

} // namespace openduck
