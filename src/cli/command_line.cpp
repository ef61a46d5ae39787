#include "cli/command_line.hpp"

namespace openduck {

std::string ParsedOptions::Get(const std::string &name, const std::string &fallback) const {
	auto entry = values_.find(name);
	return entry == values_.end() ? fallback : entry->second.back();
}

std::vector<std::string> ParsedOptions::GetAll(const std::string &name) const {
	auto entry = values_.find(name);
	return entry == values_.end() ? std::vector<std::string>() : entry->second;
}

static long ParseNumber(const std::string &name, const std::string &text) {
	size_t used = 0;
	long value = -1;
	try {
		value = std::stol(text, &used);
	} catch (...) {
		used = 0;
	}
	if (text.empty() || used != text.size()) {
		throw UsageError("--" + name + " expects a number, got '" + text + "'");
	}
	return value;
}

int ParsedOptions::GetPort(const std::string &name, int fallback) const {
	if (!Has(name)) {
		return fallback;
	}
	auto value = ParseNumber(name, Get(name));
	if (value < 0 || value > 65535) {
		throw UsageError("--" + name + " must be a port between 0 and 65535 (0 picks a free port), got " +
		                 std::to_string(value));
	}
	return static_cast<int>(value);
}

int ParsedOptions::GetPositive(const std::string &name, int fallback) const {
	if (!Has(name)) {
		return fallback;
	}
	auto value = ParseNumber(name, Get(name));
	if (value <= 0 || value > 3600 * 1000) {
		throw UsageError("--" + name + " must be a positive number, got " + std::to_string(value));
	}
	return static_cast<int>(value);
}

int ParsedOptions::GetNonNegative(const std::string &name, int fallback) const {
	if (Has(name) && Get(name) == "0") {
		return 0;
	}
	return GetPositive(name, fallback);
}

ParsedOptions ParseOptions(const std::vector<std::string> &args, const std::vector<OptionSpec> &specs) {
	ParsedOptions parsed;
	for (size_t i = 0; i < args.size(); i++) {
		auto &arg = args[i];
		const OptionSpec *spec = nullptr;
		std::string inline_value;
		bool has_inline_value = false;
		if (arg.size() > 2 && arg.compare(0, 2, "--") == 0) {
			auto name = arg.substr(2);
			auto equals = name.find('=');
			if (equals != std::string::npos) {
				inline_value = name.substr(equals + 1);
				has_inline_value = true;
				name = name.substr(0, equals);
			}
			for (auto &candidate : specs) {
				if (candidate.name == name) {
					spec = &candidate;
				}
			}
		} else if (arg.size() == 2 && arg[0] == '-') {
			for (auto &candidate : specs) {
				if (candidate.short_name == arg[1]) {
					spec = &candidate;
				}
			}
		} else {
			throw UsageError("unexpected argument '" + arg + "'");
		}
		if (!spec) {
			throw UsageError("unknown option '" + arg + "'");
		}
		if (!spec->takes_value) {
			if (has_inline_value) {
				throw UsageError("option --" + spec->name + " takes no value");
			}
			parsed.values_[spec->name].push_back("true");
			continue;
		}
		if (!has_inline_value) {
			if (i + 1 >= args.size()) {
				throw UsageError("option " + arg + " needs a value");
			}
			inline_value = args[++i];
		}
		parsed.values_[spec->name].push_back(inline_value);
	}
	return parsed;
}

} // namespace openduck
