// Column statistics on the wire: what the worker's GetCatalog encodes decodes on the host to
// exactly the statistics DuckDB keeps for the table (min/max, null flags), and nothing is
// shipped for what the host could misread or would check too slowly (strings).
#include "common/column_statistics.hpp"
#include "worker/catalog_reader.hpp"

#include "duckdb/catalog/catalog.hpp"
#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "duckdb/main/client_context.hpp"
#include "duckdb/main/connection.hpp"

#include <gtest/gtest.h>

namespace openduck {

namespace pb = openduck::v1;

// The table's own statistics of `column`, as the worker's DuckDB has them.
static std::string LocalStatistics(duckdb::Connection &connection, const std::string &table,
                                   const std::string &column) {
	std::string rendered;
	connection.context->RunFunctionInTransaction([&]() {
		auto &entry = duckdb::Catalog::GetEntry<duckdb::TableCatalogEntry>(*connection.context, "", "main", table);
		auto &definition = entry.GetColumns().GetColumn(column);
		rendered = entry.GetStatistics(*connection.context, definition.Logical().index)->ToString();
	});
	return rendered;
}

TEST(ColumnStatisticsTest, CatalogShipsExactStatistics) {
	duckdb::DuckDB database(nullptr);
	duckdb::Connection connection(database);
	ASSERT_FALSE(connection
	                 .Query("CREATE TABLE \"t x\" (i INTEGER, h HUGEINT, d DECIMAL(18,3), f DOUBLE, dt DATE, "
	                        "ts TIMESTAMPTZ, v VARCHAR, b BLOB, u UUID, flag BOOLEAN, e ENUM('a', 'b'), l INTEGER[], "
	                        "g AS (i + 1))")
	                 ->HasError());
	ASSERT_FALSE(connection
	                 .Query("INSERT INTO \"t x\" SELECT i - 50, i::HUGEINT * 100000000000000000000, i / 8, "
	                        "CASE WHEN i = 3 THEN 'nan'::DOUBLE ELSE i / 3 END, DATE '2020-01-01' + i::INTEGER, "
	                        "TIMESTAMPTZ '2020-01-01 00:00:00+00' + i * INTERVAL 1 HOUR, "
	                        "CASE WHEN i % 5 = 0 THEN NULL ELSE 'prefix_shared_ü' || i END, "
	                        "('\\x' || lpad(to_hex(i), 2, '0'))::BLOB, gen_random_uuid(), i % 2 = 0, 'a', [i] "
	                        "FROM range(100) r(i)")
	                 ->HasError());
	pb::GetCatalogResponse response;
	ReadCatalog(database, response);
	ASSERT_EQ(response.schemas_size(), 1);
	ASSERT_EQ(response.schemas(0).tables_size(), 1);
	auto &table = response.schemas(0).tables(0);
	int shipped = 0;
	for (auto &column : table.columns()) {
		auto type = duckdb::TransformStringToLogicalType(column.type());
		if (column.name() == "flag" || column.name() == "e" || column.name() == "l" || column.name() == "g" ||
		    column.name() == "v" || column.name() == "b") {
			EXPECT_TRUE(column.statistics().empty()) << column.name();
			continue;
		}
		auto decoded = DecodeColumnStatistics(column.statistics(), type);
		ASSERT_TRUE(decoded) << column.name();
		EXPECT_EQ(decoded->ToString(), LocalStatistics(connection, "t x", column.name())) << column.name();
		shipped++;
	}
	EXPECT_EQ(shipped, 7);
}

TEST(ColumnStatisticsTest, RefusesWhatCannotBeDecodedExactly) {
	EXPECT_TRUE(ShipsColumnStatistics(duckdb::LogicalType::DECIMAL(38, 10)));
	EXPECT_FALSE(ShipsColumnStatistics(duckdb::LogicalType::VARCHAR));
	EXPECT_FALSE(ShipsColumnStatistics(duckdb::LogicalType::BLOB));
	EXPECT_FALSE(ShipsColumnStatistics(duckdb::LogicalType::BOOLEAN));
	EXPECT_FALSE(ShipsColumnStatistics(duckdb::LogicalType::LIST(duckdb::LogicalType::INTEGER)));
	EXPECT_FALSE(DecodeColumnStatistics("", duckdb::LogicalType::INTEGER));
	EXPECT_FALSE(DecodeColumnStatistics("not statistics", duckdb::LogicalType::INTEGER));
	auto statistics = duckdb::BaseStatistics::CreateUnknown(duckdb::LogicalType::BIGINT);
	auto encoded = EncodeColumnStatistics(statistics);
	EXPECT_TRUE(DecodeColumnStatistics(encoded, duckdb::LogicalType::BIGINT));
	// Truncated input is no statistics, not garbage.
	EXPECT_FALSE(DecodeColumnStatistics(encoded.substr(0, encoded.size() / 2), duckdb::LogicalType::BIGINT));
}

} // namespace openduck
