#include "extension/remote_insert.hpp"

#include "arrow/ipc_stream_writer.hpp"
#include "duckdb/catalog/catalog_entry/schema_catalog_entry.hpp"
#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "duckdb/common/types/column/column_data_collection.hpp"
#include "duckdb/parser/keyword_helper.hpp"
#include "duckdb/parser/parsed_data/create_table_info.hpp"
#include "extension/od_catalog.hpp"
#include "extension/remote_result.hpp"

namespace openduck {

using namespace duckdb;

namespace {

constexpr idx_t kIngestBatchBytes = 1024 * 1024;

std::string Quote(const std::string &identifier) {
	return KeywordHelper::WriteQuoted(identifier, '"');
}

class RemoteInsertState : public GlobalSinkState {
public:
	RemoteInsertState(ClientContext &context, ODCatalog &catalog, vector<LogicalType> input_types)
	    : catalog(catalog), options(catalog.OptionsFor(context)), input_types(std::move(input_types)),
	      buffer(context, this->input_types), ingest_table("__openduck_ingest_" + NewExecutionId()) {
	}

	// Sends the buffered rows (possibly none: the first call also creates the temporary table).
	void Flush(ClientContext &context) {
		auto properties = context.GetClientProperties();
		// Exact DuckDB types (HUGEINT, UUID, TIME WITH TIME ZONE, ...) instead of approximations.
		properties.arrow_lossless_conversion = true;
		IpcStreamWriter writer(input_types, column_names(), properties);
		for (auto &chunk : buffer.Chunks()) {
			writer.Append(chunk);
		}
		ExecuteOptions ingest = options;
		ingest.ingest_table = ingest_table;
		ingest.ingest_arrow = writer.SchemaMessage() + writer.FlushBatch() + IpcStreamWriter::EndOfStream();
		Drain(context, "", ingest);
		buffer.Reset();
		flushed = true;
	}

	// Runs `sql` in the session and returns its rows.
	unique_ptr<ColumnDataCollection> Run(ClientContext &context, const std::string &sql, const ExecuteOptions &run) {
		RemoteResult result(context, catalog.Client().Execute(sql, run));
		auto rows = make_uniq<ColumnDataCollection>(context, result.Types());
		DataChunk chunk;
		chunk.Initialize(context, result.Types());
		while (result.Next(chunk)) {
			rows->Append(chunk);
		}
		return rows;
	}

	void Drain(ClientContext &context, const std::string &sql, const ExecuteOptions &run) {
		Run(context, sql, run);
	}

	vector<string> column_names() const {
		vector<string> names;
		for (idx_t i = 0; i < input_types.size(); i++) {
			names.push_back("c" + std::to_string(i));
		}
		return names;
	}

