// Durations as people write them in options, config files and retention tiers: "30s", "15m",
// "12h", "7d" or plain seconds. Whole seconds only; pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace openduck {

// Seconds of `text`, or nullopt when it is not a non-negative duration of that form.
std::optional<int64_t> ParseDurationSeconds(const std::string &text);
// The shortest of those forms that reads back as `seconds` exactly ("90m", "7d", "45s").
std::string FormatDuration(int64_t seconds);

} // namespace openduck
