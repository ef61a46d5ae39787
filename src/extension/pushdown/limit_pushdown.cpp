#include "extension/pushdown/limit_pushdown.hpp"

#include "duckdb/planner/expression/bound_columnref_expression.hpp"
#include "duckdb/planner/operator/logical_get.hpp"
#include "duckdb/planner/operator/logical_limit.hpp"
#include "duckdb/planner/operator/logical_projection.hpp"
#include "duckdb/planner/operator/logical_top_n.hpp"
#include "extension/scan/remote_scan.hpp"
#include "extension/pushdown/sql_rewrite.hpp"

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

// Follows `binding` down through projections that pass columns through, to `get`'s column.
// "" when it is computed on the way or does not come from a remote column.
std::string ResolveColumn(LogicalOperator &top, ColumnBinding binding, LogicalGet &get) {
	LogicalOperator *op = &top;
	while (op->type == LogicalOperatorType::LOGICAL_PROJECTION) {
		auto &projection = op->Cast<LogicalProjection>();
		if (binding.table_index != projection.table_index || binding.column_index >= projection.expressions.size()) {
			return "";
		}
		auto &expression = *projection.expressions[binding.column_index];
		if (expression.GetExpressionClass() != ExpressionClass::BOUND_COLUMN_REF) {
			return "";
		}
		binding = expression.Cast<BoundColumnRefExpression>().binding;
		op = op->children[0].get();
	}
	if (op != &get || binding.table_index != get.table_index) {
		return "";
	}
	return RemoteColumnName(get, binding.column_index);
}

// " ORDER BY ..." over columns of `get` (below `child`), or "" when an order key is not a plain
// remote column.
std::string OrderSQL(LogicalTopN &top_n, LogicalOperator &child, LogicalGet &get) {
	std::string sql;
	for (auto &order : top_n.orders) {
		if (order.expression->GetExpressionClass() != ExpressionClass::BOUND_COLUMN_REF) {
			return "";
		}
		auto name = ResolveColumn(child, order.expression->Cast<BoundColumnRefExpression>().binding, get);
		if (name.empty()) {
			return "";
		}
		sql += sql.empty() ? " ORDER BY " : ", ";
		sql += QuoteIdentifier(name);
		sql += order.type == OrderType::DESCENDING ? " DESC" : " ASC";
		sql += order.null_order == OrderByNullType::NULLS_FIRST ? " NULLS FIRST" : " NULLS LAST";
	}
	return sql;
}

// The remote-scan candidate below a chain of projections, or nullptr.
LogicalGet *GetBelowProjections(LogicalOperator &op) {
	auto *child = &op;
	while (child->type == LogicalOperatorType::LOGICAL_PROJECTION && child->children.size() == 1) {
		child = child->children[0].get();
	}
	return child->type == LogicalOperatorType::LOGICAL_GET ? &child->Cast<LogicalGet>() : nullptr;
}

void Visit(LogicalOperator &op) {
	if (op.type == LogicalOperatorType::LOGICAL_LIMIT && op.children.size() == 1) {
		auto rows = RowsNeeded(op.Cast<LogicalLimit>());
		auto get = GetBelowProjections(*op.children[0]);
		if (rows && get) {
			PushRowLimit(*get, rows, "");
		}
	} else if (op.type == LogicalOperatorType::LOGICAL_TOP_N && op.children.size() == 1) {
		auto &top_n = op.Cast<LogicalTopN>();
		auto get = GetBelowProjections(*op.children[0]);
		if (get) {
			auto order = OrderSQL(top_n, *op.children[0], *get);
			if (!order.empty()) {
				PushRowLimit(*get, top_n.limit + top_n.offset, order);
			}
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