	ODCatalog &catalog;
	ExecuteOptions options;
	vector<LogicalType> input_types;
	ColumnDataCollection buffer;
	std::string ingest_table;
	bool flushed = false;
	idx_t inserted = 0;
	unique_ptr<ColumnDataCollection> returned;
};

class RemoteInsertSource : public GlobalSourceState {
public:
	ColumnDataScanState scan;
	bool initialized = false;
	bool done = false;
};

} // namespace

RemoteInsert::RemoteInsert(PhysicalPlan &plan, vector<LogicalType> types, ODCatalog &catalog, TableCatalogEntry &table,
                           vector<std::string> columns, bool return_chunk, idx_t estimated_cardinality)
    : PhysicalOperator(plan, PhysicalOperatorType::EXTENSION, std::move(types), estimated_cardinality),
      catalog_(catalog), table_(&table), columns_(std::move(columns)), return_chunk_(return_chunk) {
}

RemoteInsert::RemoteInsert(PhysicalPlan &plan, vector<LogicalType> types, ODCatalog &catalog,
                           SchemaCatalogEntry &schema, unique_ptr<BoundCreateTableInfo> info,
                           idx_t estimated_cardinality)
    : PhysicalOperator(plan, PhysicalOperatorType::EXTENSION, std::move(types), estimated_cardinality),
      catalog_(catalog), schema_(&schema), info_(std::move(info)) {
}

unique_ptr<GlobalSinkState> RemoteInsert::GetGlobalSinkState(ClientContext &context) const {
	if (schema_) {
		auto entry = schema_->CreateTable(schema_->GetCatalogTransaction(context), *info_);
		if (!entry) {
			// CREATE TABLE IF NOT EXISTS of an existing table: nothing to insert.
			return make_uniq<RemoteInsertState>(context, catalog_, children[0].get().GetTypes());
		}
	}
	return make_uniq<RemoteInsertState>(context, catalog_, children[0].get().GetTypes());
}

SinkResultType RemoteInsert::Sink(ExecutionContext &context, DataChunk &chunk, OperatorSinkInput &input) const {
	auto &state = input.global_state.Cast<RemoteInsertState>();
	state.buffer.Append(chunk);
	if (state.buffer.SizeInBytes() >= kIngestBatchBytes) {
		state.Flush(context.client);
	}
	return SinkResultType::NEED_MORE_INPUT;
}

SinkFinalizeType RemoteInsert::Finalize(Pipeline &pipeline, Event &event, ClientContext &context,
                                        OperatorSinkFinalizeInput &input) const {
	auto &state = input.global_state.Cast<RemoteInsertState>();
	state.Flush(context);
	std::string target;
	vector<std::string> columns = columns_;
	if (table_) {
		target = Quote(table_->schema.name) + "." + Quote(table_->name);
	} else {
		auto &base = info_->Base();
		target = Quote(schema_->name) + "." + Quote(base.table);
		for (auto &column : base.columns.Physical()) {
			columns.push_back(column.Name());
		}
	}
	std::string column_list;
	for (auto &column : columns) {
		column_list += (column_list.empty() ? "" : ", ") + Quote(column);
	}
	auto source = "temp.main." + Quote(state.ingest_table);
	std::string sql = "INSERT INTO " + target + (column_list.empty() ? "" : " (" + column_list + ")") +
	                  " SELECT * FROM " + source;
	if (return_chunk_) {
		state.returned = state.Run(context, sql + " RETURNING *", state.options);
		state.inserted = state.returned->Count();
	} else {
		auto counts = state.Run(context, sql, state.options);
		for (auto &chunk : counts->Chunks()) {
			for (idx_t row = 0; row < chunk.size(); row++) {
				state.inserted += chunk.GetValue(0, row).GetValue<int64_t>();
			}
		}
	}
	state.Drain(context, "DROP TABLE " + source, state.options);
	return SinkFinalizeType::READY;
}

unique_ptr<GlobalSourceState> RemoteInsert::GetGlobalSourceState(ClientContext &context) const {
	return make_uniq<RemoteInsertSource>();
}

SourceResultType RemoteInsert::GetData(ExecutionContext &context, DataChunk &chunk, OperatorSourceInput &input) const {
	auto &state = sink_state->Cast<RemoteInsertState>();
	if (!return_chunk_) {
		chunk.SetCardinality(1);
		chunk.SetValue(0, 0, Value::BIGINT(NumericCast<int64_t>(state.inserted)));
		return SourceResultType::FINISHED;
	}
	auto &source = input.global_state.Cast<RemoteInsertSource>();
	if (!source.initialized) {
		state.returned->InitializeScan(source.scan);
		source.initialized = true;
	}
	state.returned->Scan(source.scan, chunk);
	return chunk.size() == 0 ? SourceResultType::FINISHED : SourceResultType::HAVE_MORE_OUTPUT;
}

InsertionOrderPreservingMap<string> RemoteInsert::ParamsToString() const {
	InsertionOrderPreservingMap<string> result;
	result["Location"] = "REMOTE (" + catalog_.GetName() + ")";
	result["Table"] = table_ ? table_->name : info_->Base().table;
	return result;
}

} // namespace openduck
