#include "extension/pushdown/subtree_pushdown.hpp"

#include "extension/pushdown/pushdown_errors.hpp"

#include "duckdb/catalog/catalog.hpp"
#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "duckdb/catalog/catalog_entry/view_catalog_entry.hpp"
#include "duckdb/common/string_util.hpp"
#include "duckdb/parser/expression/columnref_expression.hpp"
#include "duckdb/parser/expression/conjunction_expression.hpp"
#include "duckdb/parser/expression/constant_expression.hpp"
#include "duckdb/parser/expression/function_expression.hpp"
#include "duckdb/parser/expression/star_expression.hpp"
#include "duckdb/parser/expression/subquery_expression.hpp"
#include "duckdb/parser/parsed_expression_iterator.hpp"
#include "duckdb/parser/query_node/cte_node.hpp"
#include "duckdb/parser/query_node/select_node.hpp"
#include "duckdb/parser/query_node/set_operation_node.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/tableref/basetableref.hpp"
#include "duckdb/parser/tableref/joinref.hpp"
#include "duckdb/parser/tableref/subqueryref.hpp"
#include "duckdb/parser/tableref/table_function_ref.hpp"
#include "duckdb/planner/binder.hpp"
#include "extension/catalog/od_catalog.hpp"
#include "extension/pushdown/sql_rewrite.hpp"
#include "extension/pushdown/view_expansion.hpp"

namespace openduck {

using namespace duckdb;

namespace {

// Functions whose result depends on the session, the clock or chance: the worker would compute
// something else than the host.
const case_insensitive_set_t kPlaceDependentFunctions = {
    "now", "get_current_timestamp", "current_timestamp", "transaction_timestamp", "current_date", "today",
    "current_time", "get_current_time", "current_localtime", "current_localtimestamp", "localtime",
    "localtimestamp", "current_database", "current_catalog", "current_schema", "current_schemas", "current_user",
    "user", "session_user", "current_role", "current_setting", "current_query", "getenv", "random", "setseed",
    "uuid", "gen_random_uuid", "uuidv4", "uuidv7", "nextval", "currval", "txid_current", "version", "pragma_version"};

// The table or view `table` names, resolved as the binder resolves it; nullptr when none. Throws
// on an ambiguous name.
optional_ptr<CatalogEntry> LookupTable(ClientContext &context, const BaseTableRef &table) {
	auto catalog_name = table.catalog_name;
	auto schema_name = table.schema_name;
	Binder::BindSchemaOrCatalog(context, catalog_name, schema_name);
	EntryLookupInfo lookup(CatalogType::TABLE_ENTRY, table.table_name);
	return Catalog::GetEntry(context, catalog_name, schema_name, lookup, OnEntryNotFound::RETURN_NULL);
}

// What one part of a statement reads: exactly one OpenDuck database and nothing else, or not.
class RemoteOnlyCheck {
public:
	RemoteOnlyCheck(ClientContext &context, const case_insensitive_set_t &outer_ctes)
	    : context_(context), outer_ctes_(outer_ctes) {
	}

	// The one database `node` reads, or nullptr when it is not remote-only.
	optional_ptr<ODCatalog> Check(QueryNode &node) {
		try {
			VisitNode(node);
			for (auto table : tables_) {
				CheckTable(*table);
			}
		} catch (std::exception &) {
			// A node kind the iterator does not know, an ambiguous name: keep it local.
			remote_only_ = false;
		}
		return remote_only_ ? catalog_ : nullptr;
	}

private:
	void VisitNode(QueryNode &node) {
		AddCTEs(node);
		ParsedExpressionIterator::EnumerateQueryNodeChildren(
		    node, [&](unique_ptr<ParsedExpression> &child) { VisitExpression(*child); },
		    [&](TableRef &ref) { VisitRef(ref); });
	}

	void AddCTEs(QueryNode &node) {
		for (auto &cte : node.cte_map.map) {
			inner_ctes_.insert(cte.first);
		}
	}

