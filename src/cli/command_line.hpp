// Option parsing for the `openduck` sub-commands: "-d x", "--database x", "--database=x",
// repeatable options, and flags. Unknown options and missing values are errors that name the
// option, so users see exactly what was wrong.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace openduck {

struct OptionSpec {
	// Canonical long name without dashes ("database"); the key in ParsedOptions.
	std::string name;
	// Optional one-letter alias ('d' for -d); 0 for none.
	char short_name;
	bool takes_value;
};

// A usage mistake; main prints it with a pointer to --help and exits with status 2.
class UsageError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

class ParsedOptions {
public:
	bool Has(const std::string &name) const {
		return values_.count(name) > 0;
	}
	// The last value given for `name`, or `fallback`.
	std::string Get(const std::string &name, const std::string &fallback = "") const;
	// Every value given for a repeatable option, in order.
	std::vector<std::string> GetAll(const std::string &name) const;
	// The value as a port number (0..65535); throws UsageError naming the option.
	int GetPort(const std::string &name, int fallback) const;
	// The value as a positive integer; throws UsageError naming the option.
	// Like GetPositive, but 0 is allowed too (it usually means "no limit").
	int GetNonNegative(const std::string &name, int fallback) const;
	int GetPositive(const std::string &name, int fallback) const;

	std::map<std::string, std::vector<std::string>> values_;
};

// Parses `args` (the words after the sub-command). Flags are stored with the value "true".
// Throws UsageError.
ParsedOptions ParseOptions(const std::vector<std::string> &args, const std::vector<OptionSpec> &specs);

} // namespace openduck
