// Log lines for the server processes: one line per event on stderr, either text (a UTC
// timestamp, the process role, the message) or JSON objects (`--log-format json`: "ts", "role",
// "msg" or "event" plus the event's fields), for log collectors. Never pass secrets (tokens)
// here.
//
// Thread-safe: lines from concurrent threads never interleave.
#pragma once

#include <string>
#include <vector>

namespace openduck {

enum class LogFormat { kText, kJson };

// Sets the role shown in every line, e.g. "openduck serve". Call once at start-up.
void SetLogRole(const std::string &role);
// Call once at start-up, before other threads log.
void SetLogFormat(LogFormat format);

void Log(const std::string &message);

// One field of a structured event; `number` values are written unquoted in JSON.
struct LogField {
	std::string key;
	std::string value;
	bool number = false;
};

// A structured event, e.g. "query" with its query id: text `event key=value ...` (values with
// spaces quoted), JSON {"ts", "role", "event", fields...}.
void LogEvent(const std::string &event, const std::vector<LogField> &fields);

} // namespace openduck