	void VisitExpression(ParsedExpression &expression) {
		switch (expression.GetExpressionClass()) {
		case ExpressionClass::SUBQUERY:
			VisitNode(*expression.Cast<SubqueryExpression>().subquery->node);
			break;
		case ExpressionClass::FUNCTION:
			if (kPlaceDependentFunctions.count(expression.Cast<FunctionExpression>().function_name)) {
				remote_only_ = false;
			}
			break;
		case ExpressionClass::PARAMETER:
			remote_only_ = false;
			break;
		default:
			break;
		}
		ParsedExpressionIterator::EnumerateChildren(expression,
		                                            [&](ParsedExpression &child) { VisitExpression(child); });
	}

	void VisitRef(TableRef &ref) {
		switch (ref.type) {
		case TableReferenceType::BASE_TABLE:
			// Checked once every CTE name of the part is known.
			tables_.push_back(&ref.Cast<BaseTableRef>());
			break;
		case TableReferenceType::SUBQUERY:
			// Its contents are enumerated too; only its CTE names are not.
			AddCTEs(*ref.Cast<SubqueryRef>().subquery->node);
			break;
		case TableReferenceType::JOIN:
		case TableReferenceType::EMPTY_FROM:
		case TableReferenceType::EXPRESSION_LIST:
			break;
		default:
			// Table functions (read_csv, range, ...), PIVOT, ...: they run locally.
			remote_only_ = false;
			break;
		}
	}

	void CheckTable(BaseTableRef &table) {
		bool unqualified = table.catalog_name.empty() && table.schema_name.empty();
		if (unqualified && inner_ctes_.count(table.table_name)) {
			return;
		}
		if ((unqualified && outer_ctes_.count(table.table_name)) || table.at_clause) {
			remote_only_ = false;
			return;
		}
		auto entry = LookupTable(context_, table);
		if (!entry || entry->ParentCatalog().GetCatalogType() != "openduck") {
			remote_only_ = false;
			return;
		}
		auto &catalog = entry->ParentCatalog().Cast<ODCatalog>();
		if (catalog_ && catalog_.get() != &catalog) {
			remote_only_ = false;
		}
		catalog_ = &catalog;
	}

	ClientContext &context_;
	const case_insensitive_set_t &outer_ctes_;
	case_insensitive_set_t inner_ctes_;
	vector<BaseTableRef *> tables_;
	optional_ptr<ODCatalog> catalog_;
	bool remote_only_ = true;
};

// SELECT * FROM openduck_query('<catalog>', '<sql>')
unique_ptr<QueryNode> RemoteQueryNode(const std::string &catalog, const std::string &sql) {
	vector<unique_ptr<ParsedExpression>> arguments;
	arguments.push_back(make_uniq<ConstantExpression>(Value(catalog)));
	arguments.push_back(make_uniq<ConstantExpression>(Value(sql)));
	auto function = make_uniq<TableFunctionRef>();
	function->function = make_uniq<FunctionExpression>("openduck_query", std::move(arguments));
	auto select = make_uniq<SelectNode>();
	select->select_list.push_back(make_uniq<StarExpression>());
	select->from_table = std::move(function);
	return std::move(select);
}

// The column names of the table or view `table` names, as its reference exposes them; empty when
// it names neither (a CTE, a table function's name, an unknown name).
vector<std::string> ColumnsOf(ClientContext &context, const BaseTableRef &table) {
	try {
		auto entry = LookupTable(context, table);
		if (!entry) {
			return {};
		}
		if (entry->type == CatalogType::TABLE_ENTRY) {
			return entry->Cast<TableCatalogEntry>().GetColumns().GetColumnNames();
		}
		if (entry->type == CatalogType::VIEW_ENTRY) {
			// As DuckDB's binder names a view's columns: its aliases first, then its query's names.
			auto &view = entry->Cast<ViewCatalogEntry>();
			auto names = view.aliases;
			for (idx_t i = names.size(); i < view.names.size(); i++) {
				names.push_back(view.names[i]);
			}
			return names;
		}
	} catch (std::exception &) {
		// An ambiguous name: DuckDB's binder reports it.
	}
	return {};
}

void AddConjuncts(unique_ptr<ParsedExpression> condition, vector<unique_ptr<ParsedExpression>> &conjuncts) {
	if (condition->GetExpressionType() == ExpressionType::CONJUNCTION_AND) {
		for (auto &child : condition->Cast<ConjunctionExpression>().children) {
			AddConjuncts(std::move(child), conjuncts);
		}
		return;
	}
	conjuncts.push_back(std::move(condition));
}

unique_ptr<ParsedExpression> Conjunction(vector<unique_ptr<ParsedExpression>> conjuncts) {
	if (conjuncts.empty()) {
		return nullptr;
	}
	if (conjuncts.size() == 1) {
		return std::move(conjuncts[0]);
	}
	return make_uniq<ConjunctionExpression>(ExpressionType::CONJUNCTION_AND, std::move(conjuncts));
}

// What a condition or a query node refers to: the column references in it, its subqueries'
// included, and whether it holds a subquery or a star expression of its own (a subquery's stars
// expand that subquery's FROM).
struct References {
	vector<const ColumnRefExpression *> columns;
	bool subquery = false;
	bool star = false;

