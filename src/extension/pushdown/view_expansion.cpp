#include "extension/pushdown/view_expansion.hpp"

#include "extension/pushdown/query_walker.hpp"

#include "duckdb/catalog/catalog.hpp"
#include "duckdb/catalog/catalog_entry/view_catalog_entry.hpp"
#include "duckdb/catalog/catalog_entry_retriever.hpp"
#include "duckdb/catalog/catalog_search_path.hpp"
#include "duckdb/parser/query_node/cte_node.hpp"
#include "duckdb/parser/query_node/recursive_cte_node.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/tableref/basetableref.hpp"
#include "duckdb/parser/tableref/subqueryref.hpp"
#include "duckdb/planner/bind_context.hpp"
#include "duckdb/planner/binder.hpp"

namespace openduck {

using namespace duckdb;

namespace {

// Views of views nest this deep at most; deeper (or a cycle of replaced views) stays local.
constexpr idx_t kMaxViewDepth = 16;

class ViewExpander : public QueryWalker {
public:
	// `depth` 0 is the statement part itself, >= 1 a view's query. Every table name that resolves
	// is written fully qualified: a CTE name of an expanded view cannot then capture a table of
	// the part (RemoteOnlyCheck and ReferenceRewriter see one set of CTE names per part).
	ViewExpander(ClientContext &context, CatalogEntryRetriever &retriever, case_insensitive_set_t ctes, idx_t depth)
	    : context_(context), retriever_(retriever), ctes_(std::move(ctes)), depth_(depth) {
	}

	// Inside a view: false when one of its names did not resolve (the view stays as it was).
	bool Resolved() const {
		return resolved_;
	}

protected:
	// CTE names are in scope for the node that defines them and everything within it.
	void EnterNode(QueryNode &node) override {
		saved_.push_back(ctes_);
		for (auto &cte : node.cte_map.map) {
			ctes_.insert(cte.first);
		}
		if (node.type == QueryNodeType::CTE_NODE) {
			ctes_.insert(node.Cast<CTENode>().ctename);
		} else if (node.type == QueryNodeType::RECURSIVE_CTE_NODE) {
			ctes_.insert(node.Cast<RecursiveCTENode>().ctename);
		}
	}

	void LeaveNode(QueryNode &node) override {
		ctes_ = std::move(saved_.back());
		saved_.pop_back();
	}

	void Table(unique_ptr<TableRef> &slot) override {
		auto &table = slot->Cast<BaseTableRef>();
		bool unqualified = table.catalog_name.empty() && table.schema_name.empty();
		if (unqualified && ctes_.count(table.table_name)) {
			return;
		}
		if (table.at_clause) {
			resolved_ = false;
			return;
		}
		optional_ptr<CatalogEntry> entry;
		try {
			auto catalog_name = table.catalog_name;
			auto schema_name = table.schema_name;
			Binder::BindSchemaOrCatalog(context_, catalog_name, schema_name);
			EntryLookupInfo lookup(CatalogType::TABLE_ENTRY, table.table_name);
			entry = retriever_.GetEntry(catalog_name, schema_name, lookup, OnEntryNotFound::RETURN_NULL);
		} catch (std::exception &) {
			// An ambiguous or otherwise unresolvable name: DuckDB's binder reports it.
			entry = nullptr;
		}
		if (!entry) {
			resolved_ = false;
			return;
		}
		auto &catalog = entry->ParentCatalog();
		if (entry->type == CatalogType::VIEW_ENTRY && catalog.GetCatalogType() != "openduck" &&
		    depth_ < kMaxViewDepth) {
			Expand(slot, entry->Cast<ViewCatalogEntry>());
			return;
		}
		table.catalog_name = catalog.GetName();
		table.schema_name = entry->ParentSchema().name;
	}

private:
	// As Binder::Bind(BaseTableRef &) binds a view: its query as a subquery, names looked up in
	// the view's catalog and schema first, column names from the view's aliases and its names.
	void Expand(unique_ptr<TableRef> &slot, ViewCatalogEntry &view) {
		auto &table = slot->Cast<BaseTableRef>();
		auto query = unique_ptr_cast<SQLStatement, SelectStatement>(view.GetQuery().Copy());
		CatalogEntryRetriever retriever(context_);
		auto &view_catalog = view.ParentCatalog().GetName();
		retriever.SetSearchPath({CatalogSearchEntry(view_catalog, view.ParentSchema().name),
		                         CatalogSearchEntry(view_catalog, INVALID_SCHEMA)});
		// A view does not see the CTEs of the query that reads it.
		ViewExpander inner(context_, retriever, {}, depth_ + 1);
		inner.Node(*query->node);
		if (!inner.Resolved()) {
			return;
		}
		auto names = view.aliases;
		for (idx_t i = names.size(); i < view.names.size(); i++) {
			names.push_back(view.names[i]);
		}
		auto subquery = make_uniq<SubqueryRef>(std::move(query), table.alias.empty() ? table.table_name : table.alias);
		subquery->column_name_alias = BindContext::AliasColumnNames(table.table_name, names, table.column_name_alias);
		slot = std::move(subquery);
	}

	ClientContext &context_;
	CatalogEntryRetriever &retriever_;
	case_insensitive_set_t ctes_;
	// The CTE names in scope outside each node being walked.
	vector<case_insensitive_set_t> saved_;
	idx_t depth_;
	bool resolved_ = true;
};

} // namespace

void ExpandHostViews(ClientContext &context, QueryNode &node, const case_insensitive_set_t &ctes) {
	CatalogEntryRetriever retriever(context);
	ViewExpander(context, retriever, ctes, 0).Node(node);
}

} // namespace openduck
