#include "extension/remote_ingest.hpp"

#include "arrow/ipc_stream_writer.hpp"
#include "extension/od_catalog.hpp"
#include "extension/remote_result.hpp"
#include "extension/sql_rewrite.hpp"

namespace openduck {

using namespace duckdb;

// Per request. Large enough that the fixed cost of a request (RPC, decoder and appender set-up
// on the worker) is small against the bytes it carries; small enough that host and worker
// memory stay bounded and the pipeline fills at once.
static constexpr idx_t kIngestBatchBytes = 4 * 1024 * 1024;

static vector<string> ColumnNames(idx_t count) {
	vector<string> names;
	for (idx_t i = 0; i < count; i++) {
		names.push_back(RemoteIngest::ColumnName(i));
	}
	return names;
}

RemoteIngest::RemoteIngest(ClientContext &context, ODCatalog &catalog, vector<LogicalType> types)
    : catalog_(catalog), options_(catalog.OptionsFor(context)), types_(std::move(types)),
      writer_(std::make_unique<IpcStreamWriter>(types_, ColumnNames(types_.size()),
                                                IpcStreamWriter::WireProperties(context))),
      schema_message_(writer_->SchemaMessage()) {
	options_.ingest_table = "__openduck_ingest_" + NewExecutionId();
}

RemoteIngest::RemoteIngest(ClientContext &context, ODCatalog &catalog, vector<LogicalType> types,
                           const std::string &schema, const std::string &table)
    : RemoteIngest(context, catalog, std::move(types)) {
	options_.ingest_schema = schema;
	options_.ingest_table = table;
}

RemoteIngest::~RemoteIngest() {
	if (in_flight_.valid()) {
		// Already failing or cancelled; the statement's error is what the user sees.
		try {
			in_flight_.get();
		} catch (...) {
		}
	}
}

std::string RemoteIngest::ColumnName(idx_t index) {
	return "c" + std::to_string(index);
}

std::string RemoteIngest::TableSQL() const {
	return "temp.main." + QuoteIdentifier(options_.ingest_table);
}

void RemoteIngest::Append(ClientContext &context, DataChunk &chunk) {
	writer_->Append(chunk);
	if (writer_->BufferedBytes() >= kIngestBatchBytes) {
		Flush(context);
	}
}

void RemoteIngest::Wait() {
	if (in_flight_.valid()) {
		in_flight_.get();
	}
}

void RemoteIngest::Flush(ClientContext &context) {
	ExecuteOptions request = options_;
	request.ingest_arrow = schema_message_;
	rows_sent_ += writer_->BufferedRows();
	writer_->FlushBatchTo(request.ingest_arrow);
	request.ingest_arrow += IpcStreamWriter::EndOfStream();
	// The previous batch must be appended first: batches keep their order.
	Wait();
	sent_any_ = true;
	in_flight_ = std::async(std::launch::async, [this, &context, request = std::move(request)]() {
		Run(context, "", request);
	});
}

void RemoteIngest::Finish(ClientContext &context) {
	if (writer_->BufferedRows() > 0 || !sent_any_) {
		Flush(context);
	}
	Wait();
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
	ExecuteOptions statement;
	statement.session_id = options_.session_id;
	auto rows = Run(context, sql, statement);
	Run(context, "DROP TABLE " + TableSQL(), statement);
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
