#include "arrow/ipc_stream_writer.hpp"

#include "arrow/type_text.hpp"

#include "arrow/direct_column.hpp"
#include "arrow/ipc_message.hpp"
#include "arrow/ipc_schema.hpp"
#include "duckdb/common/arrow/arrow_appender.hpp"
#include "duckdb/common/arrow/arrow_converter.hpp"
#include "duckdb/common/arrow/arrow_wrapper.hpp"
#include "duckdb/common/type_visitor.hpp"
#include "duckdb/common/vector_operations/vector_operations.hpp"
#include "duckdb/function/table/arrow/arrow_duck_schema.hpp"
#include "duckdb/main/client_context.hpp"

#include <unordered_map>

namespace openduck {

using namespace duckdb;

struct IpcStreamWriter::State {
	ClientProperties options;
	// The types columns travel as (WireType); the columns sent as another type than their own,
	// with the vectors they are cast into.
	vector<LogicalType> wire_types;
	vector<idx_t> cast_columns;
	vector<LogicalType> cast_types;
	DataChunk cast_chunk;
	// Per column: its DirectColumn, or nullptr when ArrowAppender converts it.
	vector<unique_ptr<DirectColumn>> direct;
	// The columns ArrowAppender converts, their types, and their extension casts (keyed by
	// position among these columns).
	vector<idx_t> appended_columns;
	vector<LogicalType> appended_types;
	unordered_map<idx_t, const shared_ptr<ArrowTypeExtensionData>> extension_types;
	DataChunk appended_chunk;
	// DuckDB's ArrowSchema for the result; the record batch walk reads formats from it and the
	// dictionary ids are keyed by its nodes, so it lives as long as the writer.
	ArrowSchemaWrapper schema;
	std::unordered_map<const ArrowSchema *, int64_t> dictionary_ids;
	std::string schema_message;

