#include "extension/pushdown/statement_pushdown.hpp"

#include "extension/pushdown/bind_again.hpp"
#include "extension/pushdown/pushdown_errors.hpp"

#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "duckdb/catalog/catalog_search_path.hpp"
#include "duckdb/common/string_util.hpp"
#include "duckdb/main/client_data.hpp"
#include "duckdb/optimizer/optimizer.hpp"
#include "duckdb/parser/expression/subquery_expression.hpp"
#include "duckdb/parser/parsed_expression_iterator.hpp"
#include "duckdb/parser/query_node/select_node.hpp"
#include "duckdb/parser/statement/delete_statement.hpp"
#include "duckdb/parser/statement/insert_statement.hpp"
#include "duckdb/parser/statement/update_statement.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/tableref/basetableref.hpp"
#include "duckdb/planner/binder.hpp"
#include "duckdb/planner/operator/logical_get.hpp"
#include "duckdb/planner/operator/logical_insert.hpp"
#include "extension/catalog/catalog_recheck.hpp"
#include "extension/catalog/od_catalog.hpp"
#include "extension/scan/remote_result.hpp"
#include "extension/functions/query_function.hpp"
#include "extension/pushdown/modify_with_values.hpp"
#include "extension/pushdown/early_scan.hpp"
#include "extension/pushdown/query_text_state.hpp"
#include "extension/pushdown/remote_sequences.hpp"
#include "extension/pushdown/shipped_plan.hpp"
#include "extension/pushdown/split_pushdown.hpp"
#include "extension/pushdown/statement_shape.hpp"
#include "extension/scan/remote_scan.hpp"
#include "extension/pushdown/sql_rewrite.hpp"
#include "extension/pushdown/subtree_pushdown.hpp"
#include "extension/pushdown/upload_pushdown.hpp"
#include "extension/write/remote_insert.hpp"
#include "extension/write/upsert_sql.hpp"

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

