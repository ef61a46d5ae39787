// Worker internals: database names, fragment execution into Arrow IPC responses,
// cancellation, and the catalog description.
#include "arrow/ipc_stream_reader.hpp"
#include "rpc/call_checks.hpp"
#include "worker/catalog_reader.hpp"
#include "worker/database_name.hpp"
#include "worker/execution_registry.hpp"
#include "worker/fragment_executor.hpp"

#include "duckdb/main/connection.hpp"
#include "duckdb/main/materialized_query_result.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace openduck {

namespace pb = openduck::v1;

TEST(ServerDatabaseNameTest, AcceptsPlainNames) {
	for (std::string name : std::vector<std::string> {"a", "sales", "Sales_2024", "_x", "9lives", "my-db", std::string(63, 'a')}) {
		EXPECT_TRUE(IsValidDatabaseName(name)) << name;
	}
}

TEST(ServerDatabaseNameTest, RejectsPathTricksAndOddNames) {
	for (std::string name : std::vector<std::string> {"", "-x", "../x", "a/b", "a.b", ".", "..", "a b", "a\\b", "x\n", std::string(64, 'a'),
	                         std::string("a\0b", 3), "caf\xc3\xa9"}) {
		EXPECT_FALSE(IsValidDatabaseName(name)) << name;
		EXPECT_FALSE(DatabaseNameProblem(name).empty());
	}
	EXPECT_EQ(DatabaseNameProblem("a/b"), "invalid database name 'a/b': use letters, digits, '_' and '-' (not as the "
	                                      "first character)");
}

class ServerWorkerTest : public testing::Test {
protected:
	// Runs `sql` on `database` and collects the responses.
	std::vector<pb::ExecuteFragmentResponse> Execute(duckdb::DuckDB &database, const std::string &sql,
	                                                 uint64_t max_rows = 0, uint64_t max_bytes = 0) {
		pb::ExecuteFragmentRequest request;
		request.set_plan(sql);
		request.set_max_batch_rows(max_rows);
		request.set_max_batch_bytes(max_bytes);
		FragmentExecutor executor(database, request);
		std::vector<pb::ExecuteFragmentResponse> responses;
		executor.Run([&](const pb::ExecuteFragmentResponse &response) {
			responses.push_back(response);
			return true;
		});
		return responses;
	}
};

TEST_F(ServerWorkerTest, StreamsSchemaBatchesAndEndOfStream) {
	duckdb::DuckDB database(nullptr);
	auto responses = Execute(database, "SELECT range AS i, 'v' || range AS s FROM range(10000)", 1000);
	ASSERT_GE(responses.size(), 2u);
	auto &finished = responses.back();
	ASSERT_TRUE(finished.has_finished());
	EXPECT_EQ(finished.finished().rows(), 10000u);

	duckdb::Connection connection(database);
	IpcStreamReader reader(*connection.context);
	uint64_t bytes = 0;
	for (size_t i = 0; i + 1 < responses.size(); i++) {
		ASSERT_TRUE(responses[i].has_arrow_batch()) << i;
		bytes += responses[i].arrow_batch().size();
		EXPECT_FALSE(reader.Finished());
		reader.Feed(responses[i].arrow_batch());
		// The first payload starts with the schema.
		EXPECT_TRUE(reader.HasSchema());
	}
	EXPECT_TRUE(reader.Finished());
	EXPECT_EQ(finished.finished().bytes(), bytes);
	EXPECT_EQ(reader.Names(), (duckdb::vector<std::string> {"i", "s"}));
	// The row cap is exact: ten batches of 1000 rows, the last one with the end of stream, and
	// Finished.
	EXPECT_EQ(responses.size(), 11u);
	duckdb::DataChunk chunk;
	chunk.Initialize(*connection.context, reader.Types());
	int64_t expected = 0;
	while (reader.Next(chunk)) {
		for (duckdb::idx_t row = 0; row < chunk.size(); row++, expected++) {
			ASSERT_EQ(chunk.GetValue(0, row).GetValue<int64_t>(), expected);
		}
	}
	EXPECT_EQ(expected, 10000);
}

