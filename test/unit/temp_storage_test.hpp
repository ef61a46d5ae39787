// Test fixture base: a StorageEngine on the default stores (SQLite metadata, a directory of
// layers) in a fresh temporary directory per test, removed afterwards, plus SQL helpers that
// throw with DuckDB's message.
#pragma once

#include "storage/storage_engine.hpp"

#include "duckdb/main/connection.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace openduck {

class TempStorageTest : public ::testing::Test {
protected:
	// `prefix` names the temporary directory (with the pid and the test's name).
	explicit TempStorageTest(std::string prefix) : prefix_(std::move(prefix)) {
	}
	void SetUp() override {
		dir = std::filesystem::temp_directory_path() /
		      (prefix_ + std::to_string(::getpid()) + "-" +
		       ::testing::UnitTest::GetInstance()->current_test_info()->name());
		std::filesystem::remove_all(dir);
		engine = std::make_unique<StorageEngine>(StorageConfig::Defaults(dir.string()));
	}
	void TearDown() override {
		engine.reset();
		std::filesystem::remove_all(dir);
	}
	static int64_t Count(duckdb::DuckDB &db, const std::string &sql) {
		return Run(db, sql)->GetValue(0, 0).GetValue<int64_t>();
	}
	static void Exec(duckdb::DuckDB &db, const std::string &sql) {
		Run(db, sql);
	}

	std::filesystem::path dir;
	std::unique_ptr<StorageEngine> engine;

private:
	static duckdb::unique_ptr<duckdb::MaterializedQueryResult> Run(duckdb::DuckDB &db, const std::string &sql) {
		duckdb::Connection con(db);
		auto result = con.Query(sql);
		if (result->HasError()) {
			throw std::runtime_error(result->GetError());
		}
		return result;
	}

	std::string prefix_;
};

} // namespace openduck
