// The worker's catalog lists every PRIMARY KEY and UNIQUE constraint of a table by column name,
// so the host's binder accepts INSERT ... ON CONFLICT against it.
#include "worker/catalog_reader.hpp"

#include "duckdb/main/connection.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace openduck {

namespace pb = openduck::v1;

TEST(CatalogUniqueKeysTest, ListsPrimaryAndUniqueKeysByColumnName) {
	duckdb::DuckDB database(nullptr);
	duckdb::Connection connection(database);
	ASSERT_FALSE(connection
	                 .Query("CREATE TABLE \"t \"\"x\" (\"K 1\" INTEGER, \"Kä\"\"2\" VARCHAR, u INTEGER UNIQUE, "
	                        "v VARCHAR, PRIMARY KEY (\"K 1\", \"Kä\"\"2\"), UNIQUE (v, u))")
	                 ->HasError());
	ASSERT_FALSE(connection.Query("CREATE TABLE plain (a INTEGER)")->HasError());
	pb::GetCatalogResponse response;
	ReadCatalog(database, response);
	ASSERT_EQ(response.schemas_size(), 1);
	ASSERT_EQ(response.schemas(0).tables_size(), 2);
	auto &plain = response.schemas(0).tables(0);
	auto &table = response.schemas(0).tables(1);
	ASSERT_EQ(plain.name(), "plain");
	EXPECT_EQ(plain.unique_keys_size(), 0);
	ASSERT_EQ(table.name(), "t \"x");
	std::vector<std::pair<bool, std::vector<std::string>>> keys;
	for (auto &key : table.unique_keys()) {
		keys.emplace_back(key.is_primary(), std::vector<std::string>(key.columns().begin(), key.columns().end()));
	}
	std::sort(keys.begin(), keys.end());
	std::vector<std::pair<bool, std::vector<std::string>>> expected = {
	    {false, {"u"}}, {false, {"v", "u"}}, {true, {"K 1", "Kä\"2"}}};
	EXPECT_EQ(keys, expected);
}

} // namespace openduck
