#include "common/column_statistics.hpp"

#include "duckdb/common/serializer/binary_deserializer.hpp"
#include "duckdb/common/serializer/binary_serializer.hpp"
#include "duckdb/common/serializer/memory_stream.hpp"

namespace openduck {

using namespace duckdb;

bool ShipsColumnStatistics(const LogicalType &type) {
	switch (type.id()) {
	case LogicalTypeId::ENUM:
		// Statistics of ENUM columns are those of the dictionary index, not of the values.
	case LogicalTypeId::BOOLEAN:
		// DuckDB cannot verify received BOOLEANs against statistics (the host's safety check).
	case LogicalTypeId::TIME_TZ:
		// Ordered by normalized time, not by the bits the statistics are checked on.
		return false;
	default:
		break;
	}
	// String statistics are not shipped: the host checks every received value against what it
	// reported, and for strings (prefix comparisons, a UTF-8 scan) that check cost about a tenth
	// of a full scan's CPU, while string min/max rarely change a plan.
	if (BaseStatistics::GetStatsType(type) != StatisticsType::NUMERIC_STATS) {
		return false;
	}
	try {
		return TransformStringToLogicalType(type.ToString()) == type;
	} catch (std::exception &) {
		return false;
	}
}

std::string EncodeColumnStatistics(const BaseStatistics &statistics) {
	MemoryStream stream;
	BinarySerializer serializer(stream);
	serializer.Begin();
	statistics.Serialize(serializer);
	serializer.End();
	return std::string(char_ptr_cast(stream.GetData()), stream.GetPosition());
}

unique_ptr<BaseStatistics> DecodeColumnStatistics(const std::string &encoded, const LogicalType &type) {
	if (encoded.empty() || !ShipsColumnStatistics(type)) {
		return nullptr;
	}
	try {
		MemoryStream stream(data_ptr_cast(const_cast<char *>(encoded.data())), encoded.size());
		BinaryDeserializer deserializer(stream);
		deserializer.Set<const LogicalType &>(type);
		deserializer.Begin();
		auto statistics = BaseStatistics::Deserialize(deserializer);
		deserializer.End();
		if (stream.GetPosition() != encoded.size()) {
			return nullptr;
		}
		return statistics.ToUnique();
	} catch (std::exception &) {
		// Unreadable statistics are no statistics: the optimizer then assumes nothing.
		return nullptr;
	}
}

} // namespace openduck
