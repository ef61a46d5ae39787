#include "rpc/log.hpp"

#include "rpc/json_string.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace openduck {

static std::mutex log_lock;
static std::string log_role = "openduck";
static LogFormat log_format = LogFormat::kText;

void SetLogRole(const std::string &role) {
	std::lock_guard<std::mutex> guard(log_lock);
	log_role = role;
}

void SetLogFormat(LogFormat format) {
	std::lock_guard<std::mutex> guard(log_lock);
	log_format = format;
}

static std::string Timestamp() {
	auto now = std::chrono::system_clock::now();
	auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
	std::time_t seconds = static_cast<std::time_t>(millis / 1000);
	std::tm utc;
	gmtime_r(&seconds, &utc);
	char stamp[40];
	auto length = std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &utc);
	std::snprintf(stamp + length, sizeof(stamp) - length, ".%03dZ", static_cast<int>(millis % 1000));
	return stamp;
}

// REQUIRES: log_lock held.
static void WriteLine(const std::vector<LogField> &json_fields, const std::string &text) {
	auto stamp = Timestamp();
	if (log_format == LogFormat::kJson) {
		std::string line = "{\"ts\":" + JsonString(stamp) + ",\"role\":" + JsonString(log_role);
		for (auto &field : json_fields) {
			line += "," + JsonString(field.key) + ":" + (field.number ? field.value : JsonString(field.value));
		}
		std::fprintf(stderr, "%s}\n", line.c_str());
	} else {
		std::fprintf(stderr, "%s %s: %s\n", stamp.c_str(), log_role.c_str(), text.c_str());
	}
	std::fflush(stderr);
}

void Log(const std::string &message) {
	std::lock_guard<std::mutex> guard(log_lock);
	WriteLine({{"msg", message}}, message);
}

void LogEvent(const std::string &event, const std::vector<LogField> &fields) {
	std::string text = event;
	for (auto &field : fields) {
		bool quote = field.value.empty() || field.value.find_first_of(" \"=") != std::string::npos;
		text += " " + field.key + "=" + (quote ? JsonString(field.value) : field.value);
	}
	std::vector<LogField> json_fields {{"event", event}};
	json_fields.insert(json_fields.end(), fields.begin(), fields.end());
	std::lock_guard<std::mutex> guard(log_lock);
	WriteLine(json_fields, text);
}

} // namespace openduck