TEST_F(ServerWorkerTest, StatementsWithoutRowsGiveAValidStream) {
	duckdb::DuckDB database(nullptr);
	auto responses = Execute(database, "CREATE TABLE t(a INTEGER); INSERT INTO t VALUES (1), (2)");
	ASSERT_EQ(responses.size(), 2u);
	ASSERT_TRUE(responses[0].has_arrow_batch());
	ASSERT_TRUE(responses[1].has_finished());
	duckdb::Connection connection(database);
	IpcStreamReader reader(*connection.context);
	reader.Feed(responses[0].arrow_batch());
	EXPECT_TRUE(reader.HasSchema());
	EXPECT_TRUE(reader.Finished());
	EXPECT_EQ(connection.Query("SELECT count(*) FROM t")->GetValue(0, 0).GetValue<int64_t>(), 2);
}

TEST_F(ServerWorkerTest, SqlErrorsBecomeErrorResponses) {
	duckdb::DuckDB database(nullptr);
	auto responses = Execute(database, "SELECT * FROM missing_table");
	ASSERT_EQ(responses.size(), 1u);
	ASSERT_TRUE(responses[0].has_error());
	EXPECT_EQ(responses[0].error().type(), "Catalog");
	EXPECT_EQ(responses[0].error().message().rfind("Table with name missing_table does not exist", 0), 0u)
	    << responses[0].error().message();

	responses = Execute(database, "SELECT 1; SELEC 2");
	ASSERT_EQ(responses.size(), 1u);
	EXPECT_EQ(responses[0].error().type(), "Parser");

	// An error raised while rows are already streaming.
	responses = Execute(database, "SELECT CASE WHEN range < 5000 THEN range ELSE error('boom') END FROM range(10000)",
	                    100);
	ASSERT_TRUE(responses.back().has_error());
	EXPECT_EQ(responses.back().error().message(), "boom");
}

TEST_F(ServerWorkerTest, CancelInterruptsAndRegistryFindsExecutions) {
	duckdb::DuckDB database(nullptr);
	pb::ExecuteFragmentRequest request;
	request.set_plan("SELECT sum(a.range * b.range) FROM range(100000000) a, range(1000) b");
	request.set_execution_id("e1");
	FragmentExecutor executor(database, request);
	ExecutionRegistry registry;
	auto entry = registry.TryRegister("e1", executor);
	ASSERT_TRUE(entry);
	EXPECT_FALSE(registry.TryRegister("e1", executor));
	EXPECT_FALSE(registry.Cancel("other"));
	EXPECT_TRUE(registry.Cancel("e1"));
	std::vector<pb::ExecuteFragmentResponse> responses;
	executor.Run([&](const pb::ExecuteFragmentResponse &response) {
		responses.push_back(response);
		return true;
	});
	ASSERT_EQ(responses.size(), 1u);
	EXPECT_EQ(responses[0].error().type(), "INTERRUPT");
	EXPECT_EQ(responses[0].error().message(), "execution 'e1' was cancelled");
	entry.reset();
	EXPECT_FALSE(registry.Cancel("e1"));
}

TEST_F(ServerWorkerTest, ALateCancelLeavesTheSessionsNextStatementAlone) {
	// A host drops a finished call (its cancel reaches the worker) just as its session's next
	// statement starts on the same connection: that statement must run to its end.
	duckdb::DuckDB database(nullptr);
	Session session(database, "db", "token");
	auto run = [&](FragmentExecutor &executor) {
		std::vector<pb::ExecuteFragmentResponse> responses;
		executor.Run([&](const pb::ExecuteFragmentResponse &response) {
			responses.push_back(response);
			return true;
		});
		return responses;
	};
	pb::ExecuteFragmentRequest first_request;
	first_request.set_plan("SELECT 1");
	FragmentExecutor first(session, first_request);
	ASSERT_TRUE(run(first).back().has_finished());

	pb::ExecuteFragmentRequest next_request;
	next_request.set_plan("SELECT count(*) FROM range(300000000) a WHERE a.range % 7 = 3");
	FragmentExecutor next(session, next_request);
	std::vector<pb::ExecuteFragmentResponse> responses;
	std::thread runner([&] { responses = run(next); });
	std::this_thread::sleep_for(std::chrono::milliseconds(100));
	first.Cancel();
	runner.join();
	ASSERT_FALSE(responses.empty());
	EXPECT_TRUE(responses.back().has_finished()) << responses.back().DebugString();
	EXPECT_FALSE(responses.back().has_error()) << responses.back().error().message();

	// A cancel of the statement that holds the session still interrupts it.
	FragmentExecutor last(session, next_request);
	std::thread canceller([&] {
		std::this_thread::sleep_for(std::chrono::milliseconds(100));
		last.Cancel();
	});
	responses = run(last);
	canceller.join();
	EXPECT_EQ(responses.back().error().type(), "INTERRUPT");
}

