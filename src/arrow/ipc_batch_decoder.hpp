// Turns the buffers of one RecordBatch (or the values of one DictionaryBatch) into a tree of
// Arrow C data interface arrays that point into the received message body — no copy, except
// for buffers that are not 8-byte aligned in memory, which are copied once so DuckDB's import
// can read them with aligned loads.
//
// Every field node and buffer is bounds-checked against the body and against what the field's
// layout needs (offsets monotonic and inside their data, dictionary indices inside the
// dictionary, ...), so a malformed or hostile message raises duckdb::IOException instead of
// making DuckDB read out of bounds.
//
// An IpcArrayHolder owns the arrays of one batch plus a reference to the payload bytes and to
// the dictionaries it uses; the root ArrowArray's release callback deletes it, which is how
// DuckDB vectors that reference the data keep it alive.
//
// Not thread-safe.
#pragma once

#include "arrow/ipc_compression.hpp"

#include "arrow/ipc_message.hpp"
#include "arrow/ipc_schema.hpp"

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace openduck {

struct IpcArrayHolder {
	// The payload (one Feed() call) whose bytes the buffers point into.
	std::shared_ptr<const std::string> payload;
	std::vector<std::unique_ptr<ArrowArray>> arrays;
	std::vector<std::unique_ptr<std::vector<const void *>>> buffer_lists;
	std::vector<std::unique_ptr<std::vector<ArrowArray *>>> child_lists;
	// Copies of misaligned buffers and buffers the C interface needs but IPC lacks.
	std::vector<std::unique_ptr<uint64_t[]>> owned_memory;
	// Dictionaries referenced by arrays of this holder.
	std::vector<std::shared_ptr<IpcArrayHolder>> dictionaries;
	// For a dictionary holder: the values array (owned by `arrays`).
	ArrowArray *values = nullptr;
};

using IpcDictionaryMap = std::unordered_map<int64_t, std::shared_ptr<IpcArrayHolder>>;

class IpcBatchDecoder {
public:
	IpcBatchDecoder(const fb::RecordBatch &batch, const IpcMessage &message, IpcArrayHolder &holder,
	                const IpcDictionaryMap &dictionaries);

	// Decodes the next field (in pre-order) described by `node`.
	ArrowArray *DecodeField(const IpcSchemaNode &node);
	// Throws unless every field node and buffer of the batch was consumed.
	void CheckFullyConsumed() const;

private:
	fb::FieldNode NextNode(const IpcSchemaNode &node);
	// The next buffer; `min_length` is what the layout needs. Zero-length buffers yield nullptr.
	const void *NextBuffer(const IpcSchemaNode &node, int64_t min_length, int64_t *actual_length = nullptr);
	const void *ValidityBuffer(const IpcSchemaNode &node, int64_t length, int64_t null_count);
	template <class OFFSET>
	const void *OffsetsBuffer(const IpcSchemaNode &node, int64_t length, int64_t limit, const char *what);

	const fb::RecordBatch &batch_;
	const IpcMessage &message_;
	IpcArrayHolder &holder_;
	const IpcDictionaryMap &dictionaries_;
	flatbuffers::uoffset_t next_node_ = 0;
	flatbuffers::uoffset_t next_buffer_ = 0;
	flatbuffers::uoffset_t next_variadic_ = 0;
	// The batch's body compression, kNone when its buffers are stored as they are.
	IpcCodec codec_ = IpcCodec::kNone;
};

// Builds the struct ArrowArray of a record batch whose children are the top-level columns, taking
// ownership of `holder`.
ArrowArray MakeBatchArray(std::unique_ptr<IpcArrayHolder> holder, int64_t length, std::vector<ArrowArray *> columns);

// A dictionary whose values are `old_values` followed by `delta` (flat value layouts only).
std::shared_ptr<IpcArrayHolder> ConcatenateDictionaries(const IpcSchemaNode &values_node,
                                                        const std::shared_ptr<IpcArrayHolder> &old_values,
                                                        const std::shared_ptr<IpcArrayHolder> &delta);

} // namespace openduck
