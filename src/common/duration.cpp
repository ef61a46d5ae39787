#include "common/duration.hpp"

#include <stdexcept>
#include <utility>

namespace openduck {

// Largest first, so FormatDuration picks the largest unit that divides exactly.
static const std::pair<char, int64_t> kUnits[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};

std::optional<int64_t> ParseDurationSeconds(const std::string &text) {
	if (text.empty() || text[0] < '0' || text[0] > '9') {
		return std::nullopt;
	}
	size_t used = 0;
	long long value = 0;
	try {
		value = std::stoll(text, &used);
	} catch (std::exception &) {
		return std::nullopt; // out of range
	}
	auto unit = text.substr(used);
	if (unit.empty()) {
		return value;
	}
	for (auto &known : kUnits) {
		if (unit.size() == 1 && unit[0] == known.first && value <= INT64_MAX / known.second) {
			return value * known.second;
		}
	}
	return std::nullopt;
}

std::string FormatDuration(int64_t seconds) {
	for (auto &unit : kUnits) {
		if (seconds != 0 && seconds % unit.second == 0) {
			return std::to_string(seconds / unit.second) + unit.first;
		}
	}
	return std::to_string(seconds) + "s";
}

} // namespace openduck
