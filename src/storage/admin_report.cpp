#include "storage/admin_report.hpp"

#include <cstdio>
#include <ctime>

namespace openduck {

std::string FormatBytes(uint64_t bytes) {
	const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double value = double(bytes);
	int unit = 0;
	while (value >= 1024 && unit < 4) {
		value /= 1024;
		unit++;
	}
	char text[32];
	std::snprintf(text, sizeof(text), unit ? "%.1f %s" : "%.0f %s", value, units[unit]);
	return text;
}

std::string FormatTime(int64_t unix_seconds) {
	if (!unix_seconds) {
		return "-";
	}
	time_t t = unix_seconds;
	struct tm tm;
	gmtime_r(&t, &tm);
	char text[32];
	std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%SZ", &tm);
	return text;
}

std::string CreatedReport(const DatabaseRecord &db) {
	return "created " + std::string(db.kind == DatabaseKind::kDuckLake ? "DuckLake " : "") + "database '" + db.name +
	       "' (id " + std::to_string(db.id) + ")";
}

std::string ClonedReport(const std::string &source, const std::string &target, const SnapshotRecord &head) {
	return "cloned '" + source + "' into '" + target + "' at snapshot " + std::to_string(head.parent_id) + " (" +
	       std::to_string(head.layer_count) + " layers shared, " + FormatBytes(head.layer_bytes) +
	       ", nothing copied)";
}

std::string NamedReport(const std::string &database, const SnapshotRecord &snapshot) {
	return "snapshot " + std::to_string(snapshot.id) + " of '" + database + "' (taken " +
	       FormatTime(snapshot.created_at) + ") is now named '" + snapshot.name + "'";
}

} // namespace openduck