TEST_F(ServerWorkerTest, StopsWhenTheCallerIsGone) {
	duckdb::DuckDB database(nullptr);
	pb::ExecuteFragmentRequest request;
	request.set_plan("SELECT * FROM range(1000000)");
	request.set_max_batch_rows(10);
	FragmentExecutor executor(database, request);
	int calls = 0;
	auto outcome = executor.Run([&](const pb::ExecuteFragmentResponse &) { return ++calls < 3; });
	EXPECT_FALSE(outcome.delivered);
	EXPECT_EQ(calls, 3);
}

TEST_F(ServerWorkerTest, CatalogDescribesTablesViewsAndExactTypes) {
	duckdb::DuckDB database(nullptr);
	duckdb::Connection connection(database);
	for (auto sql : {"CREATE TYPE mood AS ENUM ('sad', 'o''k', 'hap\"py')", "CREATE SCHEMA s2",
	                 "CREATE TABLE s2.w(a STRUCT(\"a b\" INTEGER, \"q\"\"x\" VARCHAR, \"it's\" INTEGER[]) NOT NULL, "
	                 "m mood DEFAULT 'sad', d DECIMAL(38,10), mp MAP(VARCHAR, INTEGER[]), u UNION(n INTEGER, s VARCHAR))",
	                 "CREATE TABLE t AS SELECT range AS i FROM range(5)", "CREATE VIEW v AS SELECT i FROM t"}) {
		auto result = connection.Query(sql);
		ASSERT_FALSE(result->HasError()) << result->GetError();
	}
	pb::GetCatalogResponse catalog;
	ReadCatalog(database, catalog);
	EXPECT_EQ(catalog.default_schema(), "main");
	ASSERT_EQ(catalog.schemas_size(), 2);
	auto &main = catalog.schemas(0);
	EXPECT_EQ(main.name(), "main");
	ASSERT_EQ(main.tables_size(), 2);
	EXPECT_EQ(main.tables(0).name(), "t");
	EXPECT_EQ(main.tables(0).estimated_rows(), 5u);
	EXPECT_FALSE(main.tables(0).is_view());
	EXPECT_EQ(main.tables(1).name(), "v");
	EXPECT_TRUE(main.tables(1).is_view());
	EXPECT_EQ(main.tables(1).sql(), "CREATE VIEW v AS SELECT i FROM t;");
	ASSERT_EQ(main.tables(1).columns_size(), 1);
	EXPECT_EQ(main.tables(1).columns(0).type(), "BIGINT");

	auto &w = catalog.schemas(1).tables(0);
	ASSERT_EQ(w.columns_size(), 5);
	EXPECT_TRUE(w.columns(0).not_null());
	EXPECT_EQ(w.columns(1).default_sql(), "'sad'");
	auto described = connection.Query("SELECT a, m, d, mp, u FROM s2.w");
	for (int i = 0; i < w.columns_size(); i++) {
		// The type text round-trips to the exact type, without the catalog's named type.
		auto parsed = duckdb::TransformStringToLogicalType(w.columns(i).type());
		EXPECT_EQ(parsed, described->types[i]) << w.columns(i).type();
	}
}

TEST(ServerCallChecksTest, MessagesNameBothSides) {
	auto status = CheckPeerVersions("client", "2", "v1.3.0");
	EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
	EXPECT_EQ(status.error_message(), "version mismatch: client speaks OpenDuck protocol 2 for DuckDB v1.3.0, "
	                                  "server speaks protocol 1 for DuckDB v1.4.4");
	EXPECT_TRUE(CheckPeerVersions("client", "1", "v1.4.4").ok());
	status = DatabaseNotFound("x", {"a", "b"});
	EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
	EXPECT_EQ(status.error_message(), "database 'x' does not exist on this OpenDuck server (available: a, b)");
	EXPECT_EQ(DatabaseNotFound("x", {}).error_message(),
	          "database 'x' does not exist on this OpenDuck server (available: none)");
}

TEST(ServerCallChecksTest, MissingTokenIsRejected) {
	grpc::ServerContext context;
	auto status = CheckAuthorization(context, "secret");
	EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
	EXPECT_EQ(status.error_message(), "authentication failed: missing or invalid token");
	// an empty expected token never matches, not even an absent one
	EXPECT_FALSE(CheckAuthorization(context, "").ok());
}

} // namespace openduck
