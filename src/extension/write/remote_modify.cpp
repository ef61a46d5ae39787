#include "extension/write/remote_modify.hpp"

#include "duckdb/catalog/catalog_entry/schema_catalog_entry.hpp"
#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "extension/catalog/od_catalog.hpp"

namespace openduck {

using namespace duckdb;

namespace {

class RemoteModifyState : public RemoteWriteState {
public:
	using RemoteWriteState::RemoteWriteState;
	DataChunk shipped;
};

} // namespace

RemoteModify::RemoteModify(PhysicalPlan &plan, vector<LogicalType> types, ODCatalog &catalog,
                           TableCatalogEntry &table, vector<SetColumn> set, idx_t row_id_index, bool return_chunk,
                           idx_t estimated_cardinality)
    : RemoteWrite(plan, std::move(types), catalog, return_chunk, estimated_cardinality), table_(table),
      set_(std::move(set)), row_id_index_(row_id_index) {
}

vector<idx_t> RemoteModify::ShippedColumns() const {
	vector<idx_t> columns;
	for (auto &column : set_) {
		if (column.input_index != DConstants::INVALID_INDEX) {
			columns.push_back(column.input_index);
		}
	}
	columns.push_back(row_id_index_);
	return columns;
}

unique_ptr<GlobalSinkState> RemoteModify::GetGlobalSinkState(ClientContext &context) const {
	auto &input_types = children[0].get().GetTypes();
	vector<LogicalType> types;
	for (auto index : ShippedColumns()) {
		types.push_back(input_types[index]);
	}
	auto state = make_uniq<RemoteModifyState>(Prepare(make_uniq<RemoteIngest>(context, catalog_, types)));
	state->shipped.InitializeEmpty(types);
	return std::move(state);
}

SinkResultType RemoteModify::Sink(ExecutionContext &context, DataChunk &chunk, OperatorSinkInput &input) const {
	auto &state = input.global_state.Cast<RemoteModifyState>();
	if (!state.ingest->ReadyForInput(input.interrupt_state)) {
		return SinkResultType::BLOCKED;
	}
	auto columns = ShippedColumns();
	state.shipped.Reset();
	for (idx_t i = 0; i < columns.size(); i++) {
		state.shipped.data[i].Reference(chunk.data[columns[i]]);
	}
	state.shipped.SetCardinality(chunk.size());
	state.ingest->Append(context.client, state.shipped);
	return SinkResultType::NEED_MORE_INPUT;
}

SinkFinalizeType RemoteModify::Finalize(Pipeline &pipeline, Event &event, ClientContext &context,
                                        OperatorSinkFinalizeInput &input) const {
	auto &state = input.global_state.Cast<RemoteModifyState>();
	if (!state.ingest->TryFinish(context, input.interrupt_state)) {
		return SinkFinalizeType::BLOCKED;
	}
	auto target = QualifiedTableSQL(table_);
	auto rows = state.ingest->TableSQL();
	auto row_id = QuoteIdentifier(RemoteIngest::ColumnName(ShippedColumns().size() - 1));
	std::string sql;
	if (set_.empty()) {
		sql = "DELETE FROM " + target + " WHERE rowid IN (SELECT " + row_id + " FROM " + rows + ")";
	} else {
		std::string assignments;
		idx_t shipped = 0;
		for (auto &column : set_) {
			assignments += (assignments.empty() ? "" : ", ") + QuoteIdentifier(column.name) + " = ";
			if (column.input_index == DConstants::INVALID_INDEX) {
				assignments += "DEFAULT";
			} else {
				assignments += "__openduck_rows." + QuoteIdentifier(RemoteIngest::ColumnName(shipped++));
			}
		}
		sql = "UPDATE " + target + " SET " + assignments + " FROM " + rows + " AS __openduck_rows WHERE " + target +
		      ".rowid = __openduck_rows." + row_id;
	}
	state.Apply(context, sql, return_chunk_);
	return SinkFinalizeType::READY;
}

InsertionOrderPreservingMap<string> RemoteModify::ParamsToString() const {
	InsertionOrderPreservingMap<string> result;
	result["Location"] = catalog_.RemoteLocation();
	result["Catalog"] = catalog_.GetName();
	result["Table"] = table_.name;
	return result;
}

} // namespace openduck
