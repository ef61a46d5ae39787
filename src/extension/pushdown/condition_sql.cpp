#include "extension/pushdown/condition_sql.hpp"

#include "duckdb/common/case_insensitive_map.hpp"
#include "duckdb/common/string_util.hpp"
#include "duckdb/planner/expression/bound_comparison_expression.hpp"
#include "duckdb/planner/expression/bound_conjunction_expression.hpp"
#include "duckdb/planner/expression/bound_constant_expression.hpp"
#include "duckdb/planner/expression/bound_function_expression.hpp"
#include "duckdb/planner/expression/bound_operator_expression.hpp"
#include "extension/pushdown/sql_literals.hpp"

namespace openduck {

using namespace duckdb;

namespace {

// The functions sent (why only these: condition_sql.hpp).
const case_insensitive_set_t kSentFunctions = {"substring", "substr",  "prefix", "suffix",  "starts_with",
                                               "ends_with", "contains", "lower",  "upper",   "lcase",
                                               "ucase",     "length",   "strlen", "trim",    "ltrim",
                                               "rtrim",     "~~",       "!~~",    "~~*",     "!~~*"};

// substring fails for an offset or length outside DuckDB's range (about 32 bits): it is sent only
// with constant offsets and lengths well inside it.
constexpr int64_t kSubstringBound = int64_t(1) << 31;
bool IsSubstring(const BoundFunctionExpression &function) {
	return StringUtil::CIEquals(function.function.name, "substring") ||
	       StringUtil::CIEquals(function.function.name, "substr");
}
bool SubstringArgumentsInBounds(const BoundFunctionExpression &function) {
	for (idx_t i = 1; i < function.children.size(); i++) {
		auto &argument = *function.children[i];
		if (argument.GetExpressionClass() != ExpressionClass::BOUND_CONSTANT) {
			return false;
		}
		auto value = argument.Cast<BoundConstantExpression>().value;
		if (value.IsNull() || !value.type().IsIntegral() || !value.DefaultTryCastAs(LogicalType::BIGINT)) {
			return false;
		}
		auto number = value.GetValue<int64_t>();
		if (number < -kSubstringBound || number > kSubstringBound) {
			return false;
		}
	}
	return true;
}

bool RenderValue(const Expression &expression, const ColumnRenderer &column_sql, std::string &out);

// Each of `values` as SQL for the worker, or false.
bool RenderValues(const vector<unique_ptr<Expression>> &values, const ColumnRenderer &column_sql,
                  vector<std::string> &out) {
	for (auto &value : values) {
		out.emplace_back();
		if (!RenderValue(*value, column_sql, out.back())) {
			return false;
		}
	}
	return true;
}

// A value over the scan's columns, as SQL for the worker.
bool RenderValue(const Expression &expression, const ColumnRenderer &column_sql, std::string &out) {
	if (!IsScalarLiteralType(expression.return_type)) {
		return false;
	}
	switch (expression.GetExpressionClass()) {
	case ExpressionClass::BOUND_COLUMN_REF:
	case ExpressionClass::BOUND_REF:
		out = column_sql(expression);
		return !out.empty();
	case ExpressionClass::BOUND_CONSTANT:
		return TryRenderLiteral(expression.Cast<BoundConstantExpression>().value, out);
	case ExpressionClass::BOUND_FUNCTION: {
		auto &function = expression.Cast<BoundFunctionExpression>();
		auto &name = function.function.name;
		if (!kSentFunctions.count(name) || function.children.empty() ||
		    (IsSubstring(function) && !SubstringArgumentsInBounds(function))) {
			return false;
		}
		vector<std::string> arguments;
		if (!RenderValues(function.children, column_sql, arguments)) {
			return false;
		}
		if (function.is_operator) {
			if (arguments.size() != 2) {
				return false;
			}
			out = "(" + arguments[0] + " " + name + " " + arguments[1] + ")";
		} else {
			out = name + "(" + StringUtil::Join(arguments, ", ") + ")";
		}
		return true;
	}
	default:
		return false;
	}
}

} // namespace

bool RenderCondition(const Expression &expression, const ColumnRenderer &column_sql, std::string &out) {
	switch (expression.GetExpressionClass()) {
	case ExpressionClass::BOUND_COMPARISON: {
		auto &comparison = expression.Cast<BoundComparisonExpression>();
		auto op = ComparisonSQL(comparison.GetExpressionType());
		std::string left, right;
		if (!op || comparison.left->return_type != comparison.right->return_type ||
		    !RenderValue(*comparison.left, column_sql, left) || !RenderValue(*comparison.right, column_sql, right)) {
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
			if (!RenderCondition(*child, column_sql, child_sql)) {
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
		if (type == ExpressionType::OPERATOR_NOT) {
			std::string operand;
			if (operation.children.size() != 1 || !RenderCondition(*operation.children[0], column_sql, operand)) {
				return false;
			}
			out = "(NOT " + operand + ")";
			return true;
		}
		if (type == ExpressionType::COMPARE_IN || type == ExpressionType::COMPARE_NOT_IN) {
			for (auto &child : operation.children) {
				if (child->return_type != operation.children[0]->return_type) {
					return false;
				}
			}
		}
		vector<std::string> operands;
		if (!RenderValues(operation.children, column_sql, operands)) {
			return false;
		}
		switch (type) {
		case ExpressionType::OPERATOR_IS_NULL:
		case ExpressionType::OPERATOR_IS_NOT_NULL:
			if (operands.size() != 1) {
				return false;
			}
			out = "(" + operands[0] + (type == ExpressionType::OPERATOR_IS_NULL ? " IS NULL)" : " IS NOT NULL)");
			return true;
		case ExpressionType::COMPARE_IN:
		case ExpressionType::COMPARE_NOT_IN: {
			if (operands.size() < 2) {
				return false;
			}
			auto first = operands[0];
			operands.erase(operands.begin());
			out = "(" + first + (type == ExpressionType::COMPARE_IN ? " IN (" : " NOT IN (") +
			      StringUtil::Join(operands, ", ") + "))";
			return true;
		}
		default:
			return false;
		}
	}
	default:
		// A boolean value: a function (prefix(s, 'x'), s LIKE '%x%') or a BOOLEAN column.
		return expression.return_type == LogicalType::BOOLEAN && RenderValue(expression, column_sql, out);
	}
}

} // namespace openduck
