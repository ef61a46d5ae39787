#include "extension/pushdown/sql_rewrite.hpp"

#include "duckdb/parser/statement/merge_into_statement.hpp"

#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "duckdb/catalog/catalog_search_path.hpp"
#include "duckdb/common/string_util.hpp"
#include "duckdb/main/client_data.hpp"
#include "duckdb/parser/expression/columnref_expression.hpp"
#include "duckdb/parser/expression/subquery_expression.hpp"
#include "duckdb/parser/tableref/joinref.hpp"
#include "duckdb/parser/keyword_helper.hpp"
#include "duckdb/parser/expression/function_expression.hpp"
#include "duckdb/parser/expression/constant_expression.hpp"
#include "duckdb/parser/qualified_name.hpp"
#include "duckdb/parser/parsed_expression_iterator.hpp"
#include "duckdb/parser/parsed_data/create_table_info.hpp"
#include "duckdb/parser/statement/create_statement.hpp"
#include "duckdb/parser/statement/delete_statement.hpp"
#include "duckdb/parser/statement/insert_statement.hpp"
#include "duckdb/parser/statement/merge_into_statement.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/statement/update_statement.hpp"
#include "duckdb/parser/tableref/basetableref.hpp"
#include "extension/catalog/od_catalog.hpp"

namespace openduck {

using namespace duckdb;

ReferenceRewriter::ReferenceRewriter(const std::string &alias, const std::string &default_schema, bool strip_past)
    : alias_(alias), default_schema_(default_schema), strip_past_(strip_past) {
}

bool ReferenceRewriter::Rewrite(QueryNode &node) {
	CollectCTEs(node);
	scopes_.emplace_back();
	ParsedExpressionIterator::EnumerateQueryNodeChildren(
	    node, [&](unique_ptr<ParsedExpression> &child) { VisitExpression(*child); },
	    [&](TableRef &ref) { VisitRef(ref); });
	// A star reaches every column of the tables of its query (and, over-approximated, of the
	// tables of the derived tables and CTEs the enumeration walked into with it).
	auto scope = std::move(scopes_.back());
	scopes_.pop_back();
	if (scope.star) {
		columns_.all_of.insert(scope.tables.begin(), scope.tables.end());
	}
	return ok_;
}

void ReferenceRewriter::CollectCTEs(CommonTableExpressionMap &ctes) {
	for (auto &cte : ctes.map) {
		ctes_.insert(cte.first);
		Rewrite(*cte.second->query->node);
	}
}

void ReferenceRewriter::CollectCTEs(QueryNode &node) {
	for (auto &cte : node.cte_map.map) {
		ctes_.insert(cte.first);
	}
}

void ReferenceRewriter::VisitTableRef(TableRef &ref) {
	ParsedExpressionIterator::EnumerateTableRefChildren(
	    ref, [&](unique_ptr<ParsedExpression> &child) { VisitExpression(*child); }, [&](TableRef &child) { VisitRef(child); });
}

void ReferenceRewriter::VisitName(std::string &catalog, std::string &schema) {
	if (!catalog.empty()) {
		if (!StringUtil::CIEquals(catalog, alias_)) {
			ok_ = false;
		}
		catalog.clear();
	} else if (StringUtil::CIEquals(schema, alias_)) {
		schema.clear();
	} else if (schema.empty()) {
		if (default_schema_.empty()) {
			ok_ = false;
		}
		schema = default_schema_;
	}
}

bool ReferenceRewriter::Rewrite(SQLStatement &statement) {
	auto visit_all = [&](vector<unique_ptr<ParsedExpression>> &expressions) {
		for (auto &expression : expressions) {
			VisitExpression(*expression);
		}
	};
	// SET ... [WHERE ...] of UPDATE, ON CONFLICT DO UPDATE and MERGE's WHEN MATCHED.
	auto visit_set = [&](UpdateSetInfo &set) {
		visit_all(set.expressions);
		if (set.condition) {
			VisitExpression(*set.condition);
		}
	};
	switch (statement.type) {
	case StatementType::SELECT_STATEMENT:
		return Rewrite(*statement.Cast<SelectStatement>().node);
	case StatementType::INSERT_STATEMENT: {
		auto &insert = statement.Cast<InsertStatement>();
		CollectCTEs(insert.cte_map);
		// table_ref (set for ON CONFLICT) repeats the target; only its alias is rendered.
		VisitName(insert.catalog, insert.schema);
		if (insert.select_statement) {
			Rewrite(*insert.select_statement->node);
		}
		if (insert.on_conflict_info) {
			auto &conflict = *insert.on_conflict_info;
			if (conflict.condition) {
				VisitExpression(*conflict.condition);
			}
			if (conflict.set_info) {
				visit_set(*conflict.set_info);
			}
		}
		visit_all(insert.returning_list);
		return ok_;
	}
	case StatementType::UPDATE_STATEMENT: {
		auto &update = statement.Cast<UpdateStatement>();
		CollectCTEs(update.cte_map);
		VisitTableRef(*update.table);
		if (update.from_table) {
			VisitTableRef(*update.from_table);
		}
		if (update.set_info) {
			visit_set(*update.set_info);
		}
		visit_all(update.returning_list);
		return ok_;
	}
	case StatementType::DELETE_STATEMENT: {
		auto &del = statement.Cast<DeleteStatement>();
		CollectCTEs(del.cte_map);
		VisitTableRef(*del.table);
		for (auto &using_clause : del.using_clauses) {
			VisitTableRef(*using_clause);
		}
		if (del.condition) {
			VisitExpression(*del.condition);
		}
		visit_all(del.returning_list);
		return ok_;
	}
	case StatementType::MERGE_INTO_STATEMENT: {
		auto &merge = statement.Cast<MergeIntoStatement>();
		CollectCTEs(merge.cte_map);
		VisitTableRef(*merge.target);
		VisitTableRef(*merge.source);
		if (merge.join_condition) {
			VisitExpression(*merge.join_condition);
		}
		for (auto &condition : merge.actions) {
			for (auto &action : condition.second) {
				if (action->condition) {
					VisitExpression(*action->condition);
				}
				if (action->update_info) {
					visit_set(*action->update_info);
				}
				visit_all(action->expressions);
			}
		}
		visit_all(merge.returning_list);
		return ok_;
	}
	case StatementType::CREATE_STATEMENT: {
		auto &create = statement.Cast<CreateStatement>();
		if (create.info->type != CatalogType::TABLE_ENTRY) {
			return false;
		}
		auto &info = create.info->Cast<CreateTableInfo>();
		VisitName(info.catalog, info.schema);
		if (info.query) {
			Rewrite(*info.query->node);
		}
		return Rewrite(info.columns);
	}
	default:
		return false;
	}
}

void ReferenceRewriter::VisitExpression(ParsedExpression &expression) {
	if (expression.GetExpressionClass() == ExpressionClass::COLUMN_REF) {
		for (auto &name : expression.Cast<ColumnRefExpression>().column_names) {
			columns_.names.insert(name);
		}
	} else if (expression.GetExpressionClass() == ExpressionClass::STAR) {
		if (scopes_.empty()) {
			columns_.all = true;
		} else {
			scopes_.back().star = true;
		}
	}
	if (expression.GetExpressionClass() == ExpressionClass::SUBQUERY) {
		auto &subquery = expression.Cast<SubqueryExpression>();
		Rewrite(*subquery.subquery->node);
	}
	if (expression.GetExpressionClass() == ExpressionClass::FUNCTION) {
		VisitSequenceName(expression.Cast<FunctionExpression>());
	}
	ParsedExpressionIterator::EnumerateChildren(expression, [&](ParsedExpression &child) { VisitExpression(child); });
}

bool ReferenceRewriter::Rewrite(ColumnList &columns) {
	for (idx_t i = 0; i < columns.LogicalColumnCount(); i++) {
		auto &column = columns.GetColumnMutable(LogicalIndex(i));
		if (column.HasDefaultValue()) {
			auto expression = column.DefaultValue().Copy();
			VisitExpression(*expression);
			column.SetDefaultValue(std::move(expression));
		}
	}
	return ok_;
}

void ReferenceRewriter::VisitSequenceName(FunctionExpression &function) {
	// Qualified or not (main.nextval(...)): DuckDB's own function either way.
	bool sequence_function = StringUtil::CIEquals(function.function_name, "nextval") ||
	                         StringUtil::CIEquals(function.function_name, "currval");
	if (!sequence_function || function.children.size() != 1) {
		return;
	}
	auto &argument = *function.children[0];
	if (argument.GetExpressionClass() != ExpressionClass::CONSTANT) {
		return;
	}
	auto &value = argument.Cast<ConstantExpression>().value;
	if (value.type().id() != LogicalTypeId::VARCHAR || value.IsNull()) {
		return;
	}
	// The sequence is named inside a string, as catalog.schema.name, schema.name or name.
	auto name = QualifiedName::Parse(StringValue::Get(value));
	std::string catalog = name.catalog == INVALID_CATALOG ? "" : name.catalog;
	std::string schema = name.schema == INVALID_SCHEMA ? "" : name.schema;
	if (catalog.empty() && schema.empty() && sequence_schema_) {
		schema = sequence_schema_(name.name);
	}
	VisitName(catalog, schema);
	auto text = KeywordHelper::WriteOptionallyQuoted(name.name);
	if (!schema.empty()) {
		text = KeywordHelper::WriteOptionallyQuoted(schema) + "." + text;
	}
	value = Value(text);
}

void ReferenceRewriter::VisitRef(TableRef &ref) {
	if (ref.type == TableReferenceType::JOIN) {
		auto &join = ref.Cast<JoinRef>();
		columns_.names.insert(join.using_columns.begin(), join.using_columns.end());
		// A natural join matches every column name the two sides share.
		columns_.all = columns_.all || join.ref_type == JoinRefType::NATURAL;
	} else if (ref.type == TableReferenceType::PIVOT) {
		columns_.all = true; // names its columns outside expressions
	}
	if (ref.type != TableReferenceType::BASE_TABLE) {
		return;
	}
	auto &table = ref.Cast<BaseTableRef>();
	// t AS x(a, b) renames columns by position.
	columns_.all = columns_.all || !table.column_name_alias.empty();
	if (table.at_clause) {
		// The worker's own catalog has no time travel: a past snapshot is read by the host's
		// scan of it (ODCatalog::PastSnapshot), or by text sent to that snapshot as a whole.
		ok_ = ok_ && strip_past_;
		table.at_clause.reset();
		past_tables_++;
	}
	if (resolve_) {
		if (ctes_.find(table.table_name) == ctes_.end() || !table.schema_name.empty() ||
		    !table.catalog_name.empty()) {
			ok_ = resolve_(table) && ok_;
		}
		if (!scopes_.empty()) {
			scopes_.back().tables.push_back(table.table_name);
		}
		return;
	}
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

std::string QuoteIdentifier(const std::string &identifier) {
	return KeywordHelper::WriteQuoted(identifier, '"');
}

std::string QualifiedTableSQL(const TableCatalogEntry &table) {
	return QuoteIdentifier(table.schema.name) + "." + QuoteIdentifier(table.name);
}

std::string RemoteDefaultSchema(ClientContext &context, ODCatalog &catalog) {
	auto &search_default = ClientData::Get(context).catalog_search_path->GetDefault();
	if (StringUtil::CIEquals(search_default.catalog, catalog.GetName())) {
		return search_default.schema;
	}
	return "";
}

} // namespace openduck
