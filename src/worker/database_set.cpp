#include "worker/database_set.hpp"

#include "worker/database_name.hpp"

#include <stdexcept>

namespace openduck {

DatabaseSet::DatabaseSet(DatabaseOpener &opener, const std::vector<std::string> &requested) : opener_(opener) {
	std::vector<std::string> names = requested;
	for (auto &name : opener.ListExisting()) {
		names.push_back(name);
	}
	for (auto &name : names) {
		if (databases_.count(name)) {
			continue;
		}
		auto problem = DatabaseNameProblem(name);
		if (!problem.empty()) {
			throw std::runtime_error(problem);
		}
		try {
			databases_[name] = opener.Open(name);
		} catch (std::exception &ex) {
			throw std::runtime_error("cannot open database '" + name + "' in " + opener.Describe() + ": " +
			                         ex.what());
		}
	}
}

duckdb::DuckDB *DatabaseSet::Find(const std::string &name) const {
	auto entry = databases_.find(name);
	return entry == databases_.end() ? nullptr : entry->second.get();
}

duckdb::DuckDB *DatabaseSet::FindSnapshot(const std::string &name, const std::string &snapshot) {
	std::lock_guard<std::mutex> guard(snapshots_lock_);
	auto &instance = snapshots_[{name, snapshot}];
	if (!instance) {
		try {
			instance = opener_.OpenSnapshot(name, snapshot);
		} catch (...) {
			snapshots_.erase({name, snapshot});
			throw;
		}
	}
	return instance.get();
}

std::vector<std::string> DatabaseSet::Names() const {
	std::vector<std::string> names;
	for (auto &entry : databases_) {
		names.push_back(entry.first);
	}
	return names;
}

} // namespace openduck
