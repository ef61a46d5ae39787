// Arrow IPC "encapsulated message" framing:
//   0xFFFFFFFF | int32 metadata size | flatbuffer Message (padded to 8) | body (8-byte padded buffers)
// and the end-of-stream marker 0xFFFFFFFF 0x00000000.
//
// IpcBodyBuilder assembles one DictionaryBatch or RecordBatch message: it collects the field
// nodes and buffers of a tree of Arrow arrays and copies every buffer exactly once into the
// framed message. IpcMessageReader splits a byte range into verified messages without copying.
//
// Not thread-safe.
#pragma once

#include "arrow/ipc_compression.hpp"
#include "arrow/ipc_schema.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace openduck {

// A dictionary-encoded array met while walking a batch: its values must be sent as a
// DictionaryBatch with `id` before the batch.
struct PendingDictionary {
	int64_t id;
	const ArrowArray *values;
	const ArrowSchema *schema;
};

class IpcBodyBuilder {
public:
	// Compresses every buffer of the message with `codec` (ipc_compression.hpp); kNone (the
	// default) copies them as they are.
	explicit IpcBodyBuilder(IpcCodec codec = IpcCodec::kNone) : codec_(codec) {
	}

	// Appends `array` (described by `schema`) and its descendants in pre-order. Dictionary-encoded
	// arrays contribute their indices; their values are appended to `dictionaries`.
	// REQUIRES: array.offset == 0 (DuckDB's ArrowAppender never produces offsets).
	void AddArray(const ArrowArray &array, const ArrowSchema &schema,
	              const std::unordered_map<const ArrowSchema *, int64_t> &dictionary_ids,
	              std::vector<PendingDictionary> &dictionaries);

	// Appends a framed RecordBatch message with `length` rows to `out` (one copy of each buffer,
	// straight into the caller's payload).
	void FinishRecordBatch(int64_t length, std::string &out);
	// A framed DictionaryBatch message (not a delta) holding a single values column.
	std::string FinishDictionaryBatch(int64_t id, int64_t length);

	// Bytes of body collected so far (before compression).
	int64_t BodyLength() const {
		return body_length_;
	}

private:
	void AddBuffer(const void *data, int64_t length);
	flatbuffers::Offset<fb::RecordBatch> BuildRecordBatch(int64_t length);
	void Frame(fb::MessageHeader header_type, flatbuffers::Offset<void> header, std::string &out);

	flatbuffers::FlatBufferBuilder builder_;
	std::vector<fb::FieldNode> nodes_;
	std::vector<fb::Buffer> buffers_;
	std::vector<const void *> sources_;
	std::vector<int64_t> variadic_counts_;
	int64_t body_length_ = 0;
	IpcCodec codec_;
	// With a codec: the whole body, compressed buffer by buffer (BuildRecordBatch).
	std::string compressed_body_;
};

// A flatbuffer Schema message (no body).
std::string FrameSchemaMessage(flatbuffers::FlatBufferBuilder &builder, flatbuffers::Offset<fb::Schema> schema);

// The 8-byte end-of-stream marker.
std::string EndOfStreamMarker();

// One message inside a byte range; `message` and `body` point into that range.
struct IpcMessage {
	const fb::Message *message = nullptr;
	const uint8_t *body = nullptr;
	int64_t body_length = 0;
};

class IpcMessageReader {
public:
	IpcMessageReader(const char *data, size_t size) : data_(data), size_(size) {
	}
	// Reads the next message. Returns false when the range is exhausted. Sets `end_of_stream`
	// (and returns true) at the end-of-stream marker. Throws duckdb::IOException for truncated
	// or malformed framing, metadata that fails flatbuffer verification, or a body past the end.
	bool Next(IpcMessage &out, bool &end_of_stream);

private:
	const char *data_;
	size_t size_;
	size_t position_ = 0;
};

} // namespace openduck
