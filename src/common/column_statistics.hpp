// The wire form of a column's DuckDB statistics (ColumnInfo.statistics in the proto): the
// worker encodes the BaseStatistics of its own table, the extension decodes them for the host's
// optimizer. DuckDB's BinarySerializer is used because it is exact for every type (numeric
// min/max in their physical type, string prefixes, maximum string length, unicode and null
// flags); both sides run the same DuckDB version, which Handshake enforces.
// Stateless functions; thread-safe.
#pragma once

#include "duckdb/common/types.hpp"
#include "duckdb/storage/statistics/base_statistics.hpp"

#include <string>

namespace openduck {

// Whether statistics of a column of `type` are shipped. Only flat types whose statistics carry
// numeric min/max (integers, floats, DECIMAL, temporal), and only when `type` survives the round trip through its
// SQL spelling that GetCatalog uses: the host must decode with exactly the worker's type.
bool ShipsColumnStatistics(const duckdb::LogicalType &type);

std::string EncodeColumnStatistics(const duckdb::BaseStatistics &statistics);

// The statistics encoded by EncodeColumnStatistics for a column of `type`, or nullptr when
// `encoded` is empty or cannot be decoded as statistics of that type.
duckdb::unique_ptr<duckdb::BaseStatistics> DecodeColumnStatistics(const std::string &encoded,
                                                                  const duckdb::LogicalType &type);

} // namespace openduck
