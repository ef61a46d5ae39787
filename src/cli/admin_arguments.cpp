#include "cli/admin_arguments.hpp"

#include "cli/storage_options.hpp"
#include "common/duration.hpp"

namespace openduck {

// Splits `args` into positional words and option words (an option's value stays with it).
std::vector<std::string> Positional(const std::vector<std::string> &args, const std::vector<OptionSpec> &specs,
                                    std::vector<std::string> &options) {
	std::vector<std::string> words;
	for (size_t i = 0; i < args.size(); i++) {
		auto &arg = args[i];
		if (arg.size() < 2 || arg[0] != '-') {
			words.push_back(arg);
			continue;
		}
		options.push_back(arg);
		bool takes_value = false;
		for (auto &spec : specs) {
			bool long_match = arg == "--" + spec.name;
			bool short_match = arg.size() == 2 && spec.short_name && arg[1] == spec.short_name;
			takes_value = takes_value || ((long_match || short_match) && spec.takes_value);
		}
		if (takes_value && i + 1 < args.size()) {
			options.push_back(args[++i]);
		}
	}
	return words;
}

std::vector<OptionSpec> WithStorage(std::vector<OptionSpec> specs) {
	specs.push_back({"data-dir", 0, true});
	specs.push_back({"help", 'h', false});
	for (auto &spec : StorageOptionSpecs()) {
		specs.push_back(spec);
	}
	return specs;
}

int64_t ParseDuration(const std::string &name, const std::string &text) {
	auto seconds = ParseDurationSeconds(text);
	if (!seconds) {
		throw UsageError("--" + name + " expects a duration like 30s, 15m, 12h, 7d or seconds, got '" + text + "'");
	}
	return *seconds;
}

void Require(const std::vector<std::string> &words, size_t count, const std::string &usage) {
	if (words.size() != count) {
		throw UsageError("usage: " + usage);
	}
}

} // namespace openduck
