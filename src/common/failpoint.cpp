#include "common/failpoint.hpp"

#include <cstdlib>
#include <map>
#include <mutex>
#include <stdexcept>

namespace openduck {

namespace {

struct FailpointState {
	std::mutex lock;
	// name -> hits left that throw (-1: unlimited)
	std::map<std::string, int64_t> remaining;
};

FailpointState &State() {
	static FailpointState state;
	return state;
}

std::map<std::string, int64_t> ParseSpec(const std::string &spec) {
	std::map<std::string, int64_t> result;
	size_t start = 0;
	while (start < spec.size()) {
		auto end = spec.find(',', start);
		if (end == std::string::npos) {
			end = spec.size();
		}
		auto item = spec.substr(start, end - start);
		start = end + 1;
		if (item.empty()) {
			continue;
		}
		auto eq = item.find('=');
		auto name = item.substr(0, eq);
		auto action = eq == std::string::npos ? std::string("error") : item.substr(eq + 1);
		int64_t count = -1;
		if (action.rfind("error*", 0) == 0) {
			try {
				count = std::stoll(action.substr(6));
			} catch (std::exception &) {
				count = 0;
			}
			if (count <= 0) {
				throw std::invalid_argument("OPENDUCK_FAILPOINTS: '" + item + "' needs a positive count after 'error*'");
			}
		} else if (action != "error") {
			throw std::invalid_argument("OPENDUCK_FAILPOINTS: unknown action in '" + item +
			                            "'; use name=error or name=error*N");
		}
		if (name.empty()) {
			throw std::invalid_argument("OPENDUCK_FAILPOINTS: '" + item + "' has no failpoint name");
		}
		result[name] = count;
	}
	return result;
}

// Reads the environment before main(), so the hot path never has to.
bool LoadFromEnvironment() {
	auto spec = std::getenv("OPENDUCK_FAILPOINTS");
	if (spec && *spec) {
		ConfigureFailpoints(spec);
	}
	return true;
}

} // namespace

namespace failpoint_detail {
std::atomic<bool> any_enabled {false};

void Hit(const char *name) {
	auto &state = State();
	std::lock_guard<std::mutex> guard(state.lock);
	auto it = state.remaining.find(name);
	if (it == state.remaining.end() || it->second == 0) {
		return;
	}
	if (it->second > 0) {
		it->second--;
	}
	throw std::runtime_error(std::string("failpoint ") + name + " (injected by OPENDUCK_FAILPOINTS)");
}
} // namespace failpoint_detail

void ConfigureFailpoints(const std::string &spec) {
	auto parsed = ParseSpec(spec);
	auto &state = State();
	std::lock_guard<std::mutex> guard(state.lock);
	state.remaining = std::move(parsed);
	failpoint_detail::any_enabled = !state.remaining.empty();
}

static const bool loaded_from_environment = LoadFromEnvironment();

} // namespace openduck
