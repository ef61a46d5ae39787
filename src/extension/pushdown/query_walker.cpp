#include "extension/pushdown/query_walker.hpp"

#include "duckdb/parser/expression/subquery_expression.hpp"
#include "duckdb/parser/parsed_expression_iterator.hpp"
#include "duckdb/parser/query_node/cte_node.hpp"
#include "duckdb/parser/query_node/recursive_cte_node.hpp"
#include "duckdb/parser/query_node/set_operation_node.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/tableref/joinref.hpp"
#include "duckdb/parser/tableref/subqueryref.hpp"

namespace openduck {

using namespace duckdb;

void QueryWalker::Node(QueryNode &node) {
	EnterNode(node);
	for (auto &cte : node.cte_map.map) {
		Node(*cte.second->query->node);
	}
	switch (node.type) {
	case QueryNodeType::SELECT_NODE: {
		auto &select = node.Cast<SelectNode>();
		Select(select);
		for (auto &expression : select.select_list) {
			Expression(*expression);
		}
		for (auto &expression : select.groups.group_expressions) {
			Expression(*expression);
		}
		for (auto *clause : {&select.where_clause, &select.having, &select.qualify}) {
			if (*clause) {
				Expression(**clause);
			}
		}
		if (select.from_table) {
			Ref(select.from_table);
		}
		break;
	}
	case QueryNodeType::SET_OPERATION_NODE: {
		auto &set_operation = node.Cast<SetOperationNode>();
		Node(*set_operation.left);
		Node(*set_operation.right);
		break;
	}
	case QueryNodeType::CTE_NODE: {
		auto &cte = node.Cast<CTENode>();
		Node(*cte.query);
		Node(*cte.child);
		break;
	}
	case QueryNodeType::RECURSIVE_CTE_NODE: {
		auto &cte = node.Cast<RecursiveCTENode>();
		Node(*cte.left);
		Node(*cte.right);
		break;
	}
	default:
		break;
	}
	ParsedExpressionIterator::EnumerateQueryNodeModifiers(
	    node, [&](unique_ptr<ParsedExpression> &expression) { Expression(*expression); });
	LeaveNode(node);
}

void QueryWalker::Expression(ParsedExpression &expression) {
	if (expression.GetExpressionClass() == ExpressionClass::SUBQUERY) {
		Node(*expression.Cast<SubqueryExpression>().subquery->node);
	}
	ParsedExpressionIterator::EnumerateChildren(expression, [&](ParsedExpression &child) { Expression(child); });
}

void QueryWalker::Ref(unique_ptr<TableRef> &slot) {
	switch (slot->type) {
	case TableReferenceType::BASE_TABLE:
		Table(slot);
		break;
	case TableReferenceType::SUBQUERY:
		Node(*slot->Cast<SubqueryRef>().subquery->node);
		break;
	case TableReferenceType::JOIN: {
		auto &join = slot->Cast<JoinRef>();
		Ref(join.left);
		Ref(join.right);
		if (join.condition) {
			Expression(*join.condition);
		}
		break;
	}
	default:
		break;
	}
}

} // namespace openduck
