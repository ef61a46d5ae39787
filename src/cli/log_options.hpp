// The logging options of `openduck serve|gateway|worker`: --log-format text|json and
// --log-queries-over-ms N (a `query` line, with the host statement's query id, for every call
// that fails or takes at least N ms; 0 logs every call).
#pragma once

#include "cli/command_line.hpp"
#include "rpc/server_metrics.hpp"

#include <string>
#include <vector>

namespace openduck {

std::vector<OptionSpec> LogOptionSpecs();
// Sets the process's log role and format. Throws UsageError for an unknown format.
void ConfigureLogging(const ParsedOptions &options, const std::string &role);
// Sets which finished calls `metrics` logs.
void ConfigureQueryLog(const ParsedOptions &options, ServerMetrics &metrics);

extern const char *kLogOptionsHelp;

} // namespace openduck
