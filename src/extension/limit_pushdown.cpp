#include "extension/limit_pushdown.hpp"

#include "duckdb/planner/expression/bound_columnref_expression.hpp"
#include "duckdb/planner/operator/logical_get.hpp"
#include "duckdb/planner/operator/logical_limit.hpp"
#include "duckdb/planner/operator/logical_top_n.hpp"
#include "extension/remote_scan.hpp"

namespace openduck {

using namespace duckdb;

namespace {

// limit + offset when both are constants (offset may be absent), else 0.
idx_t RowsNeeded(LogicalLimit &limit) {
	if (limit.limit_val.Type() != LimitNodeType::CONSTANT_VALUE) {
		return 0;
	}
	idx_t offset = 0;
	if (limit.offset_val.Type() == LimitNodeType::CONSTANT_VALUE) {
		offset = limit.offset_val.GetConstantValue();
	} else if (limit.offset_val.Type() != LimitNodeType::UNSET) {
		return 0;
	}
	return limit.limit_val.GetConstantValue() + offset;
}

// " ORDER BY ..." over columns of `get`, or "" when an order key is not a plain remote column.
std::string OrderSQL(LogicalTopN &top_n, LogicalGet &get) {
	std::string sql;
	for (auto &order : top_n.orders) {
		if (order.expression->GetExpressionClass() != ExpressionClass::BOUND_COLUMN_REF) {
			return "";
		}
		auto &ref = order.expression->Cast<BoundColumnRefExpression>();
		if (ref.binding.table_index != get.table_index) {
			return "";
		}
		auto name = RemoteColumnName(get, ref.binding.column_index);
		if (name.empty()) {
			return "";
		}
		sql += sql.empty() ? " ORDER BY " : ", ";
		sql += KeywordHelper::WriteQuoted(name, '"');
		sql += order.type == OrderType::DESCENDING ? " DESC" : " ASC";
		sql += order.null_order == OrderByNullType::NULLS_FIRST ? " NULLS FIRST" : " NULLS LAST";
	}
	return sql;
}

void Visit(LogicalOperator &op) {
	if (op.type == LogicalOperatorType::LOGICAL_LIMIT && op.children.size() == 1) {
		auto rows = RowsNeeded(op.Cast<LogicalLimit>());
		auto *child = op.children[0].get();
		while (child->type == LogicalOperatorType::LOGICAL_PROJECTION && child->children.size() == 1) {
			child = child->children[0].get();
		}
		if (rows && child->type == LogicalOperatorType::LOGICAL_GET) {
			PushRowLimit(child->Cast<LogicalGet>(), rows, "");
		}
	} else if (op.type == LogicalOperatorType::LOGICAL_TOP_N && op.children.size() == 1 &&
	           op.children[0]->type == LogicalOperatorType::LOGICAL_GET) {
		auto &top_n = op.Cast<LogicalTopN>();
		auto &get = op.children[0]->Cast<LogicalGet>();
		auto order = OrderSQL(top_n, get);
		if (!order.empty()) {
			PushRowLimit(get, top_n.limit + top_n.offset, order);
		}
	}
	for (auto &child : op.children) {
		Visit(*child);
	}
}

void PostOptimize(OptimizerExtensionInput &input, unique_ptr<LogicalOperator> &plan) {
	Visit(*plan);
}

} // namespace

OptimizerExtension LimitPushdownExtension() {
	OptimizerExtension extension;
	extension.optimize_function = PostOptimize;
	return extension;
}

} // namespace openduck
