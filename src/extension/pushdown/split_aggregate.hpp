// Splits one aggregate over one remote table into parts that read disjoint row ranges, so
// several read replicas can each compute a partial aggregate of their range, and a merge that
// the host runs over the parts' rows to give the statement's result.
//
//   SELECT g, sum(x), avg(y) FROM t WHERE w GROUP BY g HAVING count(*) > 1 ORDER BY g LIMIT 5
// part i:
//   SELECT g AS k0, sum(x) AS a0, sum(y) AS a1, count(y) AS a2, count_star() AS a3
//   FROM t WHERE (w) AND rowid >= lo_i AND rowid < hi_i GROUP BY g
// merge (over the union of the parts):
//   SELECT k0 AS g, sum(a0) AS "sum(x)", openduck_merge_avg(sum(a1), sum(a2), ...) AS "avg(y)"
//   FROM <parts> GROUP BY k0 HAVING CAST(sum(a3) AS BIGINT) > 1 ORDER BY g LIMIT 5
//
// Only what merges exactly is split: SUM, COUNT, COUNT(*), MIN, MAX and AVG (of integers,
// decimals and floating point; see merge_avg_function.hpp), without DISTINCT, FILTER or ORDER
// BY inside; plain GROUP BY expressions; HAVING, ORDER BY and LIMIT applied by the merge. Any
// other shape (joins, subqueries, window functions, DISTINCT, GROUPING SETS, a table with a
// column named rowid, ...) is not split. The caller binds the merge and keeps its plan only when
// the result's types equal the statement's.
#pragma once

#include "duckdb/main/client_context.hpp"
#include "duckdb/parser/parsed_expression.hpp"
#include "duckdb/parser/query_node/select_node.hpp"
#include "duckdb/parser/statement/select_statement.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace openduck {

struct AggregateSplit {
	// The partial aggregate without its row range (the WHERE of each part adds one).
	duckdb::unique_ptr<duckdb::SelectNode> partial;
	// The merge; its FROM is left empty for the caller (the table function reading the parts).
	duckdb::unique_ptr<duckdb::SelectNode> merge;
	// The argument of every AVG, in the order of their openduck_merge_avg calls in `merge`: how
	// an average merges depends on its argument's type, which the caller learns from the worker
	// and passes to SetAverageKinds.
	duckdb::vector<duckdb::unique_ptr<duckdb::ParsedExpression>> average_arguments;
};

// The split of `statement` (whose table references the worker can already run), or nullopt
// when its shape is not one that merges exactly.
std::optional<AggregateSplit> SplitAggregate(duckdb::ClientContext &context, const duckdb::SelectStatement &statement);

// Sets how each AVG of `split.merge` merges, from its argument's type (same order as
// average_arguments); false when one of them has a type whose average is not split.
bool SetAverageKinds(AggregateSplit &split, const duckdb::vector<duckdb::LogicalType> &argument_types);

// The SQL of the part that reads rows [lower, upper) of the table (by rowid; no bound when
// the value is nullopt).
std::string PartSql(const duckdb::SelectNode &partial, std::optional<int64_t> lower, std::optional<int64_t> upper);

} // namespace openduck
