#include "arrow/ipc_message.hpp"
#include "arrow/ipc_limits.hpp"

#include "arrow/arrow_layout.hpp"
#include "duckdb/common/exception.hpp"

#include <cstring>

namespace openduck {

using duckdb::IOException;

static constexpr uint32_t kContinuation = 0xFFFFFFFFu;
static const char kZeros[8] = {0, 0, 0, 0, 0, 0, 0, 0};

static int64_t PaddedTo8(int64_t length) {
	return (length + 7) & ~int64_t(7);
}

static void AppendUint32(std::string &out, uint32_t value) {
	out.append(reinterpret_cast<const char *>(&value), sizeof(value));
}

//===--------------------------------------------------------------------===//
// Writing
//===--------------------------------------------------------------------===//
void IpcBodyBuilder::AddBuffer(const void *data, int64_t length) {
	if (!data) {
		length = 0;
	}
	buffers_.emplace_back(body_length_, length);
	sources_.push_back(data);
	body_length_ += PaddedTo8(length);
}

template <class OFFSET>
static int64_t LastOffset(const ArrowArray &array, int64_t length) {
	return length == 0 ? 0 : static_cast<const OFFSET *>(array.buffers[1])[length];
}

void IpcBodyBuilder::AddArray(const ArrowArray &array, const ArrowSchema &schema,
                              const std::unordered_map<const ArrowSchema *, int64_t> &dictionary_ids,
                              std::vector<PendingDictionary> &dictionaries) {
	if (array.offset != 0) {
		throw duckdb::InternalException("IPC writer got an Arrow array with offset %lld", (long long)array.offset);
	}
	const auto layout = ArrowLayout::FromFormat(schema.format);
	const int64_t length = array.length;
	auto null_count = layout.kind == ArrowLayoutKind::NULL_TYPE ? length : array.null_count;
	nodes_.emplace_back(length, null_count);
	if (layout.HasValidity()) {
		// Arrow allows omitting the bitmap when there are no nulls; it saves a buffer per column.
		bool has_nulls = array.null_count != 0 && array.buffers[0];
		AddBuffer(has_nulls ? array.buffers[0] : nullptr, has_nulls ? (length + 7) / 8 : 0);
	}
	// An empty offsets buffer still holds one zero entry; DuckDB may not have allocated it.
	auto add_offsets = [&](int64_t width) {
		AddBuffer(length == 0 ? kZeros : array.buffers[1], (length + 1) * width);
	};
	switch (layout.kind) {
	case ArrowLayoutKind::NULL_TYPE:
	case ArrowLayoutKind::STRUCT:
	case ArrowLayoutKind::FIXED_LIST:
	case ArrowLayoutKind::RUN_END_ENCODED:
		break;
	case ArrowLayoutKind::BOOLEAN:
		AddBuffer(array.buffers[1], (length + 7) / 8);
		break;
	case ArrowLayoutKind::FIXED_WIDTH:
		AddBuffer(array.buffers[1], length * layout.width);
		break;
	case ArrowLayoutKind::BINARY:
		add_offsets(4);
		AddBuffer(array.buffers[2], LastOffset<int32_t>(array, length));
		break;
	case ArrowLayoutKind::LARGE_BINARY:
		add_offsets(8);
		AddBuffer(array.buffers[2], LastOffset<int64_t>(array, length));
		break;
	case ArrowLayoutKind::BINARY_VIEW: {
		AddBuffer(array.buffers[1], length * 16);
		// C layout: validity, views, data buffers..., int64 sizes of the data buffers.
		auto variadic = array.n_buffers - 3;
		auto sizes = static_cast<const int64_t *>(array.buffers[array.n_buffers - 1]);
		for (int64_t i = 0; i < variadic; i++) {
			AddBuffer(array.buffers[2 + i], sizes[i]);
		}
		variadic_counts_.push_back(variadic);
		break;
	}
	case ArrowLayoutKind::LIST:
		add_offsets(4);
		break;
	case ArrowLayoutKind::LARGE_LIST:
		add_offsets(8);
		break;
	case ArrowLayoutKind::LIST_VIEW:
		AddBuffer(array.buffers[1], length * 4);
		AddBuffer(array.buffers[2], length * 4);
		break;
	case ArrowLayoutKind::LARGE_LIST_VIEW:
		AddBuffer(array.buffers[1], length * 8);
		AddBuffer(array.buffers[2], length * 8);
		break;
	case ArrowLayoutKind::SPARSE_UNION:
		AddBuffer(array.buffers[0], length);
		break;
	case ArrowLayoutKind::DENSE_UNION:
		AddBuffer(array.buffers[0], length);
		AddBuffer(array.buffers[1], length * 4);
		break;
	}
	if (schema.dictionary) {
		auto entry = dictionary_ids.find(&schema);
		if (entry == dictionary_ids.end() || !array.dictionary) {
			throw duckdb::InternalException("IPC writer: dictionary-encoded column without dictionary values");
		}
		dictionaries.push_back(PendingDictionary {entry->second, array.dictionary, schema.dictionary});
		return;
	}
	for (int64_t i = 0; i < array.n_children; i++) {
		AddArray(*array.children[i], *schema.children[i], dictionary_ids, dictionaries);
	}
}

flatbuffers::Offset<fb::RecordBatch> IpcBodyBuilder::BuildRecordBatch(int64_t length) {
	flatbuffers::Offset<fb::BodyCompression> compression = 0;
	if (codec_ != IpcCodec::kNone) {
		// Each buffer becomes its own compressed buffer (length prefix + frame) at an 8-byte
		// aligned offset; empty buffers stay empty, as Arrow's writers leave them.
		compressed_body_.clear();
		compressed_body_.reserve(body_length_ / 2);
		for (size_t i = 0; i < buffers_.size(); i++) {
			auto raw_length = buffers_[i].length();
			auto offset = static_cast<int64_t>(compressed_body_.size());
			if (raw_length > 0) {
				AppendCompressedBuffer(codec_, sources_[i], raw_length, compressed_body_);
			}
			auto written = static_cast<int64_t>(compressed_body_.size()) - offset;
			compressed_body_.append(kZeros, PaddedTo8(written) - written);
			buffers_[i] = fb::Buffer(offset, written);
		}
		body_length_ = static_cast<int64_t>(compressed_body_.size());
		compression = fb::CreateBodyCompression(builder_, codec_ == IpcCodec::kZstd ? fb::CompressionType::ZSTD
		                                                                           : fb::CompressionType::LZ4_FRAME);
	}
	auto nodes = builder_.CreateVectorOfStructs(nodes_);
	auto buffers = builder_.CreateVectorOfStructs(buffers_);
	auto variadic = variadic_counts_.empty() ? 0 : builder_.CreateVector(variadic_counts_);
	return fb::CreateRecordBatch(builder_, length, nodes, buffers, compression, variadic);
}

void IpcBodyBuilder::Frame(fb::MessageHeader header_type, flatbuffers::Offset<void> header, std::string &out) {
	auto message = fb::CreateMessage(builder_, fb::MetadataVersion::V5, header_type, header, body_length_);
	builder_.Finish(message);
	auto metadata_size = static_cast<int64_t>(builder_.GetSize());
	// The metadata size field counts the padding that puts the body on an 8-byte boundary.
	auto padded_metadata = PaddedTo8(8 + metadata_size) - 8;

	out.reserve(out.size() + 8 + padded_metadata + body_length_);
	AppendUint32(out, kContinuation);
	AppendUint32(out, static_cast<uint32_t>(padded_metadata));
	out.append(reinterpret_cast<const char *>(builder_.GetBufferPointer()), metadata_size);
	out.append(kZeros, padded_metadata - metadata_size);
	if (codec_ != IpcCodec::kNone) {
		out.append(compressed_body_);
		return;
	}
	for (size_t i = 0; i < buffers_.size(); i++) {
		auto length = buffers_[i].length();
		if (length > 0) {
			out.append(static_cast<const char *>(sources_[i]), length);
		}
		out.append(kZeros, PaddedTo8(length) - length);
	}
}

void IpcBodyBuilder::FinishRecordBatch(int64_t length, std::string &out) {
	auto batch = BuildRecordBatch(length);
	Frame(fb::MessageHeader::RecordBatch, batch.Union(), out);
}

std::string IpcBodyBuilder::FinishDictionaryBatch(int64_t id, int64_t length) {
	auto batch = BuildRecordBatch(length);
	auto dictionary = fb::CreateDictionaryBatch(builder_, id, batch, false);
	std::string out;
	Frame(fb::MessageHeader::DictionaryBatch, dictionary.Union(), out);
	return out;
}

std::string FrameSchemaMessage(flatbuffers::FlatBufferBuilder &builder, flatbuffers::Offset<fb::Schema> schema) {
	auto message = fb::CreateMessage(builder, fb::MetadataVersion::V5, fb::MessageHeader::Schema, schema.Union(), 0);
	builder.Finish(message);
	auto metadata_size = static_cast<int64_t>(builder.GetSize());
	auto padded_metadata = PaddedTo8(8 + metadata_size) - 8;
	std::string out;
	out.reserve(8 + padded_metadata);
	AppendUint32(out, kContinuation);
	AppendUint32(out, static_cast<uint32_t>(padded_metadata));
	out.append(reinterpret_cast<const char *>(builder.GetBufferPointer()), metadata_size);
	out.append(kZeros, padded_metadata - metadata_size);
	return out;
}

std::string EndOfStreamMarker() {
	std::string out;
	AppendUint32(out, kContinuation);
	AppendUint32(out, 0);
	return out;
}

//===--------------------------------------------------------------------===//
// Reading
//===--------------------------------------------------------------------===//
bool IpcMessageReader::Next(IpcMessage &out, bool &end_of_stream) {
	end_of_stream = false;
	if (position_ == size_) {
		return false;
	}
	auto remaining = size_ - position_;
	if (remaining < 8) {
		throw IOException("truncated Arrow IPC message: %llu bytes left at offset %llu, need at least 8",
		                  (unsigned long long)remaining, (unsigned long long)position_);
	}
	uint32_t continuation;
	int32_t metadata_size;
	std::memcpy(&continuation, data_ + position_, 4);
	std::memcpy(&metadata_size, data_ + position_ + 4, 4);
	if (continuation != kContinuation) {
		throw IOException("bad Arrow IPC continuation marker 0x%08x at offset %llu (expected 0xFFFFFFFF)",
		                  continuation, (unsigned long long)position_);
	}
	position_ += 8;
	if (metadata_size == 0) {
		end_of_stream = true;
		return true;
	}
	if (metadata_size < 0 || static_cast<uint64_t>(metadata_size) > size_ - position_) {
		throw IOException("Arrow IPC message metadata of %d bytes at offset %llu runs past the end (%llu bytes left)",
		                  metadata_size, (unsigned long long)position_, (unsigned long long)(size_ - position_));
	}
	auto metadata = reinterpret_cast<const uint8_t *>(data_ + position_);
	// Each nesting level of a schema is two flatbuffer levels (a Field and its children vector).
	flatbuffers::Verifier verifier(metadata, static_cast<size_t>(metadata_size), 2 * kMaxIpcNestingDepth + 16);
	if (!fb::VerifyMessageBuffer(verifier)) {
		throw IOException("Arrow IPC message metadata at offset %llu is not a valid flatbuffer Message",
		                  (unsigned long long)position_);
	}
	position_ += metadata_size;
	auto message = fb::GetMessage(metadata);
	auto body_length = message->bodyLength();
	if (body_length < 0 || static_cast<uint64_t>(body_length) > size_ - position_) {
		throw IOException("Arrow IPC message body of %lld bytes at offset %llu runs past the end (%llu bytes left)",
		                  (long long)body_length, (unsigned long long)position_,
		                  (unsigned long long)(size_ - position_));
	}
	out.message = message;
	out.body = reinterpret_cast<const uint8_t *>(data_ + position_);
	out.body_length = body_length;
	position_ += body_length;
	return true;
}

} // namespace openduck
