#include "arrow/ipc_stream_reader.hpp"

#include "arrow/ipc_limits.hpp"

#include "arrow/ipc_batch_decoder.hpp"
#include "arrow/ipc_message.hpp"
#include "arrow/ipc_schema.hpp"
#include "arrow/type_text.hpp"
#include "duckdb/common/arrow/arrow_wrapper.hpp"
#include "duckdb/common/type_visitor.hpp"
#include "duckdb/common/vector_operations/vector_operations.hpp"
#include "duckdb/function/table/arrow.hpp"
#include "duckdb/main/config.hpp"

#include <deque>

namespace openduck {

using namespace duckdb;

struct IpcStreamReader::State {
	explicit State(ClientContext &context_p) : context(context_p) {
	}

	ClientContext &context;
	std::unique_ptr<IpcSchemaNode> schema;
	ArrowTableSchema arrow_table;
	// Types DuckDB's Arrow import produces, and the types we hand out (they differ where the
	// writer recorded an exact DuckDB type Arrow cannot express, e.g. ENUM).
	vector<LogicalType> import_types;
	vector<LogicalType> types;
	vector<std::string> names;
	vector<bool> needs_cast;
	bool any_cast = false;
	DataChunk import_chunk;

	// Dictionary id -> the schema node describing its values.
	std::unordered_map<int64_t, const IpcSchemaNode *> dictionary_values;
	IpcDictionaryMap dictionaries;
	std::deque<unique_ptr<ArrowScanLocalState>> batches;
	bool finished = false;

