#include "rpc/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace openduck {

static std::mutex log_lock;
static std::string log_role = "openduck";

void SetLogRole(const std::string &role) {
	std::lock_guard<std::mutex> guard(log_lock);
	log_role = role;
}

void Log(const std::string &message) {
	auto now = std::chrono::system_clock::now();
	auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
	std::time_t seconds = static_cast<std::time_t>(millis / 1000);
	std::tm utc;
	gmtime_r(&seconds, &utc);
	char stamp[32];
	std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &utc);
	std::lock_guard<std::mutex> guard(log_lock);
	std::fprintf(stderr, "%s.%03dZ %s: %s\n", stamp, static_cast<int>(millis % 1000), log_role.c_str(),
	             message.c_str());
	std::fflush(stderr);
}

} // namespace openduck
