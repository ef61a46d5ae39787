// INSERT INTO cloud.t ... and CREATE TABLE cloud.t AS ... whose rows come from the host
// (local tables, read_parquet/read_csv, mixed queries): the rows are ingested into the worker
// session (remote_ingest.hpp), committing or rolling back with the host's transaction. A plain
// INSERT of every column (and CTAS) appends them straight into the table as they arrive;
// otherwise (a column list, defaults, RETURNING, ON CONFLICT / OR REPLACE / OR IGNORE) they land
// in a temporary table and INSERT INTO t (...) SELECT * FROM it [ON CONFLICT ...] runs there.
// Statements whose rows are all remote never get here: they are shipped whole
// (statement_pushdown.hpp).
//
// A few rows of scalar types (a statement with parameters, which DuckDB binds as constants on
// the host; each row of executemany; a small host table) instead travel as exact literals in one
// INSERT ... VALUES statement, outside any session when the host is in auto-commit: one request
// where the ingest costs four (session, rows, statement, commit), and the worker runs what a
// statement shipped whole would. More rows than that, or wider ones, move to the ingest as soon
// as they pass the limit.
//
// Such an auto-commit INSERT of constant rows is bound against the host's cached catalog and
// leaves the check that the catalog is current to the worker (DeferCatalogCheckToInsert,
// checked_write.hpp): one request instead of two.
#pragma once

#include "duckdb/planner/parsed_data/bound_create_table_info.hpp"
#include "extension/write/remote_write.hpp"
#include "extension/write/upsert_sql.hpp"

namespace openduck {

class RemoteInsert : public RemoteWrite {
public:
	// INSERT into `table`; `columns` are the target columns in the order of the input chunk.
	// `conflict` is how the worker's INSERT resolves conflicts with unique keys (upsert_sql.hpp).
	RemoteInsert(duckdb::PhysicalPlan &plan, duckdb::vector<duckdb::LogicalType> types, ODCatalog &catalog,
	             duckdb::TableCatalogEntry &table, duckdb::vector<std::string> columns, bool return_chunk,
	             duckdb::idx_t estimated_cardinality, ConflictSQL conflict);
	// CREATE TABLE ... AS: the table is created when the sink starts.
	RemoteInsert(duckdb::PhysicalPlan &plan, duckdb::vector<duckdb::LogicalType> types, ODCatalog &catalog,
	             duckdb::SchemaCatalogEntry &schema, duckdb::unique_ptr<duckdb::BoundCreateTableInfo> info,
	             duckdb::idx_t estimated_cardinality);

	duckdb::unique_ptr<duckdb::GlobalSinkState> GetGlobalSinkState(duckdb::ClientContext &context) const override;
	duckdb::SinkResultType Sink(duckdb::ExecutionContext &context, duckdb::DataChunk &chunk,
	                            duckdb::OperatorSinkInput &input) const override;
	duckdb::SinkFinalizeType Finalize(duckdb::Pipeline &pipeline, duckdb::Event &event, duckdb::ClientContext &context,
	                                  duckdb::OperatorSinkFinalizeInput &input) const override;

	std::string GetName() const override {
		return "OPENDUCK_INSERT";
	}
	duckdb::InsertionOrderPreservingMap<std::string> ParamsToString() const override;

private:
	// A new ingest of this insert's input into the worker session.
	std::unique_ptr<RemoteIngest> NewIngest(duckdb::ClientContext &context) const;
	// Runs the INSERT ... VALUES statement `sql` as the state's result, checking the catalog
	// with the worker when planning deferred that.
	void ApplyLiterals(duckdb::ClientContext &context, RemoteWriteState &state, const std::string &sql) const;
	// "INSERT [OR REPLACE] INTO target [AS alias] (columns)": what both ways of sending rows
	// put before them.
	std::string InsertInto() const;
	// The table the rows are appended to as they arrive (a plain INSERT of every column, or
	// CREATE TABLE AS), or "" when they need a statement on the worker (a column list, defaults,
	// RETURNING, conflict handling).
	std::string DirectTarget() const;

	duckdb::TableCatalogEntry *table_ = nullptr;
	duckdb::SchemaCatalogEntry *schema_ = nullptr;
	duckdb::unique_ptr<duckdb::BoundCreateTableInfo> info_;
	duckdb::vector<std::string> columns_;
	ConflictSQL conflict_;
};

// Whether the auto-commit INSERT `plan` of constant rows (VALUES, the values of a statement's
// parameters) into an OpenDuck table may leave the check of its catalog to the worker; the
// statement pushdown (statement_pushdown.hpp) otherwise confirms the catalog first.
bool DeferCatalogCheckToInsert(duckdb::ClientContext &context, duckdb::LogicalOperator &plan);

} // namespace openduck
