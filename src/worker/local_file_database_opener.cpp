#include "worker/local_file_database_opener.hpp"

#include "rpc/log.hpp"
#include "worker/database_name.hpp"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

namespace openduck {

namespace fs = std::filesystem;

static constexpr const char *kDatabaseExtension = ".duckdb";

LocalFileDatabaseOpener::LocalFileDatabaseOpener(const std::string &data_dir) {
	std::error_code error;
	fs::create_directories(data_dir, error);
	if (error) {
		throw std::runtime_error("cannot create data dir '" + data_dir + "': " + error.message());
	}
	data_dir_ = fs::absolute(data_dir).lexically_normal().string();
	if (data_dir_.size() > 1 && data_dir_.back() == '/') {
		data_dir_.pop_back();
	}
}

std::string LocalFileDatabaseOpener::PathOf(const std::string &name) const {
	return data_dir_ + "/" + name + kDatabaseExtension;
}

std::unique_ptr<duckdb::DuckDB> LocalFileDatabaseOpener::Open(const std::string &name) {
	auto problem = DatabaseNameProblem(name);
	if (!problem.empty()) {
		throw std::runtime_error(problem);
	}
	return std::make_unique<duckdb::DuckDB>(PathOf(name));
}

std::vector<std::string> LocalFileDatabaseOpener::ListExisting() {
	std::vector<std::string> names;
	std::error_code error;
	for (auto &entry : fs::directory_iterator(data_dir_, error)) {
		auto file = entry.path().filename().string();
		if (!entry.is_regular_file() || entry.path().extension() != kDatabaseExtension) {
			continue;
		}
		auto name = entry.path().stem().string();
		if (!IsValidDatabaseName(name)) {
			Log("ignoring '" + file + "' in data dir " + data_dir_ + ": " + DatabaseNameProblem(name));
			continue;
		}
		names.push_back(name);
	}
	if (error) {
		throw std::runtime_error("cannot list data dir '" + data_dir_ + "': " + error.message());
	}
	std::sort(names.begin(), names.end());
	return names;
}

} // namespace openduck