	void AddExpression(const ParsedExpression &expression, bool own_level) {
		switch (expression.GetExpressionClass()) {
		case ExpressionClass::COLUMN_REF:
			columns.push_back(&expression.Cast<ColumnRefExpression>());
			break;
		case ExpressionClass::STAR:
			star = star || own_level;
			break;
		case ExpressionClass::SUBQUERY:
			subquery = true;
			AddNode(*expression.Cast<SubqueryExpression>().subquery->node, false);
			break;
		default:
			break;
		}
		ParsedExpressionIterator::EnumerateChildren(
		    expression, [&](const ParsedExpression &child) { AddExpression(child, own_level); });
	}

	void AddNode(QueryNode &node, bool own_level) {
		ParsedExpressionIterator::EnumerateQueryNodeChildren(
		    node, [&](unique_ptr<ParsedExpression> &child) { AddExpression(*child, own_level); },
		    [](TableRef &) {});
	}
};

// Whether every column `condition` names outside its subqueries is a column of the table
// referred to as `alias`, with `columns`.
bool OnTableOnly(const ParsedExpression &condition, const case_insensitive_set_t &columns, const std::string &alias) {
	bool on_table = true;
	std::function<void(const ParsedExpression &)> visit = [&](const ParsedExpression &expression) {
		if (expression.GetExpressionClass() == ExpressionClass::SUBQUERY) {
			return; // bound on the worker as a whole; a reference it cannot bind there keeps all local
		}
		if (expression.GetExpressionClass() == ExpressionClass::COLUMN_REF) {
			auto &names = expression.Cast<ColumnRefExpression>().column_names;
			// `column`, `alias.column`, or `column.field` of a STRUCT column.
			bool own = (names.size() <= 2 && columns.count(names[0])) ||
			           (names.size() == 2 && StringUtil::CIEquals(names[0], alias) && columns.count(names[1]));
			on_table = on_table && own;
		}
		ParsedExpressionIterator::EnumerateChildren(expression, visit);
	};
	visit(condition);
	return on_table;
}

class SubtreeShipper {
public:
	explicit SubtreeShipper(ClientContext &context) : context_(context) {
	}

