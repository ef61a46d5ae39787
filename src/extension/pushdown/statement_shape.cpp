#include "extension/pushdown/statement_shape.hpp"

#include "duckdb/parser/expression/cast_expression.hpp"
#include "duckdb/parser/expression/columnref_expression.hpp"
#include "duckdb/parser/expression/constant_expression.hpp"
#include "duckdb/parser/query_node/select_node.hpp"
#include "duckdb/parser/statement/insert_statement.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
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

std::string StatementShape(const SQLStatement &statement) {
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