	unique_ptr<ArrowAppender> appender;
	IpcCodec codec = IpcCodec::kNone;
	idx_t buffered_rows = 0;
	// RowBytes estimate of the buffered rows (string and list bytes included).
	idx_t buffered_bytes = 0;
	// Rows of the previous batch: the next appender starts with that capacity, so its buffers
	// are not regrown (and copied) several times per batch.
	idx_t last_batch_rows = 0;
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

// The type a column travels as. DuckDB 1.4.4 appends BIT and BIGNUM in the string-view layout
// from Arrow format 1.4 on, but declares them with the plain binary format "z", so the bytes
// do not match their schema (readers go out of bounds). They travel as VARCHAR instead, which
// both cast to and from exactly; the field's openduck.duckdb_type names the real type.
static LogicalType WireType(const LogicalType &type) {
	return TypeVisitor::VisitReplace(type, [](const LogicalType &inner) {
		return inner.id() == LogicalTypeId::BIT || inner.id() == LogicalTypeId::BIGNUM ? LogicalType::VARCHAR : inner;
	});
}

IpcStreamWriter::IpcStreamWriter(const vector<LogicalType> &exact_types, const vector<std::string> &names,
                                 ClientProperties options)
    : state_(make_uniq<State>()) {
	auto &state = *state_;
	if (!options.client_context) {
		throw InternalException("IpcStreamWriter needs ClientProperties with a client context");
	}
	state.options = options;
	auto &context = *options.client_context;
	vector<LogicalType> types;
	for (idx_t i = 0; i < exact_types.size(); i++) {
		types.push_back(WireType(exact_types[i]));
		if (types.back() != exact_types[i]) {
			state.cast_columns.push_back(i);
			state.cast_types.push_back(types.back());
		}
	}
	state.wire_types = types;
	state.cast_chunk.Initialize(context, state.cast_types);
	ArrowConverter::ToArrowSchema(&state.schema.arrow_schema, types, names, state.options);
	auto all_extension_types = ArrowTypeExtensionData::GetExtensionTypes(context, types);
	for (idx_t i = 0; i < types.size(); i++) {
		auto &child = *state.schema.arrow_schema.children[i];
		DeclareNestedBooleansPlain(child, true);
		if (!all_extension_types.count(i) && !child.dictionary && DirectColumn::Supports(types[i], child.format)) {
			state.direct.push_back(make_uniq<DirectColumn>(types[i]));
		} else {
			state.direct.push_back(nullptr);
			state.appended_columns.push_back(i);
			state.appended_types.push_back(types[i]);
		}
	}
	state.extension_types = ArrowTypeExtensionData::GetExtensionTypes(context, state.appended_types);
	state.appended_chunk.InitializeEmpty(state.appended_types);

	std::vector<KeyValueList> column_metadata;
	for (auto &type : exact_types) {
		// A type whose text does not parse back (an unnamed STRUCT) travels without its exact
		// type; readers take the Arrow type, which keeps its fields.
		auto text = ExactTypeText(type);
		column_metadata.push_back(text.empty() ? KeyValueList {} : KeyValueList {{kDuckDBTypeMetadataKey, text}});
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
	AppendRows(chunk);
	state_->buffered_bytes += RowBytes(chunk).Bytes(0, chunk.size());
}

idx_t IpcStreamWriter::AppendWithin(DataChunk &chunk, const RowBytes &sizes, idx_t offset, idx_t max_rows,
                                    idx_t max_bytes) {
	auto &state = *state_;
	auto room = state.buffered_rows < max_rows ? max_rows - state.buffered_rows : 0;
	auto available = MinValue<idx_t>(chunk.size() - offset, room);
	if (available == 0) {
		return 0;
	}
	idx_t bytes = 0;
	auto rows = sizes.RowsToAppend(offset, available, state.buffered_rows, state.buffered_bytes, max_bytes, bytes);
	if (rows == 0) {
		return 0;
	}
	if (offset == 0 && rows == chunk.size()) {
		AppendRows(chunk);
	} else {
		DataChunk part;
		part.InitializeEmpty(chunk.GetTypes());
		part.Reference(chunk);
		part.Slice(offset, rows);
		AppendRows(part);
	}
	state.buffered_bytes += bytes;
	return rows;
}

void IpcStreamWriter::AppendRows(DataChunk &exact_chunk) {
	auto &state = *state_;
	if (exact_chunk.size() == 0) {
		return;
	}
	DataChunk wire_chunk;
	auto &chunk = state.cast_columns.empty() ? exact_chunk : wire_chunk;
	if (!state.cast_columns.empty()) {
		wire_chunk.InitializeEmpty(state.wire_types);
		state.cast_chunk.Reset();
		for (idx_t column = 0, cast = 0; column < exact_chunk.ColumnCount(); column++) {
			if (cast < state.cast_columns.size() && state.cast_columns[cast] == column) {
				VectorOperations::Cast(*state.options.client_context, exact_chunk.data[column],
				                       state.cast_chunk.data[cast], exact_chunk.size());
				wire_chunk.data[column].Reference(state.cast_chunk.data[cast++]);
			} else {
				wire_chunk.data[column].Reference(exact_chunk.data[column]);
			}
		}
		wire_chunk.SetCardinality(exact_chunk.size());
	}
	for (idx_t i = 0; i < chunk.ColumnCount(); i++) {
		if (state.direct[i]) {
			state.direct[i]->Append(chunk.data[i], chunk.size());
		}
	}
	if (!state.appended_columns.empty()) {
		if (!state.appender) {
			auto capacity = MaxValue<idx_t>(STANDARD_VECTOR_SIZE, state.last_batch_rows);
			state.appender =
			    make_uniq<ArrowAppender>(state.appended_types, capacity, state.options, state.extension_types);
		}
		auto &appended = state.appended_chunk;
		for (idx_t i = 0; i < state.appended_columns.size(); i++) {
			appended.data[i].Reference(chunk.data[state.appended_columns[i]]);
		}
		appended.SetCardinality(chunk.size());
		// DuckDB 1.4.4's extension casts (e.g. BOOLEAN -> arrow.bool8 in lossless mode) copy the
		// validity of non-flat vectors without applying their selection, losing NULLs; flattening
		// those columns first keeps them exact.
		for (auto &entry : state.extension_types) {
			appended.data[entry.first].Flatten(chunk.size());
		}
		state.appender->Append(appended, 0, appended.size(), appended.size());
	}
	state.buffered_rows += chunk.size();
}

idx_t IpcStreamWriter::BufferedRows() const {
	return state_->buffered_rows;
}

idx_t IpcStreamWriter::BufferedBytes() const {
	return state_->buffered_bytes;
}

std::string IpcStreamWriter::FlushBatch() {
	std::string out;
	FlushBatchTo(out);
	return out;
}

void IpcStreamWriter::FlushBatchTo(std::string &out) {
	auto &state = *state_;
	if (state.buffered_rows == 0) {
		return;
	}
	ArrowArrayWrapper appended;
	if (state.appender) {
		appended.arrow_array = state.appender->Finalize();
		state.appender.reset();
	}
	auto rows = state.buffered_rows;
	state.last_batch_rows = rows;
	state.buffered_rows = 0;
	state.buffered_bytes = 0;

	auto &root_schema = state.schema.arrow_schema;
	IpcBodyBuilder record_batch(state.codec);
	std::vector<PendingDictionary> dictionaries;
	idx_t next_appended = 0;
	for (idx_t col = 0; col < state.direct.size(); col++) {
		auto &direct = state.direct[col];
		auto &array = direct ? direct->Finish() : *appended.arrow_array.children[next_appended++];
		record_batch.AddArray(array, *root_schema.children[col], state.dictionary_ids, dictionaries);
	}
	// Dictionary values may themselves be dictionary-encoded; those are appended while iterating.
	for (size_t i = 0; i < dictionaries.size(); i++) {
		auto dictionary = dictionaries[i];
		IpcBodyBuilder body(state.codec);
		body.AddArray(*dictionary.values, *dictionary.schema, state.dictionary_ids, dictionaries);
		auto message = body.FinishDictionaryBatch(dictionary.id, dictionary.values->length);
		auto &sent = state.sent_dictionaries[dictionary.id];
		if (sent != message) {
			out += message;
			sent = std::move(message);
		}
	}
	record_batch.FinishRecordBatch(static_cast<int64_t>(rows), out);
	for (auto &direct : state.direct) {
		if (direct) {
			direct->Reset();
		}
	}
}

void IpcStreamWriter::SetCompression(IpcCodec codec) {
	state_->codec = codec;
}

ClientProperties IpcStreamWriter::WireProperties(ClientContext &context) {
	auto properties = context.GetClientProperties();
	properties.arrow_lossless_conversion = true;
	properties.arrow_output_version = ArrowFormatVersion::V1_5;
	return properties;
}

std::string IpcStreamWriter::EndOfStream() {
	return EndOfStreamMarker();
}

} // namespace openduck
