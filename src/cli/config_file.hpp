// The server's configuration file (`--config FILE` or $OPENDUCK_CONFIG) for serve, gateway and
// worker: TOML whose keys are the long option names, e.g.
//
//     port = 7878
//     data-dir = "/var/lib/openduck"
//     database = ["sales", "ops"]      # a repeatable option takes an array
//     [worker]                         # read by `openduck worker` only
//     gateway = "https://gw.example:7878"
//     [gc]                             # read by `openduck gc` only
//     retention = "all:24h,hourly:7d,daily:90d"
//
// Top-level keys apply to the command being run, which must take them; a [serve], [gateway],
// [worker] or [gc] table applies to that command only. `openduck gc` reads the servers' file
// for its storage options and skips the top-level keys it does not take (they are the servers'). Precedence: a command-line option, then the
// option's environment variable (OPENDUCK_TOKEN, OPENDUCK_DATA_DIR, ...), then the file, then
// the built-in default.
//
// The TOML subset read: comments, bare and quoted keys, basic and literal strings, integers,
// booleans (for options without a value), arrays of those over one or more lines, and the
// four tables above. Anything else is an error naming the file, line and the fix.
#pragma once

#include "cli/command_line.hpp"

#include <string>
#include <utility>
#include <vector>

namespace openduck {

// One `key = value` of a config file, values rendered as command-line text (an array gives
// several), with the line it came from.
struct ConfigEntry {
	std::string table; // "" for the top level
	std::string key;
	std::vector<std::string> values;
	bool is_bool = false;
	int line = 0;
};

// Parses config file text; throws UsageError "FILE line N: ..." on a syntax error.
std::vector<ConfigEntry> ParseConfigText(const std::string &text, const std::string &file_name);

// Adds the config file's values for `command` to `options` (see the precedence above). The file
// is --config, else $OPENDUCK_CONFIG, else none. Throws UsageError for an unreadable file, a
// syntax error, or a key `command` does not take.
void ApplyConfigFile(const std::string &command, const std::vector<OptionSpec> &specs, ParsedOptions &options);

// The help line of --config.
extern const char *kConfigOptionHelp;

} // namespace openduck
