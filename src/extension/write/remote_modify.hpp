// UPDATE and DELETE of a remote table that depend on host data (UPDATE cloud.t ... FROM
// local_table, DELETE ... WHERE a IN (SELECT ... FROM local_table)). The remote scan feeding
// them runs in the same worker session, so its row ids are stable: the affected row ids (and,
// for UPDATE, the new values) are ingested into the session and applied there with one
// statement. Statements over remote data only are shipped whole (statement_pushdown.hpp).
#pragma once

#include "extension/write/remote_write.hpp"

namespace openduck {

class RemoteModify : public RemoteWrite {
public:
	struct SetColumn {
		std::string name;
		// The input column holding the new value, or DConstants::INVALID_INDEX for DEFAULT.
		duckdb::idx_t input_index;
	};

	// DELETE when `set` is empty, else UPDATE. `row_id_index`: the input column with row ids.
	RemoteModify(duckdb::PhysicalPlan &plan, duckdb::vector<duckdb::LogicalType> types, ODCatalog &catalog,
	             duckdb::TableCatalogEntry &table, duckdb::vector<SetColumn> set, duckdb::idx_t row_id_index,
	             bool return_chunk, duckdb::idx_t estimated_cardinality);

	duckdb::unique_ptr<duckdb::GlobalSinkState> GetGlobalSinkState(duckdb::ClientContext &context) const override;
	duckdb::SinkResultType Sink(duckdb::ExecutionContext &context, duckdb::DataChunk &chunk,
	                            duckdb::OperatorSinkInput &input) const override;
	duckdb::SinkFinalizeType Finalize(duckdb::Pipeline &pipeline, duckdb::Event &event, duckdb::ClientContext &context,
	                                  duckdb::OperatorSinkFinalizeInput &input) const override;

	std::string GetName() const override {
		return set_.empty() ? "OPENDUCK_DELETE" : "OPENDUCK_UPDATE";
	}
	duckdb::InsertionOrderPreservingMap<std::string> ParamsToString() const override;

private:
	// Input columns shipped to the worker: the new values, then the row id.
	duckdb::vector<duckdb::idx_t> ShippedColumns() const;

	duckdb::TableCatalogEntry &table_;
	duckdb::vector<SetColumn> set_;
	duckdb::idx_t row_id_index_;
};

} // namespace openduck
