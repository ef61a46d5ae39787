#include "worker/ingest_scan.hpp"

#include "duckdb/catalog/catalog.hpp"
#include "duckdb/catalog/catalog_entry/schema_catalog_entry.hpp"
#include "duckdb/catalog/catalog_transaction.hpp"
#include "duckdb/common/exception.hpp"
#include "duckdb/function/table/arrow.hpp"
#include "duckdb/parser/parsed_data/create_table_function_info.hpp"
#include "duckdb/storage/storage_info.hpp"

#include <atomic>
#include <mutex>
#include <unordered_map>

namespace openduck {

using namespace duckdb;

static constexpr const char *kFunctionName = "openduck_ingest_scan";

struct IngestBatches {
	// The connection whose statements may read these rows.
	ClientContext *owner = nullptr;
	std::unique_ptr<IpcStreamReader> reader;
	vector<shared_ptr<ArrowArrayWrapper>> batches;
	idx_t rows = 0;
};

namespace {

class Registry {
public:
	static Registry &Get() {
		static Registry registry;
		return registry;
	}

	std::string Add(std::shared_ptr<IngestBatches> batches) {
		std::lock_guard<std::mutex> guard(lock_);
		auto key = "ingest-" + std::to_string(++next_);
		entries_.emplace(key, std::move(batches));
		return key;
	}

	void Remove(const std::string &key) {
		std::lock_guard<std::mutex> guard(lock_);
		entries_.erase(key);
	}

	std::shared_ptr<IngestBatches> Find(const std::string &key, ClientContext &context) {
		std::lock_guard<std::mutex> guard(lock_);
		auto entry = entries_.find(key);
		if (entry == entries_.end() || entry->second->owner != &context) {
			return nullptr;
		}
		return entry->second;
	}

private:
	std::mutex lock_;
	uint64_t next_ = 0;
	std::unordered_map<std::string, std::shared_ptr<IngestBatches>> entries_;
};

// A run of rows of one record batch, at most one row group long: the unit a thread converts and
// the insert collects under one batch index. A full-sized piece becomes a row group that the
// thread compresses and writes itself.
struct Piece {
	idx_t batch;
	idx_t offset;
	idx_t count;
};

struct ScanData : public TableFunctionData {
	std::shared_ptr<IngestBatches> source;
};

struct ScanGlobal : public GlobalTableFunctionState {
	vector<Piece> pieces;
	std::atomic<idx_t> next {0};

