// INSERT INTO cloud.t ... and CREATE TABLE cloud.t AS ... whose rows come from the host
// (local tables, read_parquet/read_csv, mixed queries): a sink that streams the rows to the
// worker as Arrow IPC batches of ~1 MiB into a temporary table of the current worker session,
// then runs INSERT INTO t SELECT * FROM that table there. Memory stays bounded on both sides
// (the worker's temporary table spills like any DuckDB table); the insert commits or rolls
// back with the host's transaction. Statements whose rows are all remote never get here: they
// are shipped whole (statement_pushdown.hpp).
#pragma once

#include "duckdb/execution/physical_operator.hpp"
#include "duckdb/planner/parsed_data/bound_create_table_info.hpp"

namespace openduck {

class ODCatalog;

class RemoteInsert : public duckdb::PhysicalOperator {
public:
	// INSERT into `table`; `columns` are the target columns in the order of the input chunk.
	RemoteInsert(duckdb::PhysicalPlan &plan, duckdb::vector<duckdb::LogicalType> types, ODCatalog &catalog,
	             duckdb::TableCatalogEntry &table, duckdb::vector<std::string> columns, bool return_chunk,
	             duckdb::idx_t estimated_cardinality);
	// CREATE TABLE ... AS: the table is created when the sink starts.
	RemoteInsert(duckdb::PhysicalPlan &plan, duckdb::vector<duckdb::LogicalType> types, ODCatalog &catalog,
	             duckdb::SchemaCatalogEntry &schema, duckdb::unique_ptr<duckdb::BoundCreateTableInfo> info,
	             duckdb::idx_t estimated_cardinality);

	duckdb::unique_ptr<duckdb::GlobalSinkState> GetGlobalSinkState(duckdb::ClientContext &context) const override;
	duckdb::SinkResultType Sink(duckdb::ExecutionContext &context, duckdb::DataChunk &chunk,
	                            duckdb::OperatorSinkInput &input) const override;
	duckdb::SinkFinalizeType Finalize(duckdb::Pipeline &pipeline, duckdb::Event &event, duckdb::ClientContext &context,
	                                  duckdb::OperatorSinkFinalizeInput &input) const override;
	duckdb::unique_ptr<duckdb::GlobalSourceState> GetGlobalSourceState(duckdb::ClientContext &context) const override;
	duckdb::SourceResultType GetData(duckdb::ExecutionContext &context, duckdb::DataChunk &chunk,
	                                 duckdb::OperatorSourceInput &input) const override;

	bool IsSink() const override {
		return true;
	}
	bool IsSource() const override {
		return true;
	}
	bool ParallelSink() const override {
		return false;
	}
	bool SinkOrderDependent() const override {
		return true;
	}
	std::string GetName() const override {
		return "OPENDUCK_INSERT";
	}
	duckdb::InsertionOrderPreservingMap<std::string> ParamsToString() const override;

private:
	ODCatalog &catalog_;
	duckdb::TableCatalogEntry *table_ = nullptr;
	duckdb::SchemaCatalogEntry *schema_ = nullptr;
	duckdb::unique_ptr<duckdb::BoundCreateTableInfo> info_;
	duckdb::vector<std::string> columns_;
	bool return_chunk_ = false;
};

} // namespace openduck
