#include "extension/remote_ingest.hpp"

#include "arrow/ipc_stream_writer.hpp"
#include "extension/od_catalog.hpp"
#include "extension/remote_result.hpp"
#include "extension/sql_rewrite.hpp"

namespace openduck {

using namespace duckdb;

static constexpr idx_t kIngestBatchBytes = 1024 * 1024;

RemoteIngest::RemoteIngest(ClientContext &context, ODCatalog &catalog, vector<LogicalType> types)
    : catalog_(catalog), options_(catalog.OptionsFor(context)), types_(std::move(types)), buffer_(context, types_),
      table_("__openduck_ingest_" + NewExecutionId()) {
}

std::string RemoteIngest::ColumnName(idx_t index) {
	return "c" + std::to_string(index);
}

std::string RemoteIngest::TableSQL() const {
	return "temp.main." + QuoteIdentifier(table_);
}

void RemoteIngest::Append(ClientContext &context, DataChunk &chunk) {
	buffer_.Append(chunk);
	if (buffer_.SizeInBytes() >= kIngestBatchBytes) {
		Flush(context);
	}
}

void RemoteIngest::Flush(ClientContext &context) {
	vector<string> names;
	for (idx_t i = 0; i < types_.size(); i++) {
		names.push_back(ColumnName(i));
	}
	IpcStreamWriter writer(types_, names, IpcStreamWriter::WireProperties(context));
	for (auto &chunk : buffer_.Chunks()) {
		writer.Append(chunk);
	}
	ExecuteOptions ingest = options_;
	ingest.ingest_table = table_;
	ingest.ingest_arrow = writer.SchemaMessage() + writer.FlushBatch() + IpcStreamWriter::EndOfStream();
	Run(context, "", ingest);
	buffer_.Reset();
}

void RemoteIngest::Finish(ClientContext &context) {
	Flush(context);
}

unique_ptr<ColumnDataCollection> RemoteIngest::Run(ClientContext &context, const std::string &sql,
                                                   const ExecuteOptions &options) {
	RemoteResult result(context, catalog_.Client().Execute(sql, options));
	auto rows = make_uniq<ColumnDataCollection>(context, result.Types());
	DataChunk chunk;
	chunk.Initialize(context, result.Types());
	while (result.Next(chunk)) {
		rows->Append(chunk);
	}
	return rows;
}

unique_ptr<ColumnDataCollection> RemoteIngest::RunAndDrop(ClientContext &context, const std::string &sql) {
	auto rows = Run(context, sql, options_);
	Run(context, "DROP TABLE " + TableSQL(), options_);
	return rows;
}

idx_t SumCounts(ColumnDataCollection &counts) {
	idx_t total = 0;
	for (auto &chunk : counts.Chunks()) {
		for (idx_t row = 0; row < chunk.size(); row++) {
			total += chunk.GetValue(0, row).GetValue<int64_t>();
		}
	}
	return total;
}

} // namespace openduck
