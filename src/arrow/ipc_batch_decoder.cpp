#include "arrow/ipc_batch_decoder.hpp"

#include "arrow/ipc_limits.hpp"

#include "duckdb/common/exception.hpp"

#include <cstring>

namespace openduck {

using duckdb::IOException;

// Stands in for zero-length buffers so DuckDB never sees a null data pointer (an empty offsets
// buffer reads as a single 0 offset).
alignas(16) static const uint8_t kEmptyBuffer[16] = {};

static void ReleaseChild(ArrowArray *array) {
	// Children and dictionaries are owned by the IpcArrayHolder of the batch root.
	array->release = nullptr;
}

static void ReleaseBatch(ArrowArray *array) {
	delete static_cast<IpcArrayHolder *>(array->private_data);
	array->private_data = nullptr;
	array->release = nullptr;
}

static void *Allocate(IpcArrayHolder &holder, int64_t bytes) {
	auto words = static_cast<size_t>((bytes + 7) / 8 + 1);
	holder.owned_memory.emplace_back(new uint64_t[words]());
	return holder.owned_memory.back().get();
}

static ArrowArray *NewArray(IpcArrayHolder &holder, int64_t length, int64_t null_count,
                            std::vector<const void *> buffers, std::vector<ArrowArray *> children) {
	holder.arrays.push_back(std::make_unique<ArrowArray>());
	auto array = holder.arrays.back().get();
	std::memset(array, 0, sizeof(*array));
	holder.buffer_lists.push_back(std::make_unique<std::vector<const void *>>(std::move(buffers)));
	holder.child_lists.push_back(std::make_unique<std::vector<ArrowArray *>>(std::move(children)));
	auto &buffer_list = *holder.buffer_lists.back();
	auto &child_list = *holder.child_lists.back();
	array->length = length;
	array->null_count = null_count;
	array->n_buffers = static_cast<int64_t>(buffer_list.size());
	array->buffers = buffer_list.empty() ? nullptr : buffer_list.data();
	array->n_children = static_cast<int64_t>(child_list.size());
	array->children = child_list.empty() ? nullptr : child_list.data();
	array->release = ReleaseChild;
	return array;
}

static std::string FieldName(const IpcSchemaNode &node) {
	return node.name.empty() ? "<unnamed>" : node.name;
}

// count * width, refusing products that overflow (hostile lengths would wrap the bounds checks).
static int64_t Product(const IpcSchemaNode &node, int64_t count, int64_t width) {
	int64_t result;
	if (__builtin_mul_overflow(count, width, &result)) {
		throw IOException("Arrow IPC field \"%s\" has an impossible length %lld", FieldName(node), (long long)count);
	}
	return result;
}

static bool IsValid(const void *validity, int64_t row) {
	return !validity || (static_cast<const uint8_t *>(validity)[row >> 3] >> (row & 7)) & 1;
}

IpcBatchDecoder::IpcBatchDecoder(const fb::RecordBatch &batch, const IpcMessage &message, IpcArrayHolder &holder,
                                 const IpcDictionaryMap &dictionaries)
    : batch_(batch), message_(message), holder_(holder), dictionaries_(dictionaries) {
	if (auto compression = batch.compression()) {
		if (compression->method() != fb::BodyCompressionMethod::BUFFER) {
			throw IOException("Arrow IPC body compression method %d is not supported (only BUFFER)",
			                  static_cast<int>(compression->method()));
		}
		switch (compression->codec()) {
		case fb::CompressionType::LZ4_FRAME:
			codec_ = IpcCodec::kLz4Frame;
			break;
		case fb::CompressionType::ZSTD:
			codec_ = IpcCodec::kZstd;
			break;
		default:
			throw IOException("Arrow IPC body compression codec %d is not supported (LZ4_FRAME, ZSTD)",
			                  static_cast<int>(compression->codec()));
		}
	}
}

// Element `index` of a flatbuffer vector of structs, copied out: the verifier checks the
// vector's 4-byte length prefix, not that a hostile message places its 8-byte structs at
// 8-byte boundaries, and reading one in place would then be a misaligned access.
template <class STRUCT>
static STRUCT StructAt(const flatbuffers::Vector<const STRUCT *> &vector, uint32_t index) {
	STRUCT copy;
	std::memcpy(&copy, vector.Data() + size_t(index) * sizeof(STRUCT), sizeof(STRUCT));
	return copy;
}

fb::FieldNode IpcBatchDecoder::NextNode(const IpcSchemaNode &node) {
	if (!batch_.nodes() || next_node_ >= batch_.nodes()->size()) {
		throw IOException("Arrow IPC batch has no field node for field \"%s\"", FieldName(node));
	}
	auto field_node = StructAt(*batch_.nodes(), next_node_++);
	if (field_node.length() < 0 || field_node.length() > (INT64_MAX >> 8) || field_node.null_count() < 0 ||
	    field_node.null_count() > field_node.length()) {
		throw IOException("Arrow IPC field \"%s\" has invalid length %lld / null count %lld", FieldName(node),
		                  (long long)field_node.length(), (long long)field_node.null_count());
	}
	return field_node;
}

const void *IpcBatchDecoder::NextBuffer(const IpcSchemaNode &node, int64_t min_length, int64_t *actual_length) {
	if (!batch_.buffers() || next_buffer_ >= batch_.buffers()->size()) {
		throw IOException("Arrow IPC batch lacks a buffer for field \"%s\"", FieldName(node));
	}
	auto buffer = StructAt(*batch_.buffers(), next_buffer_++);
	auto offset = buffer.offset();
	auto length = buffer.length();
	if (offset < 0 || length < 0 || offset > message_.body_length || length > message_.body_length - offset) {
		throw IOException("Arrow IPC buffer of field \"%s\" (offset %lld, length %lld) lies outside the %lld-byte "
		                  "message body",
		                  FieldName(node), (long long)offset, (long long)length, (long long)message_.body_length);
	}
	auto data = message_.body + offset;
	if (codec_ != IpcCodec::kNone && length > 0) {
		// Decompressed into memory the batch owns; sizes are checked against what it unpacks to.
		auto compressed = reinterpret_cast<const uint8_t *>(data);
		auto unpacked = UncompressedLength(compressed, length);
		if (unpacked > kMaxDecompressedBuffer) {
			throw IOException("compressed Arrow IPC buffer of field \"%s\" unpacks to %lld bytes, more than %lld",
			                  FieldName(node), (long long)unpacked, (long long)kMaxDecompressedBuffer);
		}
		auto out = Allocate(holder_, unpacked);
		DecompressBuffer(codec_, compressed, length, out, unpacked);
		data = static_cast<const uint8_t *>(out);
		length = unpacked;
	}
	if (length < min_length) {
		throw IOException("Arrow IPC buffer of field \"%s\" holds %lld bytes but its rows need %lld", FieldName(node),
		                  (long long)length, (long long)min_length);
	}
	if (actual_length) {
		*actual_length = length;
	}
	if (length == 0) {
		return kEmptyBuffer;
	}
	if (reinterpret_cast<uintptr_t>(data) % 8 != 0) {
		auto copy = Allocate(holder_, length);
		std::memcpy(copy, data, static_cast<size_t>(length));
		return copy;
	}
	return data;
}

const void *IpcBatchDecoder::ValidityBuffer(const IpcSchemaNode &node, int64_t length, int64_t null_count) {
	int64_t actual = 0;
	auto data = NextBuffer(node, 0, &actual);
	if (actual == 0) {
		if (null_count != 0) {
			throw IOException("Arrow IPC field \"%s\" has %lld nulls but no validity bitmap", FieldName(node),
			                  (long long)null_count);
		}
		return nullptr;
	}
	if (actual < (length + 7) / 8) {
		throw IOException("Arrow IPC validity bitmap of field \"%s\" is too short for %lld rows", FieldName(node),
		                  (long long)length);
	}
	return data;
}

template <class OFFSET>
static void CheckOffsets(const IpcSchemaNode &node, const void *data, int64_t length, int64_t limit,
                         const char *what) {
	if (length == 0) {
		return;
	}
	auto offsets = static_cast<const OFFSET *>(data);
	bool ok = offsets[0] >= 0;
	for (int64_t i = 0; i < length; i++) {
		ok &= offsets[i + 1] >= offsets[i];
	}
	if (!ok || static_cast<int64_t>(offsets[length]) > limit) {
		throw IOException("Arrow IPC offsets of field \"%s\" are not ascending within its %lld %s", FieldName(node),
		                  (long long)limit, what);
	}
}

template <class OFFSET>
static void CheckListViews(const IpcSchemaNode &node, const void *offsets_p, const void *sizes_p, int64_t length,
                           int64_t limit) {
	auto offsets = static_cast<const OFFSET *>(offsets_p);
	auto sizes = static_cast<const OFFSET *>(sizes_p);
	bool ok = true;
	for (int64_t i = 0; i < length; i++) {
		ok &= offsets[i] >= 0 && sizes[i] >= 0 && static_cast<int64_t>(offsets[i]) + sizes[i] <= limit;
	}
	if (!ok) {
		throw IOException("Arrow IPC list views of field \"%s\" reach outside their %lld child values",
		                  FieldName(node), (long long)limit);
	}
}

template <class INDEX>
static bool IndicesInRange(const void *indices_p, const void *validity, int64_t length, int64_t dictionary_length) {
	auto indices = static_cast<const INDEX *>(indices_p);
	for (int64_t i = 0; i < length; i++) {
		auto index = static_cast<int64_t>(indices[i]);
		if ((index < 0 || index >= dictionary_length) && IsValid(validity, i)) {
			return false;
		}
	}
	return true;
}

static bool DictionaryIndicesInRange(const std::string &format, const void *indices, const void *validity,
                                     int64_t length, int64_t dictionary_length) {
	switch (format[0]) {
	case 'c':
		return IndicesInRange<int8_t>(indices, validity, length, dictionary_length);
	case 'C':
		return IndicesInRange<uint8_t>(indices, validity, length, dictionary_length);
	case 's':
		return IndicesInRange<int16_t>(indices, validity, length, dictionary_length);
	case 'S':
		return IndicesInRange<uint16_t>(indices, validity, length, dictionary_length);
	case 'i':
		return IndicesInRange<int32_t>(indices, validity, length, dictionary_length);
	case 'I':
		return IndicesInRange<uint32_t>(indices, validity, length, dictionary_length);
	case 'l':
		return IndicesInRange<int64_t>(indices, validity, length, dictionary_length);
	default:
		// Unsigned 64-bit indices beyond INT64_MAX read as negative and are rejected.
		return IndicesInRange<int64_t>(indices, validity, length, dictionary_length);
	}
}

// Union format "+us:1,5" -> child index per type id (-1: unused id).
static std::vector<int> UnionChildIndex(const IpcSchemaNode &node) {
	std::vector<int> child_of(128, -1);
	auto ids = node.format.substr(4);
	size_t start = 0;
	int child = 0;
	while (start < ids.size()) {
		auto comma = ids.find(',', start);
		auto end = comma == std::string::npos ? ids.size() : comma;
		auto id = std::stoi(ids.substr(start, end - start));
		if (id < 0 || id > 127) {
			throw IOException("Arrow IPC union field \"%s\" has type id %d outside 0..127", FieldName(node), id);
		}
		child_of[id] = child++;
		start = end + 1;
	}
	return child_of;
}

template <class RUN_END>
static bool RunEndsValid(const void *data, int64_t runs, int64_t length) {
	auto run_ends = static_cast<const RUN_END *>(data);
	int64_t previous = 0;
	for (int64_t i = 0; i < runs; i++) {
		if (static_cast<int64_t>(run_ends[i]) <= previous) {
			return false;
		}
		previous = run_ends[i];
	}
	return previous >= length;
}

ArrowArray *IpcBatchDecoder::DecodeField(const IpcSchemaNode &node) {
	auto field_node = NextNode(node);
	const int64_t length = field_node.length();
	const int64_t null_count = field_node.null_count();
	const auto &layout = node.layout;
	auto expect_children = [&](size_t count) {
		if (node.children.size() != count) {
			throw IOException("Arrow IPC field \"%s\" (format %s) has %llu children, expected %llu", FieldName(node),
			                  node.format, (unsigned long long)node.children.size(), (unsigned long long)count);
		}
	};
	auto decode_children = [&](int64_t min_length) {
		std::vector<ArrowArray *> children;
		for (auto &child : node.children) {
			children.push_back(DecodeField(*child));
			if (children.back()->length < min_length) {
				throw IOException("Arrow IPC field \"%s\" has %lld rows but its parent needs %lld",
				                  FieldName(*child), (long long)children.back()->length, (long long)min_length);
			}
		}
		return children;
	};

	std::vector<const void *> buffers;
	std::vector<ArrowArray *> children;
	int64_t array_null_count = null_count;
	switch (layout.kind) {
	case ArrowLayoutKind::NULL_TYPE:
		array_null_count = length;
		break;
	case ArrowLayoutKind::BOOLEAN:
		buffers.push_back(ValidityBuffer(node, length, null_count));
		buffers.push_back(NextBuffer(node, (length + 7) / 8));
		break;
	case ArrowLayoutKind::FIXED_WIDTH:
		buffers.push_back(ValidityBuffer(node, length, null_count));
		buffers.push_back(NextBuffer(node, Product(node, length, layout.width)));
		break;
	case ArrowLayoutKind::BINARY:
	case ArrowLayoutKind::LARGE_BINARY: {
		bool large = layout.kind == ArrowLayoutKind::LARGE_BINARY;
		int64_t width = large ? 8 : 4;
		buffers.push_back(ValidityBuffer(node, length, null_count));
		buffers.push_back(NextBuffer(node, length == 0 ? 0 : Product(node, length + 1, width)));
		int64_t data_length = 0;
		buffers.push_back(NextBuffer(node, 0, &data_length));
		if (large) {
			CheckOffsets<int64_t>(node, buffers[1], length, data_length, "data bytes");
		} else {
			CheckOffsets<int32_t>(node, buffers[1], length, data_length, "data bytes");
		}
		break;
	}
	case ArrowLayoutKind::BINARY_VIEW: {
		buffers.push_back(ValidityBuffer(node, length, null_count));
		buffers.push_back(NextBuffer(node, Product(node, length, 16)));
		auto counts = batch_.variadicBufferCounts();
		if (!counts || next_variadic_ >= counts->size() || counts->Get(next_variadic_) < 0) {
			throw IOException("Arrow IPC view field \"%s\" has no variadic buffer count", FieldName(node));
		}
		auto variadic = counts->Get(next_variadic_++);
		auto buffers_left = batch_.buffers() ? batch_.buffers()->size() - next_buffer_ : 0;
		if (variadic > static_cast<int64_t>(buffers_left)) {
			throw IOException("Arrow IPC view field \"%s\" claims %lld data buffers but the batch has %u left",
			                  FieldName(node), (long long)variadic, buffers_left);
		}
		auto sizes = static_cast<int64_t *>(Allocate(holder_, Product(node, variadic, 8)));
		for (int64_t i = 0; i < variadic; i++) {
			buffers.push_back(NextBuffer(node, 0, &sizes[i]));
		}
		buffers.push_back(sizes);
		auto views = static_cast<const uint8_t *>(buffers[1]);
		for (int64_t i = 0; i < length; i++) {
			int32_t view[4];
			std::memcpy(view, views + i * 16, 16);
			bool ok = view[0] >= 0 && (view[0] <= 12 || (view[2] >= 0 && view[2] < variadic && view[3] >= 0 &&
			                                              int64_t(view[3]) + view[0] <= sizes[view[2]]));
			if (!ok && IsValid(buffers[0], i)) {
				throw IOException("Arrow IPC view %lld of field \"%s\" points outside its data buffers", (long long)i,
				                  FieldName(node));
			}
		}
		break;
	}
	case ArrowLayoutKind::LIST:
	case ArrowLayoutKind::LARGE_LIST: {
		expect_children(1);
		bool large = layout.kind == ArrowLayoutKind::LARGE_LIST;
		buffers.push_back(ValidityBuffer(node, length, null_count));
		buffers.push_back(NextBuffer(node, length == 0 ? 0 : Product(node, length + 1, large ? 8 : 4)));
		children = decode_children(0);
		if (large) {
			CheckOffsets<int64_t>(node, buffers[1], length, children[0]->length, "child values");
		} else {
			CheckOffsets<int32_t>(node, buffers[1], length, children[0]->length, "child values");
		}
		break;
	}
	case ArrowLayoutKind::LIST_VIEW:
	case ArrowLayoutKind::LARGE_LIST_VIEW: {
		expect_children(1);
		bool large = layout.kind == ArrowLayoutKind::LARGE_LIST_VIEW;
		int64_t width = large ? 8 : 4;
		buffers.push_back(ValidityBuffer(node, length, null_count));
		buffers.push_back(NextBuffer(node, Product(node, length, width)));
		buffers.push_back(NextBuffer(node, Product(node, length, width)));
		children = decode_children(0);
		if (large) {
			CheckListViews<int64_t>(node, buffers[1], buffers[2], length, children[0]->length);
		} else {
			CheckListViews<int32_t>(node, buffers[1], buffers[2], length, children[0]->length);
		}
		break;
	}
	case ArrowLayoutKind::FIXED_LIST:
		expect_children(1);
		buffers.push_back(ValidityBuffer(node, length, null_count));
		children = decode_children(Product(node, length, layout.width));
		break;
	case ArrowLayoutKind::STRUCT:
		buffers.push_back(ValidityBuffer(node, length, null_count));
		children = decode_children(length);
		break;
	case ArrowLayoutKind::SPARSE_UNION:
	case ArrowLayoutKind::DENSE_UNION: {
		bool dense = layout.kind == ArrowLayoutKind::DENSE_UNION;
		auto child_of = UnionChildIndex(node);
		buffers.push_back(NextBuffer(node, length));
		if (dense) {
			buffers.push_back(NextBuffer(node, Product(node, length, 4)));
		}
		children = decode_children(dense ? 0 : length);
		auto type_ids = static_cast<const int8_t *>(buffers[0]);
		auto offsets = dense ? static_cast<const int32_t *>(buffers[1]) : nullptr;
		for (int64_t i = 0; i < length; i++) {
			auto id = type_ids[i];
			auto child = id >= 0 ? child_of[id] : -1;
			bool ok = child >= 0 && static_cast<size_t>(child) < children.size() &&
			          (!dense || (offsets[i] >= 0 && offsets[i] < children[child]->length));
			if (!ok) {
				throw IOException("Arrow IPC union field \"%s\" has an invalid type id or offset at row %lld",
				                  FieldName(node), (long long)i);
			}
		}
		break;
	}
	case ArrowLayoutKind::RUN_END_ENCODED: {
		expect_children(2);
		children = decode_children(0);
		auto &run_ends_node = *node.children[0];
		auto runs = children[0]->length;
		bool ok = run_ends_node.layout.kind == ArrowLayoutKind::FIXED_WIDTH && children[0]->null_count == 0 &&
		          children[1]->length >= runs && (length == 0 || runs > 0);
		if (ok && runs > 0) {
			auto data = children[0]->buffers[1];
			switch (run_ends_node.format[0]) {
			case 's':
				ok = RunEndsValid<int16_t>(data, runs, length);
				break;
			case 'i':
				ok = RunEndsValid<int32_t>(data, runs, length);
				break;
			case 'l':
				ok = RunEndsValid<int64_t>(data, runs, length);
				break;
			default:
				ok = false;
			}
		}
		if (!ok) {
			throw IOException("Arrow IPC run-end encoded field \"%s\" has invalid run ends", FieldName(node));
		}
		break;
	}
	}

	auto array = NewArray(holder_, length, array_null_count, std::move(buffers), std::move(children));
	if (node.dictionary) {
		auto entry = dictionaries_.find(node.dictionary_id);
		if (entry == dictionaries_.end()) {
			throw IOException("Arrow IPC field \"%s\" uses dictionary id %lld before any DictionaryBatch defined it",
			                  FieldName(node), (long long)node.dictionary_id);
		}
		auto &dictionary = entry->second;
		if (!DictionaryIndicesInRange(node.format, array->buffers[1], array->buffers[0], length,
		                              dictionary->values->length)) {
			throw IOException("Arrow IPC field \"%s\" has dictionary indices outside its %lld-entry dictionary",
			                  FieldName(node), (long long)dictionary->values->length);
		}
		array->dictionary = dictionary->values;
		holder_.dictionaries.push_back(dictionary);
	}
	return array;
}

void IpcBatchDecoder::CheckFullyConsumed() const {
	auto nodes = batch_.nodes() ? batch_.nodes()->size() : 0;
	auto buffers = batch_.buffers() ? batch_.buffers()->size() : 0;
	if (next_node_ != nodes || next_buffer_ != buffers) {
		throw IOException("Arrow IPC batch has %u field nodes and %u buffers but the schema uses %u and %u", nodes,
		                  buffers, next_node_, next_buffer_);
	}
}

ArrowArray MakeBatchArray(std::unique_ptr<IpcArrayHolder> holder, int64_t length, std::vector<ArrowArray *> columns) {
	holder->buffer_lists.push_back(std::make_unique<std::vector<const void *>>(1, nullptr));
	holder->child_lists.push_back(std::make_unique<std::vector<ArrowArray *>>(std::move(columns)));
	auto &children = *holder->child_lists.back();
	ArrowArray root;
	std::memset(&root, 0, sizeof(root));
	root.length = length;
	root.n_buffers = 1;
	root.buffers = holder->buffer_lists.back()->data();
	root.n_children = static_cast<int64_t>(children.size());
	root.children = children.empty() ? nullptr : children.data();
	root.private_data = holder.release();
	root.release = ReleaseBatch;
	return root;
}

//===--------------------------------------------------------------------===//
// Delta dictionaries
//===--------------------------------------------------------------------===//
static const void *ConcatValidity(IpcArrayHolder &holder, const ArrowArray &a, const ArrowArray &b) {
	if ((a.null_count == 0 || !a.buffers[0]) && (b.null_count == 0 || !b.buffers[0])) {
		return nullptr;
	}
	auto total = a.length + b.length;
	auto bitmap = static_cast<uint8_t *>(Allocate(holder, (total + 7) / 8));
	std::memset(bitmap, 0xFF, static_cast<size_t>((total + 7) / 8));
	auto clear_nulls = [&](const ArrowArray &part, int64_t start) {
		for (int64_t i = 0; i < part.length; i++) {
			if (!IsValid(part.buffers[0], i)) {
				bitmap[(start + i) >> 3] &= static_cast<uint8_t>(~(1u << ((start + i) & 7)));
			}
		}
	};
	clear_nulls(a, 0);
	clear_nulls(b, a.length);
	return bitmap;
}

template <class OFFSET>
static void ConcatBinary(IpcArrayHolder &holder, const ArrowArray &a, const ArrowArray &b,
                         std::vector<const void *> &buffers) {
	auto a_offsets = static_cast<const OFFSET *>(a.buffers[1]);
	auto b_offsets = static_cast<const OFFSET *>(b.buffers[1]);
	int64_t a_bytes = a.length ? a_offsets[a.length] - a_offsets[0] : 0;
	int64_t b_bytes = b.length ? b_offsets[b.length] - b_offsets[0] : 0;
	auto offsets = static_cast<OFFSET *>(Allocate(holder, (a.length + b.length + 1) * sizeof(OFFSET)));
	for (int64_t i = 0; i <= a.length && a.length; i++) {
		offsets[i] = a_offsets[i] - a_offsets[0];
	}
	for (int64_t i = 0; i <= b.length && b.length; i++) {
		offsets[a.length + i] = static_cast<OFFSET>(a_bytes + (b_offsets[i] - b_offsets[0]));
	}
	auto data = static_cast<char *>(Allocate(holder, a_bytes + b_bytes));
	if (a_bytes) {
		std::memcpy(data, static_cast<const char *>(a.buffers[2]) + a_offsets[0], a_bytes);
	}
	if (b_bytes) {
		std::memcpy(data + a_bytes, static_cast<const char *>(b.buffers[2]) + b_offsets[0], b_bytes);
	}
	buffers.push_back(offsets);
	buffers.push_back(data);
}

std::shared_ptr<IpcArrayHolder> ConcatenateDictionaries(const IpcSchemaNode &values_node,
                                                        const std::shared_ptr<IpcArrayHolder> &old_values,
                                                        const std::shared_ptr<IpcArrayHolder> &delta) {
	auto &a = *old_values->values;
	auto &b = *delta->values;
	auto result = std::make_shared<IpcArrayHolder>();
	std::vector<const void *> buffers;
	buffers.push_back(ConcatValidity(*result, a, b));
	switch (values_node.layout.kind) {
	case ArrowLayoutKind::FIXED_WIDTH: {
		auto width = values_node.layout.width;
		auto data = static_cast<char *>(Allocate(*result, (a.length + b.length) * width));
		std::memcpy(data, a.buffers[1], static_cast<size_t>(a.length * width));
		std::memcpy(data + a.length * width, b.buffers[1], static_cast<size_t>(b.length * width));
		buffers.push_back(data);
		break;
	}
	case ArrowLayoutKind::BINARY:
		ConcatBinary<int32_t>(*result, a, b, buffers);
		break;
	case ArrowLayoutKind::LARGE_BINARY:
		ConcatBinary<int64_t>(*result, a, b, buffers);
		break;
	default:
		throw IOException("Arrow IPC delta dictionary with values of format \"%s\" is not supported (only "
		                  "fixed-width and string/binary values)",
		                  values_node.format);
	}
	result->values = NewArray(*result, a.length + b.length, a.null_count + b.null_count, std::move(buffers), {});
	return result;
}

} // namespace openduck
