#include "auth/principal.hpp"

#include <stdexcept>

namespace openduck {

std::string ScopeName(Scope scope) {
	switch (scope) {
	case Scope::kRead:
		return "read";
	case Scope::kWrite:
		return "write";
	case Scope::kAdmin:
		return "admin";
	}
	return "unknown";
}

Scope ParseScope(const std::string &text) {
	if (text == "read") {
		return Scope::kRead;
	}
	if (text == "write") {
		return Scope::kWrite;
	}
	if (text == "admin") {
		return Scope::kAdmin;
	}
	throw std::invalid_argument("unknown scope '" + text + "' (use read, write or admin)");
}

std::vector<std::string> Principal::Visible(const std::vector<std::string> &names) const {
	std::vector<std::string> visible;
	for (auto &name : names) {
		if (MaySee(name)) {
			visible.push_back(name);
		}
	}
	return visible;
}

} // namespace openduck
