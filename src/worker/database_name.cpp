#include "worker/database_name.hpp"

namespace openduck {

static bool IsNameCharacter(char c, bool first) {
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') {
		return true;
	}
	return !first && c == '-';
}

std::string DatabaseNameProblem(const std::string &name) {
	if (name.empty()) {
		return "database name is empty";
	}
	if (name.size() > kMaxDatabaseNameLength) {
		return "database name '" + name.substr(0, 16) + "...' is longer than " +
		       std::to_string(kMaxDatabaseNameLength) + " characters";
	}
	for (std::size_t i = 0; i < name.size(); i++) {
		if (!IsNameCharacter(name[i], i == 0)) {
			return "invalid database name '" + name +
			       "': use letters, digits, '_' and '-' (not as the first character)";
		}
	}
	return "";
}

bool IsValidDatabaseName(const std::string &name) {
	return DatabaseNameProblem(name).empty();
}

} // namespace openduck
