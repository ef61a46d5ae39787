#include "extension/statement_pushdown.hpp"

#include "duckdb/catalog/catalog_search_path.hpp"
#include "duckdb/common/string_util.hpp"
#include "duckdb/main/client_data.hpp"
#include "duckdb/optimizer/optimizer.hpp"
#include "duckdb/parser/expression/subquery_expression.hpp"
#include "duckdb/parser/parsed_expression_iterator.hpp"
#include "duckdb/parser/parser.hpp"
#include "duckdb/parser/query_node/select_node.hpp"
#include "duckdb/parser/statement/explain_statement.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/tableref/basetableref.hpp"
#include "duckdb/planner/binder.hpp"
#include "duckdb/planner/operator/logical_get.hpp"
#include "extension/od_catalog.hpp"
#include "extension/query_function.hpp"
#include "extension/query_text_state.hpp"
#include "extension/remote_scan.hpp"
#include "extension/sql_rewrite.hpp"

namespace openduck {

using namespace duckdb;

namespace {

// The one OpenDuck catalog the statement reads or writes, if it touches exactly one and
// nothing else.
optional_ptr<ODCatalog> SingleRemoteCatalog(ClientContext &context, const StatementProperties &properties) {
	optional_ptr<ODCatalog> result;
	vector<string> names;
	for (auto &entry : properties.read_databases) {
		names.push_back(entry.first);
	}
	for (auto &entry : properties.modified_databases) {
		names.push_back(entry.first);
	}
	for (auto &name : names) {
		auto catalog = ODCatalog::Find(context, name);
		if (!catalog || (result && result.get() != catalog.get())) {
			return nullptr;
		}
		result = catalog;
	}
	return result;
}

// True when every leaf of the plan is a scan of `catalog` or produces constants.
bool OnlyReads(LogicalOperator &op, ODCatalog &catalog, bool &has_remote_scan) {
	switch (op.type) {
	case LogicalOperatorType::LOGICAL_GET: {
		auto &get = op.Cast<LogicalGet>();
		if (!IsRemoteScanOf(get.function, get.bind_data.get(), catalog.Client())) {
			return false;
		}
		has_remote_scan = true;
		break;
	}
	case LogicalOperatorType::LOGICAL_CHUNK_GET:
	case LogicalOperatorType::LOGICAL_EXTENSION_OPERATOR:
		return false;
	default:
		break;
	}
	for (auto &child : op.children) {
		if (!OnlyReads(*child, catalog, has_remote_scan)) {
			return false;
		}
	}
	return true;
}

void PreOptimize(OptimizerExtensionInput &input, unique_ptr<LogicalOperator> &plan) {
	auto &context = input.context;
	auto state = context.registered_state->Get<QueryTextState>(QueryTextState::kKey);
	if (!state || state->Text().empty()) {
		return;
	}
	auto &properties = input.optimizer.binder.GetStatementProperties();
	if (properties.parameter_count > 0) {
		return;
	}
	bool writes = !properties.modified_databases.empty();
	auto catalog = SingleRemoteCatalog(context, properties);
	if (!catalog) {
		return;
	}
	auto *target = &plan;
	if (plan->type == LogicalOperatorType::LOGICAL_EXPLAIN) {
		if (plan->children.size() != 1) {
			return;
		}
		target = &plan->children[0];
	}
	bool has_remote_scan = false;
	// A write of constants (INSERT ... VALUES) reads no remote table but still belongs remote.
	if (!OnlyReads(**target, *catalog, has_remote_scan) || (!has_remote_scan && !writes)) {
		return;
	}

	vector<unique_ptr<SQLStatement>> statements;
	try {
		Parser parser(context.GetParserOptions());
		parser.ParseQuery(state->Text());
		statements = std::move(parser.statements);
	} catch (std::exception &) {
		return;
	}
	if (statements.size() != 1) {
		return;
	}
	auto *statement = statements[0].get();
	if (statement->type == StatementType::EXPLAIN_STATEMENT) {
		statement = statement->Cast<ExplainStatement>().stmt.get();
	}
	if ((statement->type == StatementType::SELECT_STATEMENT) == writes) {
		return;
	}
	ReferenceRewriter rewriter(catalog->GetName(), RemoteDefaultSchema(context, *catalog));
	if (!rewriter.Rewrite(*statement)) {
		return;
	}
	auto sql = statement->ToString();

	auto &root = **target;
	root.ResolveOperatorTypes();
	vector<LogicalType> types;
	vector<string> names;
	try {
		catalog->Describe(context, sql, types, names);
	} catch (std::exception &) {
		// The worker could not bind the rewritten text: keep the local plan, which reports any
		// real error itself.
		return;
	}
	if (types != root.types) {
		return;
	}
	auto get = make_uniq<LogicalGet>(input.optimizer.binder.GenerateTableIndex(), QueryFunction(),
	                                 MakeQueryBindData(*catalog, sql, types,
	                                                   /*schema_may_change=*/statement->type ==
	                                                       StatementType::CREATE_STATEMENT),
	                                 types,
	                                 names);
	for (idx_t i = 0; i < types.size(); i++) {
		get->AddColumnId(i);
	}
	*target = std::move(get);
}

} // namespace

OptimizerExtension StatementPushdownExtension() {
	OptimizerExtension extension;
	extension.pre_optimize_function = PreOptimize;
	return extension;
}

} // namespace openduck