	void ReadSchema(const fb::Schema &message);
	void ReadDictionary(const fb::DictionaryBatch &message, const IpcMessage &raw,
	                    const std::shared_ptr<const std::string> &payload);
	void ReadRecordBatch(const fb::RecordBatch &message, const IpcMessage &raw,
	                     const std::shared_ptr<const std::string> &payload);
	void CollectDictionaries(const IpcSchemaNode &node);
};

static std::string FindMetadata(const KeyValueList &entries, const char *key) {
	for (auto &entry : entries) {
		if (entry.first == key) {
			return entry.second;
		}
	}
	return std::string();
}

void IpcStreamReader::State::CollectDictionaries(const IpcSchemaNode &node) {
	if (node.dictionary) {
		if (!dictionary_values.emplace(node.dictionary_id, node.dictionary.get()).second) {
			throw IOException("Arrow IPC schema uses dictionary id %lld for more than one field",
			                  (long long)node.dictionary_id);
		}
		CollectDictionaries(*node.dictionary);
	}
	for (auto &child : node.children) {
		CollectDictionaries(*child);
	}
}

void IpcStreamReader::State::ReadSchema(const fb::Schema &message) {
	if (schema) {
		throw IOException("Arrow IPC stream has a second Schema message");
	}
	auto decoded = DecodeSchema(message);
	ArrowTableFunction::PopulateArrowTableSchema(DBConfig::GetConfig(context), arrow_table, decoded->schema);
	import_types = arrow_table.GetTypes();
	names = arrow_table.GetNames();
	types = import_types;
	needs_cast.assign(types.size(), false);
	for (idx_t col = 0; col < types.size(); col++) {
		auto exact = FindMetadata(decoded->children[col]->custom_metadata, kDuckDBTypeMetadataKey);
		if (exact.empty()) {
			continue;
		}
		// Parsed without catalog lookups: Feed may run outside a transaction, and a type the
		// writer named but we cannot resolve (a server-side CREATE TYPE) keeps the import type.
		LogicalType parsed;
		try {
			parsed = ParseTypeText(exact);
		} catch (std::exception &) {
			throw IOException("Arrow IPC field \"%s\" has an unparsable %s \"%s\"", names[col],
			                  kDuckDBTypeMetadataKey, exact);
		}
		if (TypeVisitor::Contains(parsed, LogicalTypeId::USER)) {
			continue;
		}
		types[col] = parsed;
		needs_cast[col] = types[col] != import_types[col];
		any_cast |= needs_cast[col];
	}
	if (any_cast) {
		import_chunk.Initialize(context, import_types);
	}
	CollectDictionaries(*decoded);
	schema = std::move(decoded);
}

void IpcStreamReader::State::ReadDictionary(const fb::DictionaryBatch &message, const IpcMessage &raw,
                                            const std::shared_ptr<const std::string> &payload) {
	auto entry = dictionary_values.find(message.id());
	if (entry == dictionary_values.end()) {
		throw IOException("Arrow IPC DictionaryBatch has id %lld, which no schema field uses", (long long)message.id());
	}
	if (!message.data()) {
		throw IOException("Arrow IPC DictionaryBatch %lld has no data", (long long)message.id());
	}
	auto &values_node = *entry->second;
	auto holder = std::make_shared<IpcArrayHolder>();
	holder->payload = payload;
	IpcBatchDecoder decoder(*message.data(), raw, *holder, dictionaries);
	holder->values = decoder.DecodeField(values_node);
	decoder.CheckFullyConsumed();

	auto &slot = dictionaries[message.id()];
	if (message.isDelta()) {
		if (!slot) {
			throw IOException("Arrow IPC delta DictionaryBatch %lld arrived before its first dictionary",
			                  (long long)message.id());
		}
		slot = ConcatenateDictionaries(values_node, slot, holder);
	} else {
		// A replacement: batches already decoded keep the old dictionary alive through their holders.
		slot = std::move(holder);
	}
}

void IpcStreamReader::State::ReadRecordBatch(const fb::RecordBatch &message, const IpcMessage &raw,
                                             const std::shared_ptr<const std::string> &payload) {
	if (message.length() < 0) {
		throw IOException("Arrow IPC RecordBatch has negative length %lld", (long long)message.length());
	}
	if (message.length() > kMaxIpcBatchRows) {
		throw IOException("Arrow IPC RecordBatch claims %lld rows; a batch may hold at most %lld",
		                  (long long)message.length(), (long long)kMaxIpcBatchRows);
	}
	auto holder = make_uniq<IpcArrayHolder>();
	holder->payload = payload;
	IpcBatchDecoder decoder(message, raw, *holder, dictionaries);
	std::vector<ArrowArray *> columns;
	for (auto &column : schema->children) {
		columns.push_back(decoder.DecodeField(*column));
		if (columns.back()->length != message.length()) {
			throw IOException("Arrow IPC column \"%s\" has %lld rows in a batch of %lld", column->name,
			                  (long long)columns.back()->length, (long long)message.length());
		}
	}
	decoder.CheckFullyConsumed();
	if (message.length() == 0) {
		return;
	}
	auto wrapper = make_uniq<ArrowArrayWrapper>();
	wrapper->arrow_array = MakeBatchArray(std::move(holder), message.length(), std::move(columns));
	batches.push_back(make_uniq<ArrowScanLocalState>(std::move(wrapper), context));
}

IpcStreamReader::IpcStreamReader(ClientContext &context) : state_(make_uniq<State>(context)) {
}

IpcStreamReader::~IpcStreamReader() = default;

void IpcStreamReader::Feed(std::string payload) {
	Feed(std::make_shared<const std::string>(std::move(payload)));
}

void IpcStreamReader::Feed(std::shared_ptr<const std::string> payload) {
	auto &state = *state_;
	IpcMessageReader reader(payload->data(), payload->size());
	IpcMessage message;
	bool end_of_stream = false;
	while (reader.Next(message, end_of_stream)) {
		if (state.finished) {
			throw IOException("Arrow IPC data after the end-of-stream marker");
		}
		if (end_of_stream) {
			state.finished = true;
			continue;
		}
		auto &header = *message.message;
		if (header.version() < fb::MetadataVersion::V4) {
			throw IOException("Arrow IPC metadata version V%d is too old (need V4 or V5)",
			                  static_cast<int>(header.version()) + 1);
		}
		auto type = header.header_type();
		if (type != fb::MessageHeader::Schema && !state.schema) {
			throw IOException("Arrow IPC stream does not start with a Schema message");
		}
		if (!header.header()) {
			throw IOException("Arrow IPC message of type %d has no header", static_cast<int>(type));
		}
		switch (type) {
		case fb::MessageHeader::Schema:
			state.ReadSchema(*header.header_as_Schema());
			break;
		case fb::MessageHeader::DictionaryBatch:
			state.ReadDictionary(*header.header_as_DictionaryBatch(), message, payload);
			break;
		case fb::MessageHeader::RecordBatch:
			state.ReadRecordBatch(*header.header_as_RecordBatch(), message, payload);
			break;
		default:
			throw IOException("Arrow IPC message type %d is not a Schema, DictionaryBatch or RecordBatch",
			                  static_cast<int>(type));
		}
	}
}

bool IpcStreamReader::HasSchema() const {
	return state_->schema != nullptr;
}

const vector<LogicalType> &IpcStreamReader::Types() const {
	return state_->types;
}

const vector<std::string> &IpcStreamReader::Names() const {
	return state_->names;
}

bool IpcStreamReader::Finished() const {
	return state_->finished;
}

bool IpcStreamReader::Next(DataChunk &out) {
	auto &state = *state_;
	out.Reset();
	while (!state.batches.empty()) {
		auto &batch = *state.batches.front();
		auto length = NumericCast<idx_t>(batch.chunk->arrow_array.length);
		if (batch.chunk_offset >= length) {
			state.batches.pop_front();
			continue;
		}
		Convert(batch, MinValue<idx_t>(STANDARD_VECTOR_SIZE, length - batch.chunk_offset), state.import_chunk, out);
		return true;
	}
	return false;
}

vector<shared_ptr<ArrowArrayWrapper>> IpcStreamReader::TakeRecordBatches() {
	vector<shared_ptr<ArrowArrayWrapper>> taken;
	for (auto &batch : state_->batches) {
		if (batch->chunk_offset != 0) {
			throw InternalException("IpcStreamReader::TakeRecordBatches after Next started reading a batch");
		}
		taken.push_back(std::move(batch->chunk));
	}
	state_->batches.clear();
	return taken;
}

const vector<LogicalType> &IpcStreamReader::ImportTypes() const {
	return state_->import_types;
}

void IpcStreamReader::Convert(ArrowScanLocalState &scan, idx_t count, DataChunk &import, DataChunk &out) const {
	auto &state = *state_;
	auto &columns = state.arrow_table.GetColumns();
	if (!state.any_cast) {
		out.SetCardinality(count);
		ArrowTableFunction::ArrowToDuckDB(scan, columns, out, scan.chunk_offset);
	} else {
		import.Reset();
		import.SetCardinality(count);
		ArrowTableFunction::ArrowToDuckDB(scan, columns, import, scan.chunk_offset);
		for (idx_t col = 0; col < import.ColumnCount(); col++) {
			if (state.needs_cast[col]) {
				VectorOperations::Cast(state.context, import.data[col], out.data[col], count);
			} else {
				out.data[col].Reference(import.data[col]);
			}
		}
		out.SetCardinality(count);
	}
	scan.chunk_offset += count;
}

} // namespace openduck
