// Walks every query node, expression and table reference of a parsed query: subqueries, CTEs,
// derived tables, joins and modifiers (ORDER BY, LIMIT) included, calling the hooks a subclass
// overrides on the way. Table functions, PIVOT and VALUES lists are not entered.
// Used by view_expansion.cpp and applied_conditions.cpp. Not thread-safe: one walk at a time.
#pragma once

#include "duckdb/parser/parsed_expression.hpp"
#include "duckdb/parser/query_node.hpp"
#include "duckdb/parser/query_node/select_node.hpp"
#include "duckdb/parser/tableref.hpp"

namespace openduck {

class QueryWalker {
public:
	virtual ~QueryWalker() = default;

	void Node(duckdb::QueryNode &node);

protected:
	// Before anything of `node` (its CTEs first) is walked, and after all of it was.
	virtual void EnterNode(duckdb::QueryNode &node) {
	}
	virtual void LeaveNode(duckdb::QueryNode &node) {
	}
	// A SELECT, before its clauses and its FROM are walked.
	virtual void Select(duckdb::SelectNode &select) {
	}
	// A base table reference; the hook may replace it in `slot`.
	virtual void Table(duckdb::unique_ptr<duckdb::TableRef> &slot) {
	}

private:
	void Expression(duckdb::ParsedExpression &expression);
	void Ref(duckdb::unique_ptr<duckdb::TableRef> &slot);
};

} // namespace openduck
