// Argument handling shared by the admin commands (`openduck db|snapshot|gc|token`): positional
// words among options, the storage options every one of them takes, durations, word counts.
#pragma once

#include "cli/command_line.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace openduck {

// Splits `args` into positional words (returned) and option words (an option's value stays
// with it), appended to `options`.
std::vector<std::string> Positional(const std::vector<std::string> &args, const std::vector<OptionSpec> &specs,
                                    std::vector<std::string> &options);
// `specs` plus --data-dir, --help and the storage options.
std::vector<OptionSpec> WithStorage(std::vector<OptionSpec> specs);
// "30s", "15m", "12h", "7d" or seconds; throws UsageError naming --`name`.
int64_t ParseDuration(const std::string &name, const std::string &text);
// Throws UsageError("usage: <usage>") unless there are exactly `count` words.
void Require(const std::vector<std::string> &words, size_t count, const std::string &usage);

} // namespace openduck
