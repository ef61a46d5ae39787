#include "extension/sql_rewrite.hpp"

#include "duckdb/catalog/catalog_search_path.hpp"
#include "duckdb/common/string_util.hpp"
#include "duckdb/main/client_data.hpp"
#include "duckdb/parser/expression/subquery_expression.hpp"
#include "duckdb/parser/parsed_expression_iterator.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/tableref/basetableref.hpp"
#include "extension/od_catalog.hpp"

namespace openduck {

using namespace duckdb;

ReferenceRewriter::ReferenceRewriter(const std::string &alias, const std::string &default_schema)
    : alias_(alias), default_schema_(default_schema) {
}

bool ReferenceRewriter::Rewrite(QueryNode &node) {
	CollectCTEs(node);
	ParsedExpressionIterator::EnumerateQueryNodeChildren(
	    node, [&](unique_ptr<ParsedExpression> &child) { VisitExpression(*child); },
	    [&](TableRef &ref) { VisitRef(ref); });
	return ok_;
}

void ReferenceRewriter::CollectCTEs(QueryNode &node) {
	for (auto &cte : node.cte_map.map) {
		ctes_.insert(cte.first);
	}
}

void ReferenceRewriter::VisitExpression(ParsedExpression &expression) {
	if (expression.GetExpressionClass() == ExpressionClass::SUBQUERY) {
		auto &subquery = expression.Cast<SubqueryExpression>();
		Rewrite(*subquery.subquery->node);
	}
	ParsedExpressionIterator::EnumerateChildren(expression, [&](ParsedExpression &child) { VisitExpression(child); });
}

void ReferenceRewriter::VisitRef(TableRef &ref) {
	if (ref.type != TableReferenceType::BASE_TABLE) {
		return;
	}
	auto &table = ref.Cast<BaseTableRef>();
	if (!table.catalog_name.empty()) {
		if (!StringUtil::CIEquals(table.catalog_name, alias_)) {
			ok_ = false;
		}
		table.catalog_name.clear();
	} else if (StringUtil::CIEquals(table.schema_name, alias_)) {
		// "cloud.t": the binder took "cloud" for the catalog and used its default schema.
		table.schema_name.clear();
	} else if (table.schema_name.empty() && ctes_.find(table.table_name) == ctes_.end()) {
		if (default_schema_.empty()) {
			ok_ = false;
		}
		table.schema_name = default_schema_;
	}
}

std::string RemoteDefaultSchema(ClientContext &context, ODCatalog &catalog) {
	auto &search_default = ClientData::Get(context).catalog_search_path->GetDefault();
	if (StringUtil::CIEquals(search_default.catalog, catalog.GetName())) {
		return search_default.schema;
	}
	return "";
}

} // namespace openduck
