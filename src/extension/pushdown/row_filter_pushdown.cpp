#include "extension/pushdown/row_filter_pushdown.hpp"

#include "duckdb/planner/expression/bound_columnref_expression.hpp"
#include "duckdb/planner/expression/bound_comparison_expression.hpp"
#include "duckdb/planner/expression/bound_conjunction_expression.hpp"
#include "duckdb/planner/expression/bound_constant_expression.hpp"
#include "duckdb/planner/expression/bound_operator_expression.hpp"
#include "duckdb/planner/operator/logical_filter.hpp"
#include "duckdb/planner/operator/logical_get.hpp"
#include "extension/pushdown/filter_sql.hpp"
#include "extension/pushdown/sql_rewrite.hpp"
#include "extension/scan/remote_scan.hpp"

namespace openduck {

using namespace duckdb;

namespace {

// A column of `get` or a constant, as SQL for the worker.
bool RenderOperand(Expression &expression, LogicalGet &get, std::string &out) {
	if (!IsScalarLiteralType(expression.return_type)) {
		return false;
	}
	switch (expression.GetExpressionClass()) {
	case ExpressionClass::BOUND_COLUMN_REF: {
		auto &binding = expression.Cast<BoundColumnRefExpression>().binding;
		if (binding.table_index != get.table_index) {
			return false;
		}
		auto name = RemoteColumnName(get, binding.column_index);
		out = QuoteIdentifier(name);
		return !name.empty();
	}
	case ExpressionClass::BOUND_CONSTANT:
		return TryRenderLiteral(expression.Cast<BoundConstantExpression>().value, out);
	default:
		return false;
	}
}

bool Render(Expression &expression, LogicalGet &get, std::string &out) {
	switch (expression.GetExpressionClass()) {
	case ExpressionClass::BOUND_COMPARISON: {
		auto &comparison = expression.Cast<BoundComparisonExpression>();
		auto op = ComparisonSQL(comparison.GetExpressionType());
		std::string left, right;
		if (!op || comparison.left->return_type != comparison.right->return_type ||
		    !RenderOperand(*comparison.left, get, left) || !RenderOperand(*comparison.right, get, right)) {
			return false;
		}
		out = "(" + left + " " + op + " " + right + ")";
		return true;
	}
	case ExpressionClass::BOUND_CONJUNCTION: {
		auto &conjunction = expression.Cast<BoundConjunctionExpression>();
		auto separator = conjunction.GetExpressionType() == ExpressionType::CONJUNCTION_AND ? " AND " : " OR ";
		std::string result;
		for (auto &child : conjunction.children) {
			std::string child_sql;
			if (!Render(*child, get, child_sql)) {
				return false;
			}
			result += (result.empty() ? "(" : separator) + child_sql;
		}
		out = result + ")";
		return !result.empty();
	}
	case ExpressionClass::BOUND_OPERATOR: {
		auto &operation = expression.Cast<BoundOperatorExpression>();
		auto type = operation.GetExpressionType();
		std::string operand;
		if ((type != ExpressionType::OPERATOR_IS_NULL && type != ExpressionType::OPERATOR_IS_NOT_NULL) ||
		    operation.children.size() != 1 || !RenderOperand(*operation.children[0], get, operand)) {
			return false;
		}
		out = "(" + operand + (type == ExpressionType::OPERATOR_IS_NULL ? " IS NULL)" : " IS NOT NULL)");
		return true;
	}
	default:
		return false;
	}
}

void Visit(LogicalOperator &op) {
	if (op.type == LogicalOperatorType::LOGICAL_FILTER && op.children.size() == 1 &&
	    op.children[0]->type == LogicalOperatorType::LOGICAL_GET) {
		auto &get = op.children[0]->Cast<LogicalGet>();
		if (ScannedRelation(get)) {
			for (auto &expression : op.Cast<LogicalFilter>().expressions) {
				std::string sql;
				if (Render(*expression, get, sql)) {
					AddRowFilter(get, sql);
				}
			}
		}
	}
	for (auto &child : op.children) {
		Visit(*child);
	}
}

void PostOptimize(OptimizerExtensionInput &, unique_ptr<LogicalOperator> &plan) {
	Visit(*plan);
}

} // namespace

OptimizerExtension RowFilterPushdownExtension() {
	OptimizerExtension extension;
	extension.optimize_function = PostOptimize;
	return extension;
}

} // namespace openduck
