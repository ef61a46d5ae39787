#include "worker/layered_database_opener.hpp"

#include "rpc/log.hpp"
#include "worker/database_name.hpp"

#include <stdexcept>

namespace openduck {

std::unique_ptr<duckdb::DuckDB> LayeredDatabaseOpener::Open(const std::string &name) {
	auto problem = DatabaseNameProblem(name);
	if (!problem.empty()) {
		throw std::runtime_error(problem);
	}
	return engine_.OpenDatabase(name, true);
}

std::unique_ptr<duckdb::DuckDB> LayeredDatabaseOpener::OpenSnapshot(const std::string &name,
                                                                    const std::string &snapshot) {
	return engine_.OpenSnapshot(name, snapshot);
}

std::vector<std::string> LayeredDatabaseOpener::ListExisting() {
	std::vector<std::string> names;
	for (auto &db : engine_.Metadata().ListDatabases(false)) {
		// In a cluster every worker shares the metadata store: a database another worker has
		// written is that worker's (serve it here only when asked for with -d).
		auto holder = engine_.Metadata().LeaseHolder(db.id);
		if (!holder.empty() && holder != engine_.Holder()) {
			continue;
		}
		if (!IsValidDatabaseName(db.name)) {
			Log("ignoring database '" + db.name + "' in " + engine_.Metadata().Describe() + ": " +
			    DatabaseNameProblem(db.name));
			continue;
		}
		names.push_back(db.name);
	}
	return names;
}

std::string LayeredDatabaseOpener::Describe() const {
	return "metadata " + engine_.Metadata().Describe() + ", layers in " + engine_.Store().Describe();
}

} // namespace openduck
