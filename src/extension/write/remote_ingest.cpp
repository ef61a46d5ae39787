#include "extension/write/remote_ingest.hpp"

#include "arrow/row_bytes.hpp"

#include "arrow/ipc_stream_writer.hpp"
#include "extension/catalog/od_catalog.hpp"
#include "extension/scan/remote_result.hpp"
#include "extension/pushdown/sql_rewrite.hpp"

#include "duckdb/storage/storage_info.hpp"

namespace openduck {

using namespace duckdb;

// Per request: two row groups of the worker's tables (DuckDB's default size), so the worker's
// insert compresses and writes both on threads of their own (ingest_scan.hpp), and the fixed
// cost of a request is small against what it carries. Wide rows flush earlier, on bytes, to
// stay well under the RPC message limit; memory stays bounded on both sides either way.
static constexpr idx_t kIngestBatchRows = 2 * DEFAULT_ROW_GROUP_SIZE;
static constexpr idx_t kIngestBatchBytes = 48 * 1024 * 1024;

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
      compression_(catalog.Client().UsableCompression(options_.compression)),
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
	// A failing or cancelled statement: what is on its way finishes (or fails) on the worker,
	// whose session the host's rollback then discards; the statement's error is what the user sees.
	{
		std::lock_guard<std::mutex> guard(lock_);
		queued_.reset();
	}
	if (sender_.joinable()) {
		sender_.join();
	}
}

std::string RemoteIngest::ColumnName(idx_t index) {
	return "c" + std::to_string(index);
}

std::string RemoteIngest::TableSQL() const {
	return "temp.main." + QuoteIdentifier(options_.ingest_table);
}

void RemoteIngest::Append(ClientContext &context, DataChunk &chunk) {
	// The INSERT's pipeline hands over chunks as they come, dictionary vectors included.
	FlattenNestedColumns(chunk);
	RowBytes sizes(chunk);
	for (idx_t offset = 0; offset < chunk.size();) {
		// Requests end on a row-group boundary (unless rows are wide), so the worker never merges
		// a partial one.
		auto appended = writer_->AppendWithin(chunk, sizes, offset, kIngestBatchRows, kIngestBatchBytes);
		offset += appended;
		if (appended == 0 || writer_->BufferedRows() >= kIngestBatchRows ||
		    writer_->BufferedBytes() >= kIngestBatchBytes) {
			Flush(context);
		}
	}
}

bool RemoteIngest::ReadyForInput(const InterruptState &interrupt) {
	std::unique_lock<std::mutex> guard(lock_);
	RethrowError(guard);
	if (!queued_) {
		return true;
	}
	if (std::this_thread::get_id() == client_thread_) {
		changed_.wait(guard, [&]() { return !queued_ || error_; });
		RethrowError(guard);
		return true;
	}
	waiter_ = make_uniq<InterruptState>(interrupt);
	return false;
}

void RemoteIngest::Flush(ClientContext &context) {
	auto request = make_uniq<ExecuteOptions>(options_);
	request->ingest_arrow = schema_message_;
	rows_sent_ += writer_->BufferedRows();
	auto now = std::chrono::steady_clock::now();
	if (last_flush_bytes_ > 0) {
		compression_.Record(last_flush_codec_, now - last_flush_, last_flush_bytes_);
	}
	last_flush_ = now;
	last_flush_bytes_ = writer_->BufferedBytes();
	last_flush_codec_ = compression_.Next(last_flush_bytes_);
	writer_->SetCompression(last_flush_codec_);
	writer_->FlushBatchTo(request->ingest_arrow);
	request->ingest_arrow += IpcStreamWriter::EndOfStream();
	sent_any_ = true;
	std::unique_lock<std::mutex> guard(lock_);
	if (sending_) {
		// ReadyForInput made room for one batch per Append; a chunk of wide rows makes several,
		// so wait in place for the one before (rare: rows of more than a few MiB).
		changed_.wait(guard, [&]() { return !queued_ || error_; });
		RethrowError(guard);
	}
	if (sending_) {
		queued_ = std::move(request);
		return;
	}
	sending_ = true;
	guard.unlock();
	if (sender_.joinable()) {
		// The previous loop has ended (sending_ was false); reap its thread.
		sender_.join();
	}
	sender_ = std::thread([this, &context, request = std::move(*request)]() mutable {
		SendLoop(context, std::move(request));
	});
}

void RemoteIngest::SendLoop(ClientContext &context, ExecuteOptions request) {
	while (true) {
		std::exception_ptr error;
		try {
			RunRemote(context, catalog_, "", std::move(request));
		} catch (...) {
			error = std::current_exception();
		}
		std::unique_lock<std::mutex> guard(lock_);
		if (error) {
			error_ = error;
			queued_.reset();
		}
		if (!queued_) {
			sending_ = false;
			WakeWaiter(guard);
			return;
		}
		request = std::move(*queued_);
		queued_.reset();
		WakeWaiter(guard);
	}
}

void RemoteIngest::WakeWaiter(std::unique_lock<std::mutex> &guard) {
	changed_.notify_all();
	auto waiter = std::move(waiter_);
	guard.unlock();
	if (waiter) {
		waiter->Callback();
	}
	guard.lock();
}

void RemoteIngest::RethrowError(std::unique_lock<std::mutex> &guard) {
	if (error_) {
		std::rethrow_exception(error_);
	}
}

bool RemoteIngest::TryFinish(ClientContext &context, const InterruptState &interrupt) {
	if (writer_->BufferedRows() > 0 || !sent_any_) {
		if (!ReadyForInput(interrupt)) {
			return false;
		}
		Flush(context);
	}
	std::unique_lock<std::mutex> guard(lock_);
	if (sending_ && std::this_thread::get_id() == client_thread_) {
		changed_.wait(guard, [&]() { return !sending_; });
	}
	RethrowError(guard);
	if (sending_) {
		waiter_ = make_uniq<InterruptState>(interrupt);
		return false;
	}
	return true;
}

unique_ptr<ColumnDataCollection> RunRemote(ClientContext &context, ODCatalog &catalog, const std::string &sql,
                                           ExecuteOptions options) {
	RemoteResult result(context, catalog.Client().Execute(sql, std::move(options)));
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
	statement.setup_sql = options_.setup_sql;
	auto rows = RunRemote(context, catalog_, sql, statement);
	RunRemote(context, catalog_, "DROP TABLE " + TableSQL(), statement);
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
