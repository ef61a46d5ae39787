#include "arrow/direct_column.hpp"

#include "arrow/arrow_layout.hpp"
#include "duckdb/common/exception.hpp"
#include "duckdb/common/types/string_type.hpp"

#include <cstring>
#include <limits>

namespace openduck {

using namespace duckdb;

bool DirectColumn::Supports(const LogicalType &type, const char *format) {
	switch (type.id()) {
	case LogicalTypeId::VARCHAR:
		return std::strcmp(format, "u") == 0;
	case LogicalTypeId::TINYINT:
	case LogicalTypeId::SMALLINT:
	case LogicalTypeId::INTEGER:
	case LogicalTypeId::BIGINT:
	case LogicalTypeId::UTINYINT:
	case LogicalTypeId::USMALLINT:
	case LogicalTypeId::UINTEGER:
	case LogicalTypeId::UBIGINT:
	case LogicalTypeId::FLOAT:
	case LogicalTypeId::DOUBLE:
	case LogicalTypeId::DATE:
	case LogicalTypeId::TIME:
	case LogicalTypeId::TIMESTAMP:
	case LogicalTypeId::TIMESTAMP_TZ:
	case LogicalTypeId::TIMESTAMP_SEC:
	case LogicalTypeId::TIMESTAMP_MS:
	case LogicalTypeId::TIMESTAMP_NS:
	case LogicalTypeId::DECIMAL: {
		// Same unit, same width: the bytes are the Arrow values. A DECIMAL(4) (int16 in DuckDB,
		// decimal32 in Arrow) differs in width and stays with ArrowAppender.
		auto layout = ArrowLayout::FromFormat(format);
		return layout.kind == ArrowLayoutKind::FIXED_WIDTH &&
		       layout.width == static_cast<int64_t>(GetTypeIdSize(type.InternalType()));
	}
	default:
		return false;
	}
}

DirectColumn::DirectColumn(const LogicalType &type)
    : is_string_(type.id() == LogicalTypeId::VARCHAR), width_(GetTypeIdSize(type.InternalType())) {
	Reset();
}

void DirectColumn::Reset() {
	length_ = 0;
	null_count_ = 0;
	validity_.resize(0);
	string_data_.resize(0);
	if (is_string_) {
		values_.resize(sizeof(int32_t));
		reinterpret_cast<int32_t *>(values_.data())[0] = 0;
	} else {
		values_.resize(0);
	}
}

void DirectColumn::Append(Vector &vector, idx_t count) {
	if (count == 0) {
		return;
	}
	UnifiedVectorFormat format;
	vector.ToUnifiedFormat(count, format);
	AppendValidity(format, count);
	if (is_string_) {
		AppendStrings(format, count);
	} else {
		AppendFixed(format, count);
	}
	length_ += count;
}

void DirectColumn::AppendValidity(const UnifiedVectorFormat &format, idx_t count) {
	auto &source = format.validity;
	if (source.AllValid() && validity_.size() == 0) {
		return;
	}
	auto bytes = (length_ + count + 63) / 64 * sizeof(uint64_t);
	// Before the first NULL there is no bitmap: every earlier row was valid, so the whole new
	// range starts valid, as does the tail added for these rows.
	auto old_bytes = validity_.size();
	validity_.reserve(bytes);
	std::memset(validity_.data() + old_bytes, 0xFF, bytes - old_bytes);
	validity_.resize(bytes);
	auto words = reinterpret_cast<uint64_t *>(validity_.data());
	if (source.AllValid()) {
		return; // the new bits were set to valid above
	}
	for (idx_t i = 0; i < count; i++) {
		if (!source.RowIsValid(format.sel->get_index(i))) {
			auto row = length_ + i;
			words[row / 64] &= ~(uint64_t(1) << (row % 64));
			null_count_++;
		}
	}
}

void DirectColumn::AppendFixed(const UnifiedVectorFormat &format, idx_t count) {
	auto start = values_.size();
	values_.resize(start + count * width_);
	auto target = values_.data() + start;
	if (!format.sel->IsSet()) {
		std::memcpy(target, format.data, count * width_);
		return;
	}
	for (idx_t i = 0; i < count; i++) {
		std::memcpy(target + i * width_, format.data + format.sel->get_index(i) * width_, width_);
	}
}

void DirectColumn::AppendStrings(const UnifiedVectorFormat &format, idx_t count) {
	auto strings = UnifiedVectorFormat::GetData<string_t>(format);
	auto offset_start = values_.size();
	values_.resize(offset_start + count * sizeof(int32_t));
	auto offsets = reinterpret_cast<int32_t *>(values_.data() + offset_start) - 1;
	// First pass: offsets (NULL rows take no bytes), so the data buffer grows once per chunk.
	auto total = static_cast<idx_t>(offsets[0]);
	for (idx_t i = 0; i < count; i++) {
		auto idx = format.sel->get_index(i);
		if (format.validity.RowIsValid(idx)) {
			total += strings[idx].GetSize();
			if (total > static_cast<idx_t>(std::numeric_limits<int32_t>::max())) {
				throw InvalidInputException(
				    "a result batch holds more than 2 GiB of string data in one column; such values "
				    "cannot be sent as one Arrow string array");
			}
		}
		offsets[i + 1] = static_cast<int32_t>(total);
	}
	string_data_.resize(total);
	auto data = string_data_.data();
	for (idx_t i = 0; i < count; i++) {
		auto size = static_cast<idx_t>(offsets[i + 1] - offsets[i]);
		if (size) {
			std::memcpy(data + offsets[i], strings[format.sel->get_index(i)].GetData(), size);
		}
	}
}

const ArrowArray &DirectColumn::Finish() {
	buffers_[0] = null_count_ ? validity_.data() : nullptr;
	buffers_[1] = values_.data();
	buffers_[2] = string_data_.data();
	std::memset(&array_, 0, sizeof(array_));
	array_.length = static_cast<int64_t>(length_);
	array_.null_count = static_cast<int64_t>(null_count_);
	array_.n_buffers = is_string_ ? 3 : 2;
	array_.buffers = buffers_;
	return array_;
}

} // namespace openduck
