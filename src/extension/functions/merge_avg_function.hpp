// openduck_merge_avg(sum, count, kind): the average of a split aggregate (split_aggregate.hpp)
// from the sums and counts of its parts, computed the way DuckDB's own avg finalizes its
// state, so a split AVG equals the unsplit one bit for bit:
//   'narrow' (TINYINT, SMALLINT, DECIMAL up to 4 digits): an int64 sum divided as double;
//   'wide'   (INTEGER, BIGINT, HUGEINT, wider DECIMAL): a hugeint sum divided as long double;
//   'float'  (FLOAT, DOUBLE): sum / count in double. The parts' double sums are added in another
//            order than one scan would add them, which DuckDB's parallel scans do too.
// A DECIMAL sum is divided by count * 10^scale. NULL when the count is 0.
#pragma once

#include "duckdb/function/function_set.hpp"

#include <string>

namespace openduck {

constexpr const char *kMergeAvgFunction = "openduck_merge_avg";

duckdb::ScalarFunctionSet MergeAvgFunction();

// The kind of openduck_merge_avg for an average of `argument`, "" when such an average is
// not split.
std::string AverageKindOf(const duckdb::LogicalType &argument);

} // namespace openduck
