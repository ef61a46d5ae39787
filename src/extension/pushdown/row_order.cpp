#include "extension/pushdown/row_order.hpp"

#include "duckdb/main/config.hpp"
#include "duckdb/main/settings.hpp"
#include "duckdb/planner/expression/bound_aggregate_expression.hpp"
#include "duckdb/planner/operator/logical_aggregate.hpp"
#include "duckdb/planner/operator/logical_comparison_join.hpp"
#include "duckdb/planner/operator/logical_distinct.hpp"
#include "duckdb/planner/operator/logical_get.hpp"
#include "extension/functions/query_function.hpp"
#include "extension/scan/remote_scan.hpp"

namespace openduck {

using namespace duckdb;

namespace {

bool OrderFreeAggregate(LogicalAggregate &aggregate) {
	for (auto &expression : aggregate.expressions) {
		if (expression->GetExpressionClass() != ExpressionClass::BOUND_AGGREGATE) {
			return false;
		}
		auto &call = expression->Cast<BoundAggregateExpression>();
		if (call.function.order_dependent != AggregateOrderDependent::NOT_ORDER_DEPENDENT || call.order_bys) {
			return false;
		}
	}
	return true;
}

// DuckDB plans a comparison join with an equality as a hash join that builds on its right child.
bool HashJoin(LogicalComparisonJoin &join) {
	if (join.type != LogicalOperatorType::LOGICAL_COMPARISON_JOIN) {
		return false; // delim and dependent joins: the children's roles differ
	}
	for (auto &condition : join.conditions) {
		if (condition.comparison == ExpressionType::COMPARE_EQUAL ||
		    condition.comparison == ExpressionType::COMPARE_NOT_DISTINCT_FROM) {
			return true;
		}
	}
	return false;
}

// `observed`: something above `op` sees the order of the rows `op` produces. With `anywhere`
// the session has preserve_insertion_order off: nothing but an ORDER BY orders rows, on the
// host as on the worker.
void Visit(LogicalOperator &op, bool observed, bool anywhere) {
	if (anywhere) {
		observed = false;
	}
	switch (op.type) {
	case LogicalOperatorType::LOGICAL_GET:
		if (!observed) {
			AllowAnyRowOrder(op.Cast<LogicalGet>()) || AllowQueryAnyRowOrder(op.Cast<LogicalGet>());
		}
		break;
	case LogicalOperatorType::LOGICAL_PROJECTION:
	case LogicalOperatorType::LOGICAL_FILTER:
		break; // rows pass through in order
	case LogicalOperatorType::LOGICAL_AGGREGATE_AND_GROUP_BY:
		observed = !OrderFreeAggregate(op.Cast<LogicalAggregate>());
		break;
	case LogicalOperatorType::LOGICAL_DISTINCT: {
		auto &distinct = op.Cast<LogicalDistinct>();
		observed = distinct.distinct_type != DistinctType::DISTINCT || distinct.order_by;
		break;
	}
	case LogicalOperatorType::LOGICAL_COMPARISON_JOIN:
		if (HashJoin(op.Cast<LogicalComparisonJoin>()) && op.children.size() == 2) {
			Visit(*op.children[0], observed, anywhere);
			Visit(*op.children[1], false, anywhere);
			return;
		}
		observed = true;
		break;
	default:
		observed = true;
		break;
	}
	for (auto &child : op.children) {
		Visit(*child, observed, anywhere);
	}
}

void PostOptimize(OptimizerExtensionInput &input, unique_ptr<LogicalOperator> &plan) {
	Visit(*plan, true, !DBConfig::GetSetting<PreserveInsertionOrderSetting>(input.context));
}

} // namespace

OptimizerExtension RowOrderExtension() {
	OptimizerExtension extension;
	extension.optimize_function = PostOptimize;
	return extension;
}

} // namespace openduck