// True when every leaf of the plan is a scan of `catalog` or produces constants or numbers.
bool OnlyReads(LogicalOperator &op, ODCatalog &catalog, bool &has_remote_scan) {
	switch (op.type) {
	case LogicalOperatorType::LOGICAL_GET: {
		auto &get = op.Cast<LogicalGet>();
		if (IsRemoteScanOf(get.function, get.bind_data.get(), catalog.Client())) {
			has_remote_scan = true;
			break;
		}
		// Number generators make the same rows on the worker.
		if (get.function.name == "range" || get.function.name == "generate_series") {
			break;
		}
		return false;
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

// The past snapshot every remote scan of the plan reads (FROM t AT (...)), or "" when a scan
// reads the present or they read different snapshots.
std::string OnePastSnapshot(LogicalOperator &op) {
	std::string past;
	bool one = true;
	std::function<void(LogicalOperator &)> visit = [&](LogicalOperator &node) {
		if (node.type == LogicalOperatorType::LOGICAL_GET) {
			auto relation = ScannedRelation(node.Cast<LogicalGet>());
			if (!relation || relation->snapshot.empty() || (!past.empty() && past != relation->snapshot)) {
				one = false;
			} else {
				past = relation->snapshot;
			}
		}
		for (auto &child : node.children) {
			visit(*child);
		}
	};
	visit(op);
	return one ? past : "";
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
	auto plan = BindAgain(input, statement);
	target->ResolveOperatorTypes();
	if (!plan || plan->types != target->types) {
		return;
	}
	target = std::move(plan);
}

// INSERT ... ON CONFLICT / OR REPLACE / OR IGNORE into a remote table with rows from the host.
// The binder made a MERGE INTO plan that would join the remote table on the host. It is planned
// again as a plain INSERT of the same rows whose LogicalInsert carries the conflict action;
// PlanInsert (od_catalog.cpp) then sends the rows into the worker session and runs the INSERT
// with the statement's conflict clause there, in the host's transaction. `target` is kept when
// that plan does not fit (PlanMergeInto then names the workaround).
void PlanUpsertWithHostRows(OptimizerExtensionInput &input, unique_ptr<LogicalOperator> &target,
                            SQLStatement &statement) {
	if (statement.type != StatementType::INSERT_STATEMENT) {
		return;
	}
	auto &insert = statement.Cast<InsertStatement>();
	if (!insert.on_conflict_info) {
		return;
	}
	auto action = insert.on_conflict_info->action_type;
	insert.on_conflict_info.reset();
	insert.table_ref.reset();
	auto plan = BindAgain(input, insert);
	if (!plan) {
		return;
	}
	// The insert is the root, or under the projection that evaluates RETURNING.
	auto *op = plan.get();
	if (op->type == LogicalOperatorType::LOGICAL_PROJECTION && op->children.size() == 1) {
		op = op->children[0].get();
	}
	if (op->type != LogicalOperatorType::LOGICAL_INSERT) {
		return;
	}
	auto &logical_insert = op->Cast<LogicalInsert>();
	target->ResolveOperatorTypes();
	if (!ODCatalog::Find(input.context, logical_insert.table.catalog.GetName()) || plan->types != target->types) {
		return;
	}
	logical_insert.on_conflict_info.action_type = action;
	target = std::move(plan);
}

// Whether the statement returns rows it computed (RETURNING), not just a count.
bool HasReturning(SQLStatement &statement) {
	switch (statement.type) {
	case StatementType::INSERT_STATEMENT:
		return !statement.Cast<InsertStatement>().returning_list.empty();
	case StatementType::UPDATE_STATEMENT:
		return !statement.Cast<UpdateStatement>().returning_list.empty();
	case StatementType::DELETE_STATEMENT:
		return !statement.Cast<DeleteStatement>().returning_list.empty();
	default:
		return false;
	}
}

// Replaces `target` by one remote query when the worker can run the statement as written and
// describes the local plan's result types; false when `target` is kept (`asked_worker`: after
// the worker was asked and refused). `explained`: the
// statement is only explained, not run. An auto-commit read outside a session is sent now: its
// result's schema is the description, so it costs one request, and since that schema comes
// from the worker's own catalog the host's copy need not be verified.
bool ShipWholeStatement(OptimizerExtensionInput &input, unique_ptr<LogicalOperator> &target, ODCatalog &catalog,
                        bool writes, bool explained, bool &asked_worker) {
	auto &context = input.context;
	auto parsed = ParseRunningStatement(context);
	if (!parsed) {
		return false;
	}
	auto *statement = parsed.get();
	bool select = statement->type == StatementType::SELECT_STATEMENT;
	// A SELECT writes only by advancing a sequence (nextval), which runs there.
	if (!select && !writes) {
		return false;
	}
	ReferenceRewriter rewriter(catalog.GetName(), RemoteDefaultSchema(context, catalog), true);
	rewriter.ResolveSequencesWith([&](const std::string &name) -> std::string {
		EntryLookupInfo lookup(CatalogType::SEQUENCE_ENTRY, name);
		auto entry = Catalog::GetEntry(context, "", "", lookup, OnEntryNotFound::RETURN_NULL);
		return entry && &entry->ParentCatalog() == &catalog ? entry->ParentSchema().name : "";
	});
	if (!rewriter.Rewrite(*statement)) {
		return false;
	}
	// A read of one past snapshot (every table AT the same one) runs on that snapshot whole,
	// when it can be sent now; anything else with AT runs as a host plan over past scans.
	std::string past;
	if (rewriter.ReadsPast()) {
		past = OnePastSnapshot(*target);
		if (past.empty() || writes || explained || !catalog.OptionsWithoutNewSession(context).session_id.empty()) {
			return false;
		}
	}
	auto sql = statement->type == StatementType::INSERT_STATEMENT ? InsertSQL(statement->Cast<InsertStatement>())
	                                                              : statement->ToString();

	ShippedStatement how;
	auto options = catalog.OptionsWithoutNewSession(context);
	if (select && !writes && past.empty() && options.session_id.empty() &&
	    ShipSplitAggregate(input, target, catalog, statement->Cast<SelectStatement>())) {
		return true;
	}
	bool prefetch = !writes && !explained && options.session_id.empty();
	if (!prefetch && (!writes || select || HasReturning(*statement))) {
		// Rows come back in the shape of a cached description: valid only for a current catalog.
		// A count is a count whatever the catalog says.
		RequireCurrentCatalogs(context);
	}
	how.schema_may_change = statement->type == StatementType::CREATE_STATEMENT;
	how.read_only = !writes;
	how.snapshot = past;
	how.own_transaction = writes && context.transaction.IsAutoCommit();
	asked_worker = true;
	return ShipPlan(input, target, catalog, sql, std::move(options), std::move(how), prefetch,
	                StatementShape(*statement));
}

// A host plan that only reads one remote table, filters, projects and aggregates it (a point
// lookup with parameters, say) has nothing to order or prune against that table's statistics
// but filters the worker evaluates anyway: reading them would cost two requests of the four.
static void DeclineStatisticsOfLoneScan(LogicalOperator &plan) {
	if (auto get = LoneScan(plan)) {
		DeclineStatistics(*get);
	}
}

const char *const kHasParameters = "it has parameters, and statements with parameters run on the host";

void PreOptimize(OptimizerExtensionInput &input, unique_ptr<LogicalOperator> &plan) {
	auto &context = input.context;
	auto &properties = input.optimizer.binder.GetStatementProperties();
	auto *target = &plan;
	if (plan->type == LogicalOperatorType::LOGICAL_EXPLAIN) {
		if (plan->children.size() != 1) {
			RequireCurrentCatalogs(context);
			return;
		}
		target = &plan->children[0];
	}
	// nextval/currval of a remote sequence: the statement runs whole on the worker, or not at all.
	auto sequence = FindRemoteSequenceUse(**target);
	bool writes = !properties.modified_databases.empty();
	auto catalog = SingleRemoteCatalog(context, properties);
	if (!catalog && sequence.catalog && properties.read_databases.empty() && properties.modified_databases.empty()) {
		catalog = sequence.catalog; // currval(...) alone reads no table
	}
	bool has_remote_scan = false;
	// A write of constants (INSERT ... VALUES) reads no remote table but still belongs remote.
	bool one_remote_statement = catalog && (!sequence.catalog || sequence.catalog == catalog.get()) &&
	                            OnlyReads(**target, *catalog, has_remote_scan) &&
	                            (has_remote_scan || writes || sequence.catalog);
	bool asked_worker = false;
	if (one_remote_statement && ShipWholeStatement(input, *target, *catalog, writes, target != &plan, asked_worker)) {
		return;
	}
	if (sequence.catalog) {
		RefuseSequenceOnHost(sequence, !one_remote_statement           ? "it also reads host data or another database"
		                               : !ParseRunningStatement(context) ? kHasParameters
		                                                                 : "the worker could not run its text as written");
	}
	// Python's execute(sql, params) binds the values into the plan, and its text alone is not
	// the statement: an UPDATE or DELETE may still be written back from the plan. Its request
	// checks the catalog (write/checked_write.hpp), except under EXPLAIN, which sends nothing.
	if (writes && one_remote_statement && ShipModifyWithValues(input, *target, *catalog)) {
		if (target != &plan) {
			RequireCurrentCatalogs(context);
		}
		return;
	}
	// The plan runs as bound on the host: against the current remote catalogs only. A read of
	// one table, and an INSERT of constant rows, confirm their catalog with their own request.
	bool deferred = target == &plan && (writes ? DeferCatalogCheckToInsert(context, *plan)
	                                           : DeferCatalogCheckToScan(context, *plan));
	if (!deferred) {
		RequireCurrentCatalogs(context);
	}
	DeclineStatisticsOfLoneScan(**target);
	// An upsert into a remote table that was not shipped whole (host rows, or text the worker
	// cannot run alone) still runs there. A read may still run whole there with its host tables
	// sent along, or read the database only through host views (which the statement pushdown's
	// text rules do not resolve); else a hybrid read may still have remote-only parts. A read
	// the worker already refused whole reads no host table: nothing more can move.
	if (!writes && (asked_worker || !ReadsRemote(context, properties))) {
		return;
	}
	auto statement = ParseRunningStatement(context);
	if (!statement) {
		return;
	}
	if (writes) {
		PlanUpsertWithHostRows(input, *target, *statement);
		return;
	}
	if (ShipWithUploads(input, *target, *statement, target != &plan) || one_remote_statement) {
		return;
	}
	ShipRemoteParts(input, *target, *statement);
}

} // namespace

OptimizerExtension StatementPushdownExtension() {
	OptimizerExtension extension;
	extension.pre_optimize_function = PreOptimize;
	return extension;
}

} // namespace openduck
