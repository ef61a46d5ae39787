// The embedded default store: database `name` is the DuckDB file <data_dir>/<name>.duckdb
// (plus DuckDB's own <name>.duckdb.wal next to it).
#pragma once

#include "worker/database_opener.hpp"

namespace openduck {

class LocalFileDatabaseOpener : public DatabaseOpener {
public:
	// Creates `data_dir` (and parents) when missing; throws std::runtime_error naming it when
	// that fails. The directory is made absolute so log lines and DuckDB paths are unambiguous.
	explicit LocalFileDatabaseOpener(const std::string &data_dir);

	std::unique_ptr<duckdb::DuckDB> Open(const std::string &name) override;
	std::vector<std::string> ListExisting() override;
	std::string Describe() const override {
		return data_dir_;
	}

	std::string PathOf(const std::string &name) const;

private:
	std::string data_dir_;
};

} // namespace openduck