	void VisitNode(QueryNode &node) {
		// All CTE names of the node are in scope for all its parts (a superset of DuckDB's rule,
		// which only keeps more parts local).
		auto saved = ctes_;
		for (auto &cte : node.cte_map.map) {
			ctes_.insert(cte.first);
		}
		for (auto &cte : node.cte_map.map) {
			VisitSlot(cte.second->query->node);
		}
		switch (node.type) {
		case QueryNodeType::SELECT_NODE: {
			auto &select = node.Cast<SelectNode>();
			ShipTableWithConditions(select);
			for (auto &expression : select.select_list) {
				VisitExpression(expression);
			}
			for (auto &expression : select.groups.group_expressions) {
				VisitExpression(expression);
			}
			for (auto *clause : {&select.where_clause, &select.having, &select.qualify}) {
				if (*clause) {
					VisitExpression(*clause);
				}
			}
			if (select.from_table) {
				VisitRef(*select.from_table);
			}
			break;
		}
		case QueryNodeType::SET_OPERATION_NODE: {
			auto &set_operation = node.Cast<SetOperationNode>();
			VisitSlot(set_operation.left);
			VisitSlot(set_operation.right);
			break;
		}
		case QueryNodeType::CTE_NODE: {
			// The parser also keeps every CTE of a WITH clause as a CTENode around the query; the
			// binder reads the CTE's query from here, and its text from the cte_map above.
			auto &cte = node.Cast<CTENode>();
			ctes_.insert(cte.ctename);
			VisitSlot(cte.query);
			VisitNode(*cte.child);
			break;
		}
		default:
			break;
		}
		ctes_ = std::move(saved);
	}

	idx_t Shipped() const {
		return shipped_;
	}

private:
	// A place holding a whole query: shipped when remote-only, otherwise searched further.
	void VisitSlot(unique_ptr<QueryNode> &slot) {
		if (!slot) {
			return;
		}
		// Checked and shipped with the host's views over remote tables replaced by their queries;
		// a part that is not shipped keeps its views.
		auto candidate = slot->Copy();
		ExpandHostViews(context_, *candidate, ctes_);
		auto catalog = RemoteOnlyCheck(context_, ctes_).Check(*candidate);
		if (catalog && TryShip(slot, std::move(candidate), *catalog)) {
			shipped_++;
			return;
		}
		VisitNode(*slot);
	}

	void VisitRef(TableRef &ref) {
		switch (ref.type) {
		case TableReferenceType::SUBQUERY:
			VisitSlot(ref.Cast<SubqueryRef>().subquery->node);
			break;
		case TableReferenceType::JOIN: {
			auto &join = ref.Cast<JoinRef>();
			VisitRef(*join.left);
			VisitRef(*join.right);
			if (join.condition) {
				VisitExpression(join.condition);
			}
			break;
		}
		default:
			break;
		}
	}

	void VisitExpression(unique_ptr<ParsedExpression> &expression) {
		if (expression->GetExpressionClass() == ExpressionClass::SUBQUERY) {
			VisitSlot(expression->Cast<SubqueryExpression>().subquery->node);
		}
		ParsedExpressionIterator::EnumerateChildren(
		    *expression, [&](unique_ptr<ParsedExpression> &child) { VisitExpression(child); });
	}

