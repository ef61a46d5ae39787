#include "extension/write/remote_insert.hpp"

#include "duckdb/catalog/catalog_entry/schema_catalog_entry.hpp"
#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "duckdb/parser/parsed_data/create_table_info.hpp"
#include "extension/catalog/od_catalog.hpp"

namespace openduck {

using namespace duckdb;

RemoteInsert::RemoteInsert(PhysicalPlan &plan, vector<LogicalType> types, ODCatalog &catalog, TableCatalogEntry &table,
                           vector<std::string> columns, bool return_chunk, idx_t estimated_cardinality,
                           ConflictSQL conflict)
    : RemoteWrite(plan, std::move(types), catalog, return_chunk, estimated_cardinality), table_(&table),
      columns_(std::move(columns)), conflict_(std::move(conflict)) {
}

RemoteInsert::RemoteInsert(PhysicalPlan &plan, vector<LogicalType> types, ODCatalog &catalog,
                           SchemaCatalogEntry &schema, unique_ptr<BoundCreateTableInfo> info,
                           idx_t estimated_cardinality)
    : RemoteWrite(plan, std::move(types), catalog, false, estimated_cardinality), schema_(&schema),
      info_(std::move(info)) {
}

std::string RemoteInsert::DirectTarget() const {
	if (return_chunk_ || !conflict_.Plain()) {
		return "";
	}
	if (!table_) {
		// CREATE TABLE AS: the new table's columns are exactly the input's.
		return info_->Base().table;
	}
	// Every column of the table, in table order, and no generated ones: each input row is then
	// a row of the table as it is stored.
	auto &table_columns = table_->GetColumns();
	if (table_columns.LogicalColumnCount() != table_columns.PhysicalColumnCount() ||
	    columns_.size() != table_columns.PhysicalColumnCount()) {
		return "";
	}
	for (auto &column : table_columns.Physical()) {
		if (columns_[column.Physical().index] != column.Name()) {
			return "";
		}
	}
	return table_->name;
}

unique_ptr<GlobalSinkState> RemoteInsert::GetGlobalSinkState(ClientContext &context) const {
	bool discard = false;
	if (schema_) {
		auto transaction = schema_->GetCatalogTransaction(context);
		auto &base = info_->Base();
		discard = base.on_conflict == OnCreateConflict::IGNORE_ON_CONFLICT &&
		          catalog_.LookupInSchema(transaction, schema_->name, CatalogType::TABLE_ENTRY, base.table);
		if (!discard) {
			schema_->CreateTable(transaction, *info_);
		}
	}
	auto &types = children[0].get().GetTypes();
	auto direct = DirectTarget();
	auto schema = table_ ? table_->schema.name : schema_->name;
	auto ingest = direct.empty() ? make_uniq<RemoteIngest>(context, catalog_, types)
	                             : make_uniq<RemoteIngest>(context, catalog_, types, schema, direct);
	auto state = make_uniq<RemoteWriteState>(Prepare(std::move(ingest)));
	state->discard = discard;
	return std::move(state);
}

SinkResultType RemoteInsert::Sink(ExecutionContext &context, DataChunk &chunk, OperatorSinkInput &input) const {
	auto &state = input.global_state.Cast<RemoteWriteState>();
	if (state.discard) {
		return SinkResultType::NEED_MORE_INPUT;
	}
	if (!state.ingest->ReadyForInput(input.interrupt_state)) {
		return SinkResultType::BLOCKED;
	}
	state.ingest->Append(context.client, chunk);
	return SinkResultType::NEED_MORE_INPUT;
}

SinkFinalizeType RemoteInsert::Finalize(Pipeline &pipeline, Event &event, ClientContext &context,
                                        OperatorSinkFinalizeInput &input) const {
	auto &state = input.global_state.Cast<RemoteWriteState>();
	if (state.discard) {
		return SinkFinalizeType::READY;
	}
	if (!state.ingest->TryFinish(context, input.interrupt_state)) {
		return SinkFinalizeType::BLOCKED;
	}
	if (!DirectTarget().empty()) {
		state.affected = state.ingest->RowsSent();
		return SinkFinalizeType::READY;
	}
	std::string target;
	vector<std::string> columns = columns_;
	if (table_) {
		target = QuoteIdentifier(table_->schema.name) + "." + QuoteIdentifier(table_->name);
	} else {
		auto &base = info_->Base();
		target = QuoteIdentifier(schema_->name) + "." + QuoteIdentifier(base.table);
		for (auto &column : base.columns.Physical()) {
			columns.push_back(column.Name());
		}
	}
	std::string column_list;
	for (auto &column : columns) {
		column_list += (column_list.empty() ? "" : ", ") + QuoteIdentifier(column);
	}
	state.Apply(context,
	            conflict_.verb + " INTO " + target + conflict_.target_alias +
	                (column_list.empty() ? "" : " (" + column_list + ")") + " SELECT * FROM " +
	                state.ingest->TableSQL() + conflict_.clause,
	            return_chunk_);
	return SinkFinalizeType::READY;
}

InsertionOrderPreservingMap<string> RemoteInsert::ParamsToString() const {
	InsertionOrderPreservingMap<string> result;
	result["Location"] = catalog_.RemoteLocation();
	result["Catalog"] = catalog_.GetName();
	result["Table"] = table_ ? table_->name : info_->Base().table;
	return result;
}

} // namespace openduck
