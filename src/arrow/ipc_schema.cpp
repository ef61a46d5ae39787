#include "arrow/ipc_schema.hpp"
#include "arrow/ipc_limits.hpp"

#include "duckdb/common/exception.hpp"

#include <cstring>

namespace openduck {

using duckdb::IOException;

//===--------------------------------------------------------------------===//
// ArrowSchema::metadata blob
//===--------------------------------------------------------------------===//
static void AppendInt32(std::string &out, int32_t value) {
	out.append(reinterpret_cast<const char *>(&value), sizeof(value));
}

std::string EncodeArrowMetadata(const KeyValueList &entries) {
	if (entries.empty()) {
		return std::string();
	}
	std::string out;
	AppendInt32(out, static_cast<int32_t>(entries.size()));
	for (auto &entry : entries) {
		AppendInt32(out, static_cast<int32_t>(entry.first.size()));
		out += entry.first;
		AppendInt32(out, static_cast<int32_t>(entry.second.size()));
		out += entry.second;
	}
	return out;
}

KeyValueList DecodeArrowMetadata(const char *metadata) {
	KeyValueList result;
	if (!metadata) {
		return result;
	}
	// The C data interface gives no length; the blob is trusted to come from an Arrow producer in
	// this process (DuckDB's converter), so only sign errors are checked.
	auto read_int32 = [&]() {
		int32_t value;
		std::memcpy(&value, metadata, sizeof(value));
		metadata += sizeof(value);
		if (value < 0) {
			throw IOException("malformed Arrow schema metadata (negative length)");
		}
		return value;
	};
	auto count = read_int32();
	for (int32_t i = 0; i < count; i++) {
		auto key_length = read_int32();
		std::string key(metadata, key_length);
		metadata += key_length;
		auto value_length = read_int32();
		std::string value(metadata, value_length);
		metadata += value_length;
		result.emplace_back(std::move(key), std::move(value));
	}
	return result;
}

//===--------------------------------------------------------------------===//
// Encoding: ArrowSchema -> flatbuffer
//===--------------------------------------------------------------------===//
using TypeOffset = std::pair<fb::Type, flatbuffers::Offset<void>>;

static bool StartsWith(const std::string &s, const char *prefix) {
	return s.rfind(prefix, 0) == 0;
}

static fb::TimeUnit TimeUnitFromChar(char c, const std::string &format) {
	switch (c) {
	case 's':
		return fb::TimeUnit::SECOND;
	case 'm':
		return fb::TimeUnit::MILLISECOND;
	case 'u':
		return fb::TimeUnit::MICROSECOND;
	case 'n':
		return fb::TimeUnit::NANOSECOND;
	default:
		throw IOException("Arrow format \"%s\" has an unknown time unit", format);
	}
}

static int32_t ParseInt32(const std::string &text, const std::string &format) {
	try {
		size_t used = 0;
		auto value = std::stoi(text, &used);
		if (used != text.size()) {
			throw std::invalid_argument(text);
		}
		return value;
	} catch (std::exception &) {
		throw IOException("Arrow format \"%s\" has an invalid number \"%s\"", format, text);
	}
}

static std::vector<int32_t> ParseIntList(const std::string &text, const std::string &format) {
	std::vector<int32_t> values;
	size_t start = 0;
	while (start <= text.size() && !text.empty()) {
		auto comma = text.find(',', start);
		auto end = comma == std::string::npos ? text.size() : comma;
		values.push_back(ParseInt32(text.substr(start, end - start), format));
		if (comma == std::string::npos) {
			break;
		}
		start = comma + 1;
	}
	return values;
}

static flatbuffers::Offset<fb::Int> IntType(flatbuffers::FlatBufferBuilder &b, char c, const std::string &format) {
	switch (c) {
	case 'c':
		return fb::CreateInt(b, 8, true);
	case 'C':
		return fb::CreateInt(b, 8, false);
	case 's':
		return fb::CreateInt(b, 16, true);
	case 'S':
		return fb::CreateInt(b, 16, false);
	case 'i':
		return fb::CreateInt(b, 32, true);
	case 'I':
		return fb::CreateInt(b, 32, false);
	case 'l':
		return fb::CreateInt(b, 64, true);
	case 'L':
		return fb::CreateInt(b, 64, false);
	default:
		throw IOException("Arrow format \"%s\" is not an integer type", format);
	}
}

static TypeOffset EncodeType(flatbuffers::FlatBufferBuilder &b, const ArrowSchema &schema) {
	const std::string f(schema.format);
	if (f.size() == 1) {
		switch (f[0]) {
		case 'n':
			return {fb::Type::Null, fb::CreateNull(b).Union()};
		case 'b':
			return {fb::Type::Bool, fb::CreateBool(b).Union()};
		case 'e':
			return {fb::Type::FloatingPoint, fb::CreateFloatingPoint(b, fb::Precision::HALF).Union()};
		case 'f':
			return {fb::Type::FloatingPoint, fb::CreateFloatingPoint(b, fb::Precision::SINGLE).Union()};
		case 'g':
			return {fb::Type::FloatingPoint, fb::CreateFloatingPoint(b, fb::Precision::DOUBLE).Union()};
		case 'z':
			return {fb::Type::Binary, fb::CreateBinary(b).Union()};
		case 'Z':
			return {fb::Type::LargeBinary, fb::CreateLargeBinary(b).Union()};
		case 'u':
			return {fb::Type::Utf8, fb::CreateUtf8(b).Union()};
		case 'U':
			return {fb::Type::LargeUtf8, fb::CreateLargeUtf8(b).Union()};
		default:
			return {fb::Type::Int, IntType(b, f[0], f).Union()};
		}
	}
	if (f == "vz") {
		return {fb::Type::BinaryView, fb::CreateBinaryView(b).Union()};
	}
	if (f == "vu") {
		return {fb::Type::Utf8View, fb::CreateUtf8View(b).Union()};
	}
	if (StartsWith(f, "d:")) {
		auto parts = ParseIntList(f.substr(2), f);
		if (parts.size() < 2 || parts.size() > 3) {
			throw IOException("Arrow decimal format \"%s\" is malformed", f);
		}
		auto bit_width = parts.size() == 3 ? parts[2] : 128;
		return {fb::Type::Decimal, fb::CreateDecimal(b, parts[0], parts[1], bit_width).Union()};
	}
	if (StartsWith(f, "w:")) {
		return {fb::Type::FixedSizeBinary, fb::CreateFixedSizeBinary(b, ParseInt32(f.substr(2), f)).Union()};
	}
	if (f == "tdD") {
		return {fb::Type::Date, fb::CreateDate(b, fb::DateUnit::DAY).Union()};
	}
	if (f == "tdm") {
		return {fb::Type::Date, fb::CreateDate(b, fb::DateUnit::MILLISECOND).Union()};
	}
	if (f.size() == 3 && StartsWith(f, "tt")) {
		auto unit = TimeUnitFromChar(f[2], f);
		auto bits = (unit == fb::TimeUnit::SECOND || unit == fb::TimeUnit::MILLISECOND) ? 32 : 64;
		return {fb::Type::Time, fb::CreateTime(b, unit, bits).Union()};
	}
	if (f.size() >= 4 && StartsWith(f, "ts") && f[3] == ':') {
		auto unit = TimeUnitFromChar(f[2], f);
		auto zone = f.substr(4);
		auto zone_offset = zone.empty() ? flatbuffers::Offset<flatbuffers::String>() : b.CreateString(zone);
		return {fb::Type::Timestamp, fb::CreateTimestamp(b, unit, zone_offset).Union()};
	}
	if (f.size() == 3 && StartsWith(f, "tD")) {
		return {fb::Type::Duration, fb::CreateDuration(b, TimeUnitFromChar(f[2], f)).Union()};
	}
	if (f == "tiM") {
		return {fb::Type::Interval, fb::CreateInterval(b, fb::IntervalUnit::YEAR_MONTH).Union()};
	}
	if (f == "tiD") {
		return {fb::Type::Interval, fb::CreateInterval(b, fb::IntervalUnit::DAY_TIME).Union()};
	}
	if (f == "tin") {
		return {fb::Type::Interval, fb::CreateInterval(b, fb::IntervalUnit::MONTH_DAY_NANO).Union()};
	}
	if (f == "+l") {
		return {fb::Type::List, fb::CreateList(b).Union()};
	}
	if (f == "+L") {
		return {fb::Type::LargeList, fb::CreateLargeList(b).Union()};
	}
	if (f == "+vl") {
		return {fb::Type::ListView, fb::CreateListView(b).Union()};
	}
	if (f == "+vL") {
		return {fb::Type::LargeListView, fb::CreateLargeListView(b).Union()};
	}
	if (StartsWith(f, "+w:")) {
		return {fb::Type::FixedSizeList, fb::CreateFixedSizeList(b, ParseInt32(f.substr(3), f)).Union()};
	}
	if (f == "+s") {
		return {fb::Type::Struct_, fb::CreateStruct_(b).Union()};
	}
	if (f == "+m") {
		bool sorted = (schema.flags & ARROW_FLAG_MAP_KEYS_SORTED) != 0;
		return {fb::Type::Map, fb::CreateMap(b, sorted).Union()};
	}
	if (StartsWith(f, "+us:") || StartsWith(f, "+ud:")) {
		auto mode = f[2] == 's' ? fb::UnionMode::Sparse : fb::UnionMode::Dense;
		auto ids = ParseIntList(f.substr(4), f);
		return {fb::Type::Union, fb::CreateUnion(b, mode, b.CreateVector(ids)).Union()};
	}
	if (f == "+r") {
		return {fb::Type::RunEndEncoded, fb::CreateRunEndEncoded(b).Union()};
	}
	throw IOException("cannot encode Arrow format \"%s\" in IPC", f);
}

static flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::KeyValue>>>
EncodeKeyValues(flatbuffers::FlatBufferBuilder &b, const KeyValueList &entries) {
	if (entries.empty()) {
		return 0;
	}
	std::vector<flatbuffers::Offset<fb::KeyValue>> offsets;
	for (auto &entry : entries) {
		offsets.push_back(fb::CreateKeyValue(b, b.CreateString(entry.first), b.CreateString(entry.second)));
	}
	return b.CreateVector(offsets);
}

static flatbuffers::Offset<fb::Field> EncodeField(flatbuffers::FlatBufferBuilder &b, const ArrowSchema &schema,
                                                  const KeyValueList &extra_metadata, int64_t &next_dictionary_id,
                                                  std::unordered_map<const ArrowSchema *, int64_t> &dictionary_ids) {
	// For a dictionary-encoded field the logical type and the children are those of the values.
	const ArrowSchema &value_schema = schema.dictionary ? *schema.dictionary : schema;
	flatbuffers::Offset<fb::DictionaryEncoding> dictionary_offset;
	if (schema.dictionary) {
		auto id = next_dictionary_id++;
		dictionary_ids[&schema] = id;
		const std::string index_format(schema.format);
		if (index_format.size() != 1) {
			throw IOException("dictionary index format \"%s\" is not an integer type", index_format);
		}
		auto index_type = IntType(b, index_format[0], index_format);
		bool ordered = (schema.flags & ARROW_FLAG_DICTIONARY_ORDERED) != 0;
		dictionary_offset = fb::CreateDictionaryEncoding(b, id, index_type, ordered);
	}
	std::vector<flatbuffers::Offset<fb::Field>> children;
	for (int64_t i = 0; i < value_schema.n_children; i++) {
		children.push_back(EncodeField(b, *value_schema.children[i], {}, next_dictionary_id, dictionary_ids));
	}
	auto metadata = DecodeArrowMetadata(schema.metadata);
	metadata.insert(metadata.end(), extra_metadata.begin(), extra_metadata.end());

	auto name = b.CreateString(schema.name ? schema.name : "");
	auto type = EncodeType(b, value_schema);
	auto children_offset = b.CreateVector(children);
	auto metadata_offset = EncodeKeyValues(b, metadata);
	bool nullable = (schema.flags & ARROW_FLAG_NULLABLE) != 0;
	return fb::CreateField(b, name, nullable, type.first, type.second, dictionary_offset, children_offset,
	                       metadata_offset);
}

flatbuffers::Offset<fb::Schema> EncodeSchema(flatbuffers::FlatBufferBuilder &builder, const ArrowSchema &root,
                                             const std::vector<KeyValueList> &column_metadata,
                                             std::unordered_map<const ArrowSchema *, int64_t> &dictionary_ids) {
	int64_t next_dictionary_id = 0;
	std::vector<flatbuffers::Offset<fb::Field>> fields;
	for (int64_t i = 0; i < root.n_children; i++) {
		const KeyValueList empty;
		auto &extra = static_cast<size_t>(i) < column_metadata.size() ? column_metadata[i] : empty;
		fields.push_back(EncodeField(builder, *root.children[i], extra, next_dictionary_id, dictionary_ids));
	}
	auto fields_offset = builder.CreateVector(fields);
	return fb::CreateSchema(builder, fb::Endianness::Little, fields_offset);
}

//===--------------------------------------------------------------------===//
// Decoding: flatbuffer -> ArrowSchema
//===--------------------------------------------------------------------===//
static void ReleaseNothing(ArrowSchema *schema) {
	// The IpcSchemaNode that embeds this schema owns everything it points to.
	schema->release = nullptr;
}

IpcSchemaNode::IpcSchemaNode() {
	std::memset(&schema, 0, sizeof(schema));
}

static std::string UnitChar(fb::TimeUnit unit) {
	switch (unit) {
	case fb::TimeUnit::SECOND:
		return "s";
	case fb::TimeUnit::MILLISECOND:
		return "m";
	case fb::TimeUnit::MICROSECOND:
		return "u";
	case fb::TimeUnit::NANOSECOND:
		return "n";
	}
	throw IOException("Arrow IPC time unit %d is unknown", static_cast<int>(unit));
}

static std::string IntFormat(const fb::Int *type) {
	if (!type) {
		throw IOException("Arrow IPC Int type without parameters");
	}
	bool is_signed = type->is_signed();
	switch (type->bitWidth()) {
	case 8:
		return is_signed ? "c" : "C";
	case 16:
		return is_signed ? "s" : "S";
	case 32:
		return is_signed ? "i" : "I";
	case 64:
		return is_signed ? "l" : "L";
	default:
		throw IOException("Arrow IPC Int type with bit width %d", type->bitWidth());
	}
}

// The C data interface format of a field's (value) type. Sets ARROW_FLAG_MAP_KEYS_SORTED on
// `flags` for sorted maps.
static std::string DecodeFormat(const fb::Field &field, int64_t &flags) {
	switch (field.type_type()) {
	case fb::Type::Null:
		return "n";
	case fb::Type::Int:
		return IntFormat(field.type_as_Int());
	case fb::Type::FloatingPoint: {
		auto type = field.type_as_FloatingPoint();
		switch (type ? type->precision() : fb::Precision::HALF) {
		case fb::Precision::HALF:
			return "e";
		case fb::Precision::SINGLE:
			return "f";
		case fb::Precision::DOUBLE:
			return "g";
		}
		break;
	}
	case fb::Type::Binary:
		return "z";
	case fb::Type::LargeBinary:
		return "Z";
	case fb::Type::Utf8:
		return "u";
	case fb::Type::LargeUtf8:
		return "U";
	case fb::Type::BinaryView:
		return "vz";
	case fb::Type::Utf8View:
		return "vu";
	case fb::Type::Bool:
		return "b";
	case fb::Type::Decimal: {
		auto type = field.type_as_Decimal();
		if (!type) {
			throw IOException("Arrow IPC Decimal type without parameters");
		}
		return "d:" + std::to_string(type->precision()) + "," + std::to_string(type->scale()) + "," +
		       std::to_string(type->bitWidth());
	}
	case fb::Type::FixedSizeBinary: {
		auto type = field.type_as_FixedSizeBinary();
		if (!type || type->byteWidth() <= 0) {
			throw IOException("Arrow IPC FixedSizeBinary type without a positive width");
		}
		return "w:" + std::to_string(type->byteWidth());
	}
	case fb::Type::Date: {
		auto type = field.type_as_Date();
		return (type && type->unit() == fb::DateUnit::DAY) ? "tdD" : "tdm";
	}
	case fb::Type::Time: {
		auto type = field.type_as_Time();
		return "tt" + UnitChar(type ? type->unit() : fb::TimeUnit::MILLISECOND);
	}
	case fb::Type::Timestamp: {
		auto type = field.type_as_Timestamp();
		if (!type) {
			throw IOException("Arrow IPC Timestamp type without parameters");
		}
		std::string zone = type->timezone() ? type->timezone()->str() : "";
		return "ts" + UnitChar(type->unit()) + ":" + zone;
	}
	case fb::Type::Duration: {
		auto type = field.type_as_Duration();
		return "tD" + UnitChar(type ? type->unit() : fb::TimeUnit::MILLISECOND);
	}
	case fb::Type::Interval: {
		auto type = field.type_as_Interval();
		switch (type ? type->unit() : fb::IntervalUnit::YEAR_MONTH) {
		case fb::IntervalUnit::YEAR_MONTH:
			return "tiM";
		case fb::IntervalUnit::DAY_TIME:
			return "tiD";
		case fb::IntervalUnit::MONTH_DAY_NANO:
			return "tin";
		}
		break;
	}
	case fb::Type::List:
		return "+l";
	case fb::Type::LargeList:
		return "+L";
	case fb::Type::ListView:
		return "+vl";
	case fb::Type::LargeListView:
		return "+vL";
	case fb::Type::FixedSizeList: {
		auto type = field.type_as_FixedSizeList();
		if (!type || type->listSize() < 0) {
			throw IOException("Arrow IPC FixedSizeList type without a list size");
		}
		return "+w:" + std::to_string(type->listSize());
	}
	case fb::Type::Struct_:
		return "+s";
	case fb::Type::Map: {
		auto type = field.type_as_Map();
		if (type && type->keysSorted()) {
			flags |= ARROW_FLAG_MAP_KEYS_SORTED;
		}
		return "+m";
	}
	case fb::Type::Union: {
		auto type = field.type_as_Union();
		if (!type) {
			throw IOException("Arrow IPC Union type without parameters");
		}
		std::string format = type->mode() == fb::UnionMode::Sparse ? "+us:" : "+ud:";
		auto child_count = field.children() ? field.children()->size() : 0;
		for (flatbuffers::uoffset_t i = 0; i < child_count; i++) {
			auto id = type->typeIds() && i < type->typeIds()->size() ? type->typeIds()->Get(i) : int32_t(i);
			format += (i ? "," : "") + std::to_string(id);
		}
		return format;
	}
	case fb::Type::RunEndEncoded:
		return "+r";
	default:
		break;
	}
	throw IOException("Arrow IPC field \"%s\" has unsupported type id %d",
	                  field.name() ? field.name()->str() : std::string(), static_cast<int>(field.type_type()));
}

static void Link(IpcSchemaNode &node) {
	auto &s = node.schema;
	node.layout = ArrowLayout::FromFormat(node.format.c_str());
	s.format = node.format.c_str();
	s.name = node.name.c_str();
	s.metadata = node.metadata.empty() ? nullptr : node.metadata.data();
	node.child_pointers.clear();
	for (auto &child : node.children) {
		node.child_pointers.push_back(&child->schema);
	}
	s.n_children = static_cast<int64_t>(node.children.size());
	s.children = node.child_pointers.empty() ? nullptr : node.child_pointers.data();
	s.dictionary = node.dictionary ? &node.dictionary->schema : nullptr;
	s.release = ReleaseNothing;
	s.private_data = nullptr;
}

// DuckDB's Arrow import trusts the shape of nested schemas (a list has one child, a map one
// struct of key and value), so a malformed one must stop here.
static void CheckChildren(const std::string &name, const std::string &format,
                          const std::vector<std::unique_ptr<IpcSchemaNode>> &children) {
	size_t expected;
	switch (ArrowLayout::FromFormat(format.c_str()).kind) {
	case ArrowLayoutKind::LIST:
	case ArrowLayoutKind::LARGE_LIST:
	case ArrowLayoutKind::LIST_VIEW:
	case ArrowLayoutKind::LARGE_LIST_VIEW:
	case ArrowLayoutKind::FIXED_LIST:
		expected = 1;
		break;
	case ArrowLayoutKind::RUN_END_ENCODED:
		expected = 2;
		break;
	case ArrowLayoutKind::STRUCT:
	case ArrowLayoutKind::SPARSE_UNION:
	case ArrowLayoutKind::DENSE_UNION:
		return;
	default:
		expected = 0;
		break;
	}
	bool ok = children.size() == expected;
	if (ok && format == "+m") {
		auto &entries = *children[0];
		ok = !entries.dictionary && entries.format == "+s" && entries.children.size() == 2;
	}
	if (!ok) {
		throw IOException("Arrow IPC field \"%s\" of format %s has a malformed list of %llu children", name, format,
		                  (unsigned long long)children.size());
	}
}

static std::unique_ptr<IpcSchemaNode> DecodeField(const fb::Field &field, int depth) {
	if (depth > kMaxIpcNestingDepth) {
		throw IOException("Arrow IPC schema nests types deeper than %d levels, which OpenDuck does not transport",
		                  kMaxIpcNestingDepth);
	}
	auto node = std::make_unique<IpcSchemaNode>();
	node->name = field.name() ? field.name()->str() : "";
	if (field.custom_metadata()) {
		for (auto kv : *field.custom_metadata()) {
			node->custom_metadata.emplace_back(kv->key() ? kv->key()->str() : "", kv->value() ? kv->value()->str() : "");
		}
	}
	node->metadata = EncodeArrowMetadata(node->custom_metadata);
	int64_t flags = field.nullable() ? ARROW_FLAG_NULLABLE : 0;
	auto value_format = DecodeFormat(field, flags);

	std::vector<std::unique_ptr<IpcSchemaNode>> children;
	if (field.children()) {
		for (auto child : *field.children()) {
			children.push_back(DecodeField(*child, depth + 1));
		}
	}
	CheckChildren(node->name, value_format, children);
	if (field.dictionary()) {
		auto encoding = field.dictionary();
		auto values = std::make_unique<IpcSchemaNode>();
		values->format = value_format;
		values->children = std::move(children);
		values->schema.flags = flags & ARROW_FLAG_MAP_KEYS_SORTED;
		Link(*values);
		// Without an explicit index type the spec mandates signed 32-bit indices.
		node->format = encoding->indexType() ? IntFormat(encoding->indexType()) : "i";
		node->dictionary = std::move(values);
		node->dictionary_id = encoding->id();
		if (encoding->isOrdered()) {
			flags |= ARROW_FLAG_DICTIONARY_ORDERED;
		}
		node->schema.flags = flags & ~ARROW_FLAG_MAP_KEYS_SORTED;
	} else {
		node->format = value_format;
		node->children = std::move(children);
		node->schema.flags = flags;
	}
	Link(*node);
	return node;
}

std::unique_ptr<IpcSchemaNode> DecodeSchema(const fb::Schema &schema) {
	if (schema.endianness() != fb::Endianness::Little) {
		throw IOException("Arrow IPC stream is big-endian; only little-endian streams are supported");
	}
	auto root = std::make_unique<IpcSchemaNode>();
	root->format = "+s";
	if (schema.fields()) {
		for (auto field : *schema.fields()) {
			root->children.push_back(DecodeField(*field, 0));
		}
	}
	Link(*root);
	return root;
}

} // namespace openduck
