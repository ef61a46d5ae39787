#include "rpc/protobuf_log.hpp"

#include "rpc/log.hpp"

#include <google/protobuf/stubs/logging.h>

#include <cstdint>
#include <mutex>
#include <string>

namespace openduck {

namespace {

std::mutex log_lock;
std::chrono::steady_clock::time_point last_logged;
bool logged_any = false;
uint64_t dropped = 0;

void LimitedHandler(google::protobuf::LogLevel level, const char *file, int line, const std::string &message) {
	if (level >= google::protobuf::LOGLEVEL_FATAL) {
		// About to abort: never dropped.
		Log("libprotobuf FATAL " + std::string(file) + ":" + std::to_string(line) + ": " + message);
		return;
	}
	std::lock_guard<std::mutex> guard(log_lock);
	auto now = std::chrono::steady_clock::now();
	if (logged_any && now - last_logged < kProtobufLogWindow) {
		dropped++;
		return;
	}
	std::string suppressed;
	if (dropped) {
		suppressed = " (" + std::to_string(dropped) + " more libprotobuf lines dropped in the last " +
		             std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now - last_logged).count()) +
		             " s)";
	}
	Log("libprotobuf: " + message + suppressed);
	logged_any = true;
	last_logged = now;
	dropped = 0;
}

} // namespace

void LimitProtobufLog() {
	google::protobuf::SetLogHandler(&LimitedHandler);
}

} // namespace openduck
