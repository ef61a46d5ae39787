#include "arrow/ipc_stream_writer.hpp"

#include "arrow/ipc_message.hpp"
#include "arrow/ipc_schema.hpp"
#include "duckdb/common/arrow/arrow_appender.hpp"
#include "duckdb/common/arrow/arrow_converter.hpp"
#include "duckdb/common/arrow/arrow_wrapper.hpp"
#include "duckdb/function/table/arrow/arrow_duck_schema.hpp"

#include <unordered_map>

namespace openduck {

using namespace duckdb;

struct IpcStreamWriter::State {
	vector<LogicalType> types;
	ClientProperties options;
	unordered_map<idx_t, const shared_ptr<ArrowTypeExtensionData>> extension_types;
	// DuckDB's ArrowSchema for the result; the record batch walk reads formats from it and the
	// dictionary ids are keyed by its nodes, so it lives as long as the writer.
	ArrowSchemaWrapper schema;
	std::unordered_map<const ArrowSchema *, int64_t> dictionary_ids;
	std::string schema_message;

	unique_ptr<ArrowAppender> appender;
	idx_t buffered_rows = 0;
	idx_t buffered_bytes = 0;
	// The last DictionaryBatch sent per id: unchanged dictionaries (every ENUM) are sent once.
	std::unordered_map<int64_t, std::string> sent_dictionaries;
};

static bool IsBool8(const char *metadata) {
	for (auto &entry : DecodeArrowMetadata(metadata)) {
		if (entry.first == "ARROW:extension:name" && entry.second == "arrow.bool8") {
			return true;
		}
	}
	return false;
}

// DuckDB 1.4.4 in lossless mode declares every BOOLEAN as arrow.bool8 (one byte per value) but
// only converts top-level columns that way: booleans nested in LIST/STRUCT/MAP are appended
// bit-packed. Declare those as plain Arrow booleans ("b"), which is what the data is.
static void DeclareNestedBooleansPlain(ArrowSchema &schema, bool top_level) {
	if (!top_level && std::string(schema.format) == "c" && IsBool8(schema.metadata)) {
		schema.format = "b";
		schema.metadata = nullptr;
	}
	for (int64_t i = 0; i < schema.n_children; i++) {
		DeclareNestedBooleansPlain(*schema.children[i], false);
	}
	if (schema.dictionary) {
		DeclareNestedBooleansPlain(*schema.dictionary, false);
	}
}

IpcStreamWriter::IpcStreamWriter(const vector<LogicalType> &types, const vector<std::string> &names,
                                 ClientProperties options)
    : state_(make_uniq<State>()) {
	auto &state = *state_;
	if (!options.client_context) {
		throw InternalException("IpcStreamWriter needs ClientProperties with a client context");
	}
	state.types = types;
	state.options = options;
	state.extension_types = ArrowTypeExtensionData::GetExtensionTypes(*options.client_context, types);
	ArrowConverter::ToArrowSchema(&state.schema.arrow_schema, types, names, state.options);
	for (int64_t i = 0; i < state.schema.arrow_schema.n_children; i++) {
		DeclareNestedBooleansPlain(*state.schema.arrow_schema.children[i], true);
	}

	std::vector<KeyValueList> column_metadata;
	for (auto &type : types) {
		column_metadata.push_back({{kDuckDBTypeMetadataKey, type.ToString()}});
	}
	flatbuffers::FlatBufferBuilder builder;
	auto schema = EncodeSchema(builder, state.schema.arrow_schema, column_metadata, state.dictionary_ids);
	state.schema_message = FrameSchemaMessage(builder, schema);
}

IpcStreamWriter::~IpcStreamWriter() = default;

std::string IpcStreamWriter::SchemaMessage() const {
	return state_->schema_message;
}

void IpcStreamWriter::Append(DataChunk &chunk) {
	auto &state = *state_;
	if (chunk.size() == 0) {
		return;
	}
	if (!state.appender) {
		state.appender =
		    make_uniq<ArrowAppender>(state.types, STANDARD_VECTOR_SIZE, state.options, state.extension_types);
	}
	// DuckDB 1.4.4's extension casts (e.g. BOOLEAN -> arrow.bool8 in lossless mode) copy the
	// validity of non-flat vectors without applying their selection, losing NULLs; flattening
	// those columns first keeps them exact.
	for (auto &entry : state.extension_types) {
		chunk.data[entry.first].Flatten(chunk.size());
	}
	state.appender->Append(chunk, 0, chunk.size(), chunk.size());
	state.buffered_rows += chunk.size();
	state.buffered_bytes += chunk.GetAllocationSize();
}

idx_t IpcStreamWriter::BufferedRows() const {
	return state_->buffered_rows;
}

idx_t IpcStreamWriter::BufferedBytes() const {
	return state_->buffered_bytes;
}

std::string IpcStreamWriter::FlushBatch() {
	auto &state = *state_;
	if (state.buffered_rows == 0) {
		return std::string();
	}
	ArrowArrayWrapper batch;
	batch.arrow_array = state.appender->Finalize();
	state.appender.reset();
	state.buffered_rows = 0;
	state.buffered_bytes = 0;

	auto &root = batch.arrow_array;
	auto &root_schema = state.schema.arrow_schema;
	IpcBodyBuilder record_batch;
	std::vector<PendingDictionary> dictionaries;
	for (int64_t col = 0; col < root.n_children; col++) {
		record_batch.AddArray(*root.children[col], *root_schema.children[col], state.dictionary_ids, dictionaries);
	}
	std::string out;
	// Dictionary values may themselves be dictionary-encoded; those are appended while iterating.
	for (size_t i = 0; i < dictionaries.size(); i++) {
		auto dictionary = dictionaries[i];
		IpcBodyBuilder body;
		body.AddArray(*dictionary.values, *dictionary.schema, state.dictionary_ids, dictionaries);
		auto message = body.FinishDictionaryBatch(dictionary.id, dictionary.values->length);
		auto &sent = state.sent_dictionaries[dictionary.id];
		if (sent != message) {
			out += message;
			sent = std::move(message);
		}
	}
	if (out.empty()) {
		return record_batch.FinishRecordBatch(root.length);
	}
	out += record_batch.FinishRecordBatch(root.length);
	return out;
}

std::string IpcStreamWriter::EndOfStream() {
	return EndOfStreamMarker();
}

} // namespace openduck
