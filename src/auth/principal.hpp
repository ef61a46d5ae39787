// Who a request runs as: the bootstrap admin (the server's -t token) or a scoped token, with the
// database it may reach ("*" for all) and what it may do there.
#pragma once

#include <string>
#include <vector>

namespace openduck {

// Ordered: each scope includes the ones before it.
enum class Scope { kRead = 0, kWrite = 1, kAdmin = 2 };

// "read", "write", "admin".
std::string ScopeName(Scope scope);
// Throws std::invalid_argument naming the accepted values.
Scope ParseScope(const std::string &text);

struct Principal {
	// The token's label ("bootstrap" for the server's own token); shown in errors and logs.
	std::string label;
	// The one database the token reaches, or "*".
	std::string database;
	Scope scope = Scope::kRead;

	static Principal Bootstrap() {
		return Principal {"bootstrap", "*", Scope::kAdmin};
	}
	bool MaySee(const std::string &name) const {
		return database == "*" || database == name;
	}
	bool Allows(Scope needed) const {
		return static_cast<int>(scope) >= static_cast<int>(needed);
	}
	// `names` without the databases this principal may not see.
	std::vector<std::string> Visible(const std::vector<std::string> &names) const;
};

} // namespace openduck
