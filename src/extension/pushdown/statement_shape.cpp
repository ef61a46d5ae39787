#include "extension/pushdown/statement_shape.hpp"

#include "duckdb/parser/expression/between_expression.hpp"
#include "duckdb/parser/expression/cast_expression.hpp"
#include "duckdb/parser/expression/comparison_expression.hpp"
#include "duckdb/parser/expression/conjunction_expression.hpp"
#include "duckdb/parser/expression/operator_expression.hpp"
#include "duckdb/parser/expression/columnref_expression.hpp"
#include "duckdb/parser/expression/constant_expression.hpp"
#include "duckdb/parser/query_node/select_node.hpp"
#include "duckdb/parser/statement/delete_statement.hpp"
#include "duckdb/parser/statement/insert_statement.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/statement/update_statement.hpp"
#include "duckdb/parser/tableref/expressionlistref.hpp"

namespace openduck {

using namespace duckdb;

// Replaces a literal (or a cast literal, as in DATE '2024-01-01') by a placeholder naming its
// type; false for anything else, whose value may matter to binding (a function's argument can
// name a struct field or a file).
static bool MaskLiteral(unique_ptr<ParsedExpression> &expression) {
	auto *target = &expression;
	if ((*target)->GetExpressionClass() == ExpressionClass::CAST) {
		target = &(*target)->Cast<CastExpression>().child;
	}
	if ((*target)->GetExpressionClass() != ExpressionClass::CONSTANT) {
		return false;
	}
	auto type = (*target)->Cast<ConstantExpression>().value.type().ToString();
	*target = make_uniq<ColumnRefExpression>("?" + type);
	return true;
}

// Masks the literals a condition only compares with (operands of comparisons, IN lists and
// BETWEEN, under AND, OR and NOT); any other literal stays, and with it its value in the shape.
static void MaskComparedLiterals(ParsedExpression &condition) {
	switch (condition.GetExpressionClass()) {
	case ExpressionClass::CONJUNCTION:
		for (auto &child : condition.Cast<ConjunctionExpression>().children) {
			MaskComparedLiterals(*child);
		}
		break;
	case ExpressionClass::COMPARISON: {
		auto &comparison = condition.Cast<ComparisonExpression>();
		MaskLiteral(comparison.left);
		MaskLiteral(comparison.right);
		break;
	}
	case ExpressionClass::BETWEEN: {
		auto &between = condition.Cast<BetweenExpression>();
		MaskLiteral(between.lower);
		MaskLiteral(between.upper);
		break;
	}
	case ExpressionClass::OPERATOR: {
		auto &operation = condition.Cast<OperatorExpression>();
		auto type = operation.GetExpressionType();
		if (type == ExpressionType::OPERATOR_NOT && operation.children.size() == 1) {
			MaskComparedLiterals(*operation.children[0]);
		} else if (type == ExpressionType::COMPARE_IN || type == ExpressionType::COMPARE_NOT_IN) {
			for (idx_t i = 1; i < operation.children.size(); i++) {
				MaskLiteral(operation.children[i]);
			}
		}
		break;
	}
	default:
		break;
	}
}

// UPDATE t SET c = <literal> ... WHERE ... and DELETE FROM t WHERE ..., without FROM/USING, CTEs
// or RETURNING: their result is a count whatever the values.
static std::string ModifyShape(const SQLStatement &statement) {
	auto copy = statement.Copy();
	if (copy->type == StatementType::UPDATE_STATEMENT) {
		auto &update = copy->Cast<UpdateStatement>();
		if (update.from_table || !update.returning_list.empty() || !update.cte_map.map.empty()) {
			return "";
		}
		for (auto &value : update.set_info->expressions) {
			MaskLiteral(value);
		}
		if (update.set_info->condition) {
			MaskComparedLiterals(*update.set_info->condition);
		}
	} else {
		auto &del = copy->Cast<DeleteStatement>();
		if (!del.using_clauses.empty() || !del.returning_list.empty() || !del.cte_map.map.empty()) {
			return "";
		}
		if (del.condition) {
			MaskComparedLiterals(*del.condition);
		}
	}
	return "shape: " + copy->ToString();
}

std::string StatementShape(const SQLStatement &statement) {
	if (statement.type == StatementType::UPDATE_STATEMENT || statement.type == StatementType::DELETE_STATEMENT) {
		return ModifyShape(statement);
	}
	if (statement.type != StatementType::INSERT_STATEMENT) {
		return "";
	}
	auto copy = statement.Copy();
	auto &insert = copy->Cast<InsertStatement>();
	// ToString renders conflict clauses and RETURNING loosely (upsert_sql.hpp): no shape.
	if (insert.on_conflict_info || !insert.returning_list.empty() || !insert.select_statement ||
	    insert.select_statement->node->type != QueryNodeType::SELECT_NODE) {
		return "";
	}
	auto &node = insert.select_statement->node->Cast<SelectNode>();
	if (!node.from_table || node.from_table->type != TableReferenceType::EXPRESSION_LIST) {
		return "";
	}
	for (auto &row : node.from_table->Cast<ExpressionListRef>().values) {
		for (auto &value : row) {
			if (!MaskLiteral(value)) {
				return "";
			}
		}
	}
	return "shape: " + insert.ToString();
}

} // namespace openduck
