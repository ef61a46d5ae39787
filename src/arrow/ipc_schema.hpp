// Translation between Arrow C data interface schemas (ArrowSchema trees) and the flatbuffer
// Schema of an Arrow IPC stream.
//
// Encoding walks the ArrowSchema DuckDB's ArrowConverter produced; decoding builds an owned
// ArrowSchema tree (IpcSchemaNode) that DuckDB's Arrow import consumes. Dictionary ids are
// assigned in pre-order of the field tree, the order the Arrow spec uses for dictionary batches.
//
// Not thread-safe; IpcSchemaNode trees are immutable after decoding and may be read concurrently.
#pragma once

#include "arrow/arrow_format_generated.h"
#include "arrow/arrow_layout.hpp"
#include "duckdb/common/arrow/arrow.hpp"

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace openduck {

namespace fb = org::apache::arrow::flatbuf;

// Custom field metadata carrying the exact DuckDB type of a top-level column.
constexpr const char *kDuckDBTypeMetadataKey = "openduck.duckdb_type";

using KeyValueList = std::vector<std::pair<std::string, std::string>>;

// The ArrowSchema::metadata encoding of the C data interface (int32 count, then int32-length
// prefixed key and value bytes). Decoding throws duckdb::IOException on a malformed blob.
std::string EncodeArrowMetadata(const KeyValueList &entries);
KeyValueList DecodeArrowMetadata(const char *metadata);

// Builds the flatbuffer Schema for the children of `root` (a struct schema: one child per
// column). `column_metadata[i]` is appended to column i's custom metadata. Fills
// `dictionary_ids` with the id assigned to every dictionary-encoded ArrowSchema node.
flatbuffers::Offset<fb::Schema> EncodeSchema(flatbuffers::FlatBufferBuilder &builder, const ArrowSchema &root,
                                             const std::vector<KeyValueList> &column_metadata,
                                             std::unordered_map<const ArrowSchema *, int64_t> &dictionary_ids);

// One node of a decoded schema; owns the strings and children its ArrowSchema points to.
struct IpcSchemaNode {
	IpcSchemaNode();
	IpcSchemaNode(const IpcSchemaNode &) = delete;
	IpcSchemaNode &operator=(const IpcSchemaNode &) = delete;

	ArrowSchema schema;
	std::string format;
	// Derived from `format` (for dictionary-encoded fields: the index layout).
	ArrowLayout layout {ArrowLayoutKind::STRUCT};
	std::string name;
	std::string metadata;
	KeyValueList custom_metadata;
	std::vector<std::unique_ptr<IpcSchemaNode>> children;
	std::vector<ArrowSchema *> child_pointers;
	// Set for dictionary-encoded fields: `format` is then the index type and `dictionary` the
	// value type (with the field's children).
	std::unique_ptr<IpcSchemaNode> dictionary;
	int64_t dictionary_id = -1;
};

// Decodes a flatbuffer Schema into a struct node with one child per column. Throws
// duckdb::IOException for types or features we cannot represent (e.g. big-endian data).
std::unique_ptr<IpcSchemaNode> DecodeSchema(const fb::Schema &schema);

} // namespace openduck
