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
#include "extension/subtree_pushdown.hpp"

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

// Whether the statement reads any attached OpenDuck database.
bool ReadsRemote(ClientContext &context, const StatementProperties &properties) {
	for (auto &entry : properties.read_databases) {
		if (ODCatalog::Find(context, entry.first)) {
			return true;
		}
	}
	return false;
}

// The statement `text` parsed, without a leading EXPLAIN; nullptr unless it is one statement.
unique_ptr<SQLStatement> ParseStatement(ClientContext &context, const std::string &text) {
	vector<unique_ptr<SQLStatement>> statements;
	try {
		Parser parser(context.GetParserOptions());
		parser.ParseQuery(text);
		statements = std::move(parser.statements);
	} catch (std::exception &) {
		return nullptr;
	}
	if (statements.size() != 1) {
		return nullptr;
	}
	if (statements[0]->type == StatementType::EXPLAIN_STATEMENT) {
		return std::move(statements[0]->Cast<ExplainStatement>().stmt);
	}
	return std::move(statements[0]);
}

// A hybrid SELECT: its remote-only parts become openduck_query calls (subtree_pushdown.hpp) and
// the statement is planned again from the rewritten text. `target` is kept when nothing was
// shipped or the new plan's result differs in any way.
void ShipRemoteParts(OptimizerExtensionInput &input, unique_ptr<LogicalOperator> &target,
                     SQLStatement &statement) {
	auto &context = input.context;
	if (statement.type != StatementType::SELECT_STATEMENT) {
		return;
	}
	auto &select = statement.Cast<SelectStatement>();
	if (ShipRemoteSubtrees(context, *select.node) == 0) {
		return;
	}
	// A fresh binder numbers tables from 0; the optimizer keeps numbering with the old binder,
	// which is moved past the new plan's indexes below so no table index is used twice.
	auto binder = Binder::CreateBinder(context);
	BoundStatement bound;
	try {
		bound = binder->Bind(statement);
	} catch (std::exception &ex) {
		return;
	}
	target->ResolveOperatorTypes();
	bound.plan->ResolveOperatorTypes();
	if (bound.plan->types != target->types) {
		return;
	}
	auto next_index = binder->GenerateTableIndex();
	while (input.optimizer.binder.GenerateTableIndex() < next_index) {
	}
	target = std::move(bound.plan);
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
	auto *target = &plan;
	if (plan->type == LogicalOperatorType::LOGICAL_EXPLAIN) {
		if (plan->children.size() != 1) {
			return;
		}
		target = &plan->children[0];
	}
	auto catalog = SingleRemoteCatalog(context, properties);
	bool has_remote_scan = false;
	// A write of constants (INSERT ... VALUES) reads no remote table but still belongs remote.
	if (!catalog || !OnlyReads(**target, *catalog, has_remote_scan) || (!has_remote_scan && !writes)) {
		// Not one remote statement; a hybrid read may still have remote-only parts.
		if (!writes && ReadsRemote(context, properties)) {
			auto statement = ParseStatement(context, state->Text());
			if (statement) {
				ShipRemoteParts(input, *target, *statement);
			}
		}
		return;
	}

	auto parsed = ParseStatement(context, state->Text());
	if (!parsed) {
		return;
	}
	auto *statement = parsed.get();
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
