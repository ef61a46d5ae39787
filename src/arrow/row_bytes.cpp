#include "arrow/row_bytes.hpp"

#include "duckdb/common/types/string_type.hpp"

namespace openduck {

using namespace duckdb;

// Offsets of strings and lists: Arrow's 32-bit offsets (large types are not used on the wire
// for a single batch's sizes that matter here).
static constexpr idx_t kOffsetBytes = 4;

// The width of a value whose size never varies, or 0 for strings, lists and nested types that
// hold them.
static idx_t FixedWidth(const LogicalType &type) {
	switch (type.InternalType()) {
	case PhysicalType::VARCHAR:
	case PhysicalType::LIST:
		return 0;
	case PhysicalType::STRUCT: {
		idx_t width = 0;
		for (auto &child : StructType::GetChildTypes(type)) {
			auto child_width = FixedWidth(child.second);
			if (child_width == 0) {
				return 0;
			}
			width += child_width;
		}
		// A struct without fields still has a validity bit per row.
		return MaxValue<idx_t>(width, 1);
	}
	case PhysicalType::ARRAY:
		return FixedWidth(ArrayType::GetChildType(type)) * ArrayType::GetSize(type);
	default:
		return MaxValue<idx_t>(GetTypeIdSize(type.InternalType()), 1);
	}
}

// Bytes of the value at `row` of `format` (a position before its selection vector).
static idx_t ValueBytes(const RecursiveUnifiedVectorFormat &format, idx_t row) {
	auto &type = format.logical_type;
	auto fixed = FixedWidth(type);
	if (fixed) {
		return fixed;
	}
	auto index = format.unified.sel->get_index(row);
	bool valid = format.unified.validity.RowIsValid(index);
	switch (type.InternalType()) {
	case PhysicalType::VARCHAR:
		return kOffsetBytes + (valid ? UnifiedVectorFormat::GetData<string_t>(format.unified)[index].GetSize() : 0);
	case PhysicalType::LIST: {
		if (!valid) {
			return kOffsetBytes;
		}
		auto entry = UnifiedVectorFormat::GetData<list_entry_t>(format.unified)[index];
		auto &child = format.children[0];
		auto child_fixed = FixedWidth(child.logical_type);
		if (child_fixed) {
			return kOffsetBytes + entry.length * child_fixed;
		}
		idx_t bytes = kOffsetBytes;
		for (idx_t i = 0; i < entry.length; i++) {
			bytes += ValueBytes(child, entry.offset + i);
		}
		return bytes;
	}
	case PhysicalType::ARRAY: {
		auto size = ArrayType::GetSize(type);
		idx_t bytes = 0;
		for (idx_t i = 0; i < size; i++) {
			bytes += ValueBytes(format.children[0], index * size + i);
		}
		return bytes;
	}
	case PhysicalType::STRUCT: {
		// Children are addressed through the struct's own selection (RecursiveToUnifiedFormat).
		idx_t bytes = 0;
		for (auto &child : format.children) {
			bytes += ValueBytes(child, index);
		}
		return bytes;
	}
	default:
		return GetTypeIdSize(type.InternalType());
	}
}

void FlattenNestedColumns(DataChunk &chunk) {
	for (auto &column : chunk.data) {
		if (column.GetType().IsNested()) {
			column.Flatten(chunk.size());
		}
	}
}

RowBytes::RowBytes(DataChunk &chunk) {
	for (auto &column : chunk.data) {
		auto fixed = FixedWidth(column.GetType());
		if (fixed) {
			fixed_row_bytes_ += fixed;
		} else {
			variable_.emplace_back();
			Vector::RecursiveToUnifiedFormat(column, chunk.size(), variable_.back());
		}
	}
}

// Bytes of rows [offset, offset + count) of a VARCHAR column: the scan path's common case, kept
// to one tight loop (ValueBytes' per-value type dispatch was a tenth of a worker's CPU on wide
// string scans).
static idx_t StringBytes(const UnifiedVectorFormat &format, idx_t offset, idx_t count) {
	auto strings = UnifiedVectorFormat::GetData<string_t>(format);
	idx_t bytes = kOffsetBytes * count;
	for (idx_t row = offset; row < offset + count; row++) {
		auto index = format.sel->get_index(row);
		if (format.validity.RowIsValid(index)) {
			bytes += strings[index].GetSize();
		}
	}
	return bytes;
}

idx_t RowBytes::Bytes(idx_t offset, idx_t count) const {
	idx_t bytes = fixed_row_bytes_ * count;
	for (auto &column : variable_) {
		if (column.logical_type.InternalType() == PhysicalType::VARCHAR) {
			bytes += StringBytes(column.unified, offset, count);
			continue;
		}
		for (idx_t row = offset; row < offset + count; row++) {
			bytes += ValueBytes(column, row);
		}
	}
	return bytes;
}

idx_t RowBytes::RowsToAppend(idx_t offset, idx_t available, idx_t buffered_rows, idx_t buffered_bytes,
                             idx_t max_bytes, idx_t &bytes) const {
	idx_t budget = buffered_bytes < max_bytes ? max_bytes - buffered_bytes : 0;
	bytes = Bytes(offset, available);
	if (bytes <= budget) {
		return available;
	}
	idx_t rows = 0;
	bytes = 0;
	while (rows < available) {
		auto row_bytes = Bytes(offset + rows, 1);
		if (bytes + row_bytes > budget && (rows > 0 || buffered_rows > 0)) {
			break;
		}
		bytes += row_bytes;
		rows++;
	}
	return rows;
}

} // namespace openduck