	idx_t MaxThreads() const override {
		return MaxValue<idx_t>(1, pieces.size());
	}
};

struct ScanLocal : public LocalTableFunctionState {
	unique_ptr<ArrowScanLocalState> scan;
	idx_t end = 0;
	idx_t batch_index = 0;
	DataChunk import;
};

} // namespace

static unique_ptr<FunctionData> Bind(ClientContext &context, TableFunctionBindInput &input,
                                     vector<LogicalType> &types, vector<string> &names) {
	auto key = input.inputs[0].IsNull() ? std::string() : input.inputs[0].GetValue<std::string>();
	auto source = Registry::Get().Find(key, context);
	if (!source) {
		throw BinderException("%s('%s'): no ingest request of this connection has that key (the function reads "
		                      "rows an OpenDuck host is sending; it is not meant to be called directly)",
		                      kFunctionName, key);
	}
	types = source->reader->Types();
	names = source->reader->Names();
	auto data = make_uniq<ScanData>();
	data->source = std::move(source);
	return std::move(data);
}

static unique_ptr<GlobalTableFunctionState> InitGlobal(ClientContext &, TableFunctionInitInput &input) {
	auto &source = *input.bind_data->Cast<ScanData>().source;
	auto state = make_uniq<ScanGlobal>();
	for (idx_t batch = 0; batch < source.batches.size(); batch++) {
		auto length = NumericCast<idx_t>(source.batches[batch]->arrow_array.length);
		for (idx_t offset = 0; offset < length; offset += DEFAULT_ROW_GROUP_SIZE) {
			state->pieces.push_back({batch, offset, MinValue<idx_t>(DEFAULT_ROW_GROUP_SIZE, length - offset)});
		}
	}
	return std::move(state);
}

static unique_ptr<LocalTableFunctionState> InitLocal(ExecutionContext &context, TableFunctionInitInput &input,
                                                     GlobalTableFunctionState *) {
	auto &source = *input.bind_data->Cast<ScanData>().source;
	auto state = make_uniq<ScanLocal>();
	state->import.Initialize(context.client, source.reader->ImportTypes());
	return std::move(state);
}

static void Scan(ClientContext &context, TableFunctionInput &input, DataChunk &output) {
	auto &source = *input.bind_data->Cast<ScanData>().source;
	auto &global = input.global_state->Cast<ScanGlobal>();
	auto &local = input.local_state->Cast<ScanLocal>();
	if (!local.scan || local.scan->chunk_offset >= local.end) {
		auto index = global.next++;
		if (index >= global.pieces.size()) {
			return;
		}
		auto &piece = global.pieces[index];
		// A fresh scan state per piece: its per-column caches belong to one batch.
		local.scan = make_uniq<ArrowScanLocalState>(nullptr, context);
		local.scan->chunk = source.batches[piece.batch];
		local.scan->chunk_offset = piece.offset;
		local.end = piece.offset + piece.count;
		local.batch_index = index;
	}
	auto count = MinValue<idx_t>(STANDARD_VECTOR_SIZE, local.end - local.scan->chunk_offset);
	source.reader->Convert(*local.scan, count, local.import, output);
}

static OperatorPartitionData PartitionData(ClientContext &, TableFunctionGetPartitionInput &input) {
	if (input.partition_info.RequiresPartitionColumns()) {
		throw InternalException("%s: partition columns are not supported", kFunctionName);
	}
	return OperatorPartitionData(input.local_state->Cast<ScanLocal>().batch_index);
}

static unique_ptr<NodeStatistics> Cardinality(ClientContext &, const FunctionData *data) {
	auto rows = data->Cast<ScanData>().source->rows;
	return make_uniq<NodeStatistics>(rows, rows);
}

IngestScan::IngestScan(ClientContext &context, std::unique_ptr<IpcStreamReader> reader)
    : batches_(std::make_shared<IngestBatches>()) {
	batches_->owner = &context;
	batches_->batches = reader->TakeRecordBatches();
	for (auto &batch : batches_->batches) {
		batches_->rows += NumericCast<idx_t>(batch->arrow_array.length);
	}
	batches_->reader = std::move(reader);
	key_ = Registry::Get().Add(batches_);
}

IngestScan::~IngestScan() {
	Registry::Get().Remove(key_);
}

std::string IngestScan::TableFunctionSQL() const {
	return std::string(kFunctionName) + "('" + key_ + "')";
}

idx_t IngestScan::RowCount() const {
	return batches_->rows;
}

void IngestScan::EnsureRegistered(DatabaseInstance &db) {
	auto &catalog = Catalog::GetSystemCatalog(db);
	auto transaction = CatalogTransaction::GetSystemTransaction(db);
	if (catalog.GetSchema(transaction, DEFAULT_SCHEMA)
	        .GetEntry(transaction, CatalogType::TABLE_FUNCTION_ENTRY, kFunctionName)) {
		return;
	}
	TableFunction function(kFunctionName, {LogicalType::VARCHAR}, Scan, Bind, InitGlobal, InitLocal);
	function.get_partition_data = PartitionData;
	function.cardinality = Cardinality;
	CreateTableFunctionInfo info(std::move(function));
	info.on_conflict = OnCreateConflict::IGNORE_ON_CONFLICT;
	info.internal = true;
	catalog.CreateFunction(transaction, info);
}

} // namespace openduck
