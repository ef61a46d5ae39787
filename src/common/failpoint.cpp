#include "common/failpoint.hpp"

#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace openduck {

namespace {

// What a configured failpoint does when hit.
struct Action {
	// Hits left that throw (-1: unlimited); unused by delays.
	int64_t remaining = -1;
	// > 0: every hit waits this long and then passes.
	int64_t delay_ms = 0;
};

struct FailpointState {
	std::mutex lock;
	std::map<std::string, Action> actions;
};

FailpointState &State() {
	static FailpointState state;
	return state;
}

// A positive count, or invalid_argument naming `item` and what was expected.
int64_t PositiveNumber(const std::string &text, const std::string &item, const char *expected) {
	int64_t number = 0;
	try {
		size_t used = 0;
		number = std::stoll(text, &used);
		if (used != text.size()) {
			number = 0;
		}
	} catch (std::exception &) {
		number = 0;
	}
	if (number <= 0) {
		throw std::invalid_argument("OPENDUCK_FAILPOINTS: '" + item + "' needs " + expected);
	}
	return number;
}

std::map<std::string, Action> ParseSpec(const std::string &spec) {
	std::map<std::string, Action> result;
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
		Action parsed;
		if (action.rfind("error*", 0) == 0) {
			parsed.remaining = PositiveNumber(action.substr(6), item, "a positive count after 'error*'");
		} else if (action.rfind("delay:", 0) == 0) {
			parsed.delay_ms = PositiveNumber(action.substr(6), item, "a positive number of milliseconds after 'delay:'");
		} else if (action != "error") {
			throw std::invalid_argument("OPENDUCK_FAILPOINTS: unknown action in '" + item +
			                            "'; use name=error, name=error*N or name=delay:MS");
		}
		if (name.empty()) {
			throw std::invalid_argument("OPENDUCK_FAILPOINTS: '" + item + "' has no failpoint name");
		}
		result[name] = parsed;
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
	std::unique_lock<std::mutex> guard(state.lock);
	auto it = state.actions.find(name);
	if (it == state.actions.end() || it->second.remaining == 0) {
		return;
	}
	if (it->second.delay_ms > 0) {
		auto delay = std::chrono::milliseconds(it->second.delay_ms);
		guard.unlock();
		std::this_thread::sleep_for(delay);
		return;
	}
	if (it->second.remaining > 0) {
		it->second.remaining--;
	}
	throw std::runtime_error(std::string("failpoint ") + name + " (injected by OPENDUCK_FAILPOINTS)");
}
} // namespace failpoint_detail

void ConfigureFailpoints(const std::string &spec) {
	auto parsed = ParseSpec(spec);
	auto &state = State();
	std::lock_guard<std::mutex> guard(state.lock);
	state.actions = std::move(parsed);
	failpoint_detail::any_enabled = !state.actions.empty();
}

static const bool loaded_from_environment = LoadFromEnvironment();

} // namespace openduck