	// FROM <one table> WHERE ... AND <a condition on that table holding a subquery> AND ...: a
	// condition with a subquery never becomes a filter of the table's remote scan, so DuckDB pulls
	// every row the scan's other filters pass and compares them on the host (TPC-H Q22's
	// c_acctbal > (SELECT avg(c_acctbal) FROM customer ...): 42K rows pulled for 19K kept, two
	// reads of the database, hence a worker session). When the table and such conditions are
	// remote-only, the table with all its remote-only conditions becomes a derived table of the
	// columns the rest of the query reads, shipped whole under the table's name; the other
	// conditions stay where they were. Left as it was when the part does not ship.
	void ShipTableWithConditions(SelectNode &select) {
		if (!select.from_table || select.from_table->type != TableReferenceType::BASE_TABLE || !select.where_clause ||
		    select.sample) {
			return;
		}
		auto &table = select.from_table->Cast<BaseTableRef>();
		bool unqualified = table.catalog_name.empty() && table.schema_name.empty();
		if (!table.column_name_alias.empty() || table.at_clause || table.sample ||
		    (unqualified && ctes_.count(table.table_name))) {
			return;
		}
		auto columns = ColumnsOf(context_, table);
		case_insensitive_set_t column_set(columns.begin(), columns.end());
		if (columns.empty() || column_set.size() != columns.size()) {
			return;
		}
		auto alias = table.alias.empty() ? table.table_name : table.alias;
		vector<unique_ptr<ParsedExpression>> conditions, moved, kept;
		AddConjuncts(select.where_clause->Copy(), conditions);
		bool moves_subquery = false;
		for (auto &condition : conditions) {
			References references;
			references.AddExpression(*condition, true);
			if (!references.star && OnTableOnly(*condition, column_set, alias) && ReadsOnly(table, *condition)) {
				moves_subquery = moves_subquery || references.subquery;
				moved.push_back(std::move(condition));
			} else {
				kept.push_back(std::move(condition));
			}
		}
		if (!moves_subquery) {
			return;
		}
		// The columns the rest of the query reads: every reference naming one, in any clause or
		// subquery (a superset is harmless); all of them for a star of the query's own.
		auto rest = select.Copy();
		auto &rest_select = rest->Cast<SelectNode>();
		rest_select.where_clause = Conjunction(std::move(kept));
		References references;
		references.AddNode(rest_select, true);
		case_insensitive_set_t used;
		for (auto *column : references.columns) {
			if (column->column_names.size() > 2) {
				return; // catalog.schema.table.column would no longer bind against the derived table
			}
			for (auto &name : column->column_names) {
				used.insert(name);
			}
		}
		auto derived = make_uniq<SelectNode>();
		for (auto &column : columns) {
			if (references.star || used.count(column)) {
				derived->select_list.push_back(make_uniq<ColumnRefExpression>(column));
			}
		}
		if (derived->select_list.empty()) {
			derived->select_list.push_back(make_uniq<ColumnRefExpression>(columns[0]));
		}
		derived->from_table = table.Copy();
		derived->where_clause = Conjunction(std::move(moved));
		unique_ptr<QueryNode> slot = std::move(derived);
		auto candidate = slot->Copy();
		ExpandHostViews(context_, *candidate, ctes_);
		auto catalog = RemoteOnlyCheck(context_, ctes_).Check(*candidate);
		if (!catalog || !TryShip(slot, std::move(candidate), *catalog)) {
			return;
		}
		auto statement = make_uniq<SelectStatement>();
		statement->node = std::move(slot);
		select.from_table = make_uniq<SubqueryRef>(std::move(statement), alias);
		select.where_clause = std::move(rest_select.where_clause);
		shipped_++;
	}

	// Whether `SELECT 1 FROM table WHERE condition` reads one OpenDuck database and nothing else.
	bool ReadsOnly(BaseTableRef &table, const ParsedExpression &condition) {
		SelectNode probe;
		probe.select_list.push_back(make_uniq<ConstantExpression>(Value::INTEGER(1)));
		probe.from_table = table.Copy();
		probe.where_clause = condition.Copy();
		ExpandHostViews(context_, probe, ctes_);
		return RemoteOnlyCheck(context_, ctes_).Check(probe) != nullptr;
	}

	bool TryShip(unique_ptr<QueryNode> &slot, unique_ptr<QueryNode> remote, ODCatalog &catalog) {
		ReferenceRewriter rewriter(catalog.GetName(), RemoteDefaultSchema(context_, catalog));
		if (!rewriter.Rewrite(*remote)) {
			return false;
		}
		auto sql = remote->ToString();
		vector<LogicalType> types;
		vector<std::string> names;
		try {
			// Also proves the part is self-contained: an outer (correlated) reference fails to bind.
			catalog.Describe(context_, sql, types, names);
		} catch (std::exception &error) {
			RethrowUnlessCannotShip(error);
			return false;
		}
		case_insensitive_set_t distinct(names.begin(), names.end());
		if (types.empty() || distinct.size() != names.size()) {
			return false;
		}
		slot = RemoteQueryNode(catalog.GetName(), sql);
		return true;
	}

	ClientContext &context_;
	case_insensitive_set_t ctes_;
	idx_t shipped_ = 0;
};

} // namespace

idx_t ShipRemoteSubtrees(ClientContext &context, QueryNode &node) {
	SubtreeShipper shipper(context);
	shipper.VisitNode(node);
	return shipper.Shipped();
}

} // namespace openduck
