#include "extension/scan/remote_scan.hpp"

#include "common/column_statistics.hpp"
#include "extension/scan/not_serializable.hpp"
#include "extension/scan/one_snapshot_per_statement.hpp"
#include "extension/scan/received_types.hpp"

#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "duckdb/common/exception.hpp"
#include "duckdb/common/string_util.hpp"
#include "duckdb/common/exception/binder_exception.hpp"
#include "duckdb/common/exception/catalog_exception.hpp"
#include "duckdb/execution/expression_executor.hpp"
#include "duckdb/parallel/task_scheduler.hpp"
#include "duckdb/planner/expression/bound_columnref_expression.hpp"
#include "duckdb/planner/expression/bound_conjunction_expression.hpp"
#include "duckdb/planner/expression/bound_reference_expression.hpp"
#include "extension/pushdown/condition_sql.hpp"
#include "extension/pushdown/filter_sql.hpp"
#include "extension/pushdown/join_keys.hpp"
#include "extension/catalog/od_catalog.hpp"
#include "extension/catalog/od_schema_entry.hpp"
#include "extension/catalog/od_transaction.hpp"
#include "extension/scan/shared_remote_stream.hpp"
#include "extension/scan/remote_statistics.hpp"
#include "extension/pushdown/sql_rewrite.hpp"

#include <atomic>
#include <mutex>

namespace openduck {

using namespace duckdb;

namespace {

// A scan's request sent while its statement was planned, with the worker's first response.
struct EarlyScanRequest {
	std::mutex lock;
	std::string sql;
	std::unique_ptr<RemoteQuery> query;
	std::string first_payload;
	bool answered = false; // first_payload holds the first response (else the stream was empty)

	// The query and its first payload when it asked for `expected_sql`; else nothing, and the
	// request is cancelled.
	std::unique_ptr<RemoteQuery> Take(const std::string &expected_sql, std::string &payload, bool &has_payload) {
		std::lock_guard<std::mutex> guard(lock);
		auto taken = std::move(query);
		if (!taken || sql != expected_sql) {
			return nullptr;
		}
		payload = std::move(first_payload);
		has_payload = answered;
		return taken;
	}
};

struct RemoteScanBindData : public RemoteReadBindData {
	// Set by the LIMIT/TopN pushdown: at most this many rows (0: no limit), in this order.
	idx_t row_limit = 0;
	std::string order_sql;
	RemoteRelation relation;
	optional_ptr<TableCatalogEntry> table;
	// Shared by copies: what the optimizer was told is what the scan checks.
	std::shared_ptr<RemoteTableStatistics> statistics;
	// Build-side keys of the joins above (pushdown/semi_join_pushdown.hpp), sent as filters.
	std::vector<std::shared_ptr<JoinKeys>> join_keys;
	// Conditions over several columns also sent to the worker (pushdown/row_filter_pushdown.hpp).
	vector<std::string> row_filters;
	// The plan never observes the order of the scan's rows (pushdown/row_order.hpp).
	bool any_row_order = false;
	// Set by MarkToSendEarly; then `early` is the request SendScanEarly sent while the
	// statement was planned, shared by copies and taken by the first init.
	bool send_early = false;
	std::shared_ptr<EarlyScanRequest> early;

	unique_ptr<FunctionData> Copy() const override {
		auto copy = make_uniq<RemoteScanBindData>();
		copy->catalog = catalog;
		copy->shares_snapshot = shares_snapshot;
		copy->time_travel = time_travel;
		copy->row_limit = row_limit;
		copy->order_sql = order_sql;
		copy->relation = relation;
		copy->table = table;
		copy->statistics = statistics;
		copy->join_keys = join_keys;
		copy->row_filters = row_filters;
		copy->any_row_order = any_row_order;
		copy->send_early = send_early;
		copy->early = early;
		return std::move(copy);
	}
	bool Equals(const FunctionData &other_p) const override {
		auto &other = other_p.Cast<RemoteScanBindData>();
		return catalog == other.catalog && relation.schema == other.relation.schema &&
		       relation.name == other.relation.name && row_limit == other.row_limit && order_sql == other.order_sql &&
		       row_filters == other.row_filters;
	}
};

// A scan is one remote query, so all its rows come from one snapshot; its threads share the
// stream and decode its batches in parallel (SharedRemoteStream).
// Wider batches than a row group of narrow rows end at this size (sent in 32 MiB pieces).
constexpr uint64_t kScanBatchBytes = 64 * 1024 * 1024;
struct RemoteScanGlobalState : public GlobalTableFunctionState {
	// "SELECT <columns> FROM <table>" and the pushed-down filters ("" if none).
	std::string select_sql;
	std::string where_sql;
	ExecuteOptions options;
	// " [ORDER BY ...] LIMIT n" when a LIMIT or TopN was pushed down.
	std::string limit_sql;
	unique_ptr<SharedRemoteStream> stream;
	idx_t threads = 1;
	std::atomic<uint64_t> rows {0};
	// Filters the worker could not be asked to apply exactly; evaluated on received rows.
	unique_ptr<Expression> local_filter;
	// Received rows must stay within the statistics the optimizer relied on.
	unique_ptr<StatisticsCheck> statistics_check;
	// What went to the worker as join key filters, for EXPLAIN ANALYZE ("" if none).
	std::string keys_sent;
	// The name and type each requested column was bound with ("" for virtual columns).
	vector<LogicalType> bound_types;
	vector<std::string> column_names;

	idx_t MaxThreads() const override {
		return threads;
	}

	std::string QuerySQL() const {
		return (where_sql.empty() ? select_sql : select_sql + " WHERE " + where_sql) + limit_sql;
	}
};

struct RemoteScanLocalState : public LocalTableFunctionState {
	// The batch this thread converts, its rows and its position in the stream.
	unique_ptr<ArrowScanLocalState> batch;
	idx_t batch_rows = 0;
	idx_t batch_index = 0;
	DataChunk import;
	unique_ptr<ExpressionExecutor> local_executor;
	SelectionVector selection {STANDARD_VECTOR_SIZE};
};

// SQL for each column DuckDB asked for, in its order.
vector<std::string> ColumnSQL(const RemoteRelation &relation, const vector<column_t> &column_ids) {
	vector<std::string> columns;
	for (auto column_id : column_ids) {
		if (IsRowIdColumnId(column_id)) {
			// Views have no row ids; nothing reads their values (count(*) only counts rows).
			columns.push_back(relation.is_view ? "CAST(NULL AS BIGINT)" : "rowid");
		} else if (column_id >= VIRTUAL_COLUMN_START) {
			columns.push_back("NULL");
		} else {
			columns.push_back(QuoteIdentifier(relation.column_names[column_id]));
		}
	}
	return columns;
}

LogicalType ColumnType(const RemoteRelation &relation, column_t column_id) {
	if (column_id < relation.column_types.size()) {
		return relation.column_types[column_id];
	}
	return IsRowIdColumnId(column_id) ? LogicalType::BIGINT : LogicalType::SQLNULL;
}

// `where` AND `condition` (`where` may be empty).
void AndWhere(std::string &where, const std::string &condition) {
	where = where.empty() ? condition : "(" + where + ") AND " + condition;
}

// The request of a scan of `column_ids` with `filters` (keyed by position in `column_ids`), and
// what it checks and evaluates on the rows received; no stream yet.
unique_ptr<RemoteScanGlobalState> MakeScanState(ClientContext &context, const RemoteScanBindData &bind,
                                                const vector<column_t> &column_ids,
                                                optional_ptr<TableFilterSet> filters) {
	auto &relation = bind.relation;
	auto state = make_uniq<RemoteScanGlobalState>();
	auto columns = ColumnSQL(relation, column_ids);
	for (auto column_id : column_ids) {
		state->bound_types.push_back(ColumnType(relation, column_id));
		state->column_names.push_back(column_id < relation.column_names.size() ? relation.column_names[column_id] : "");
	}
	std::string select;
	for (auto &column : columns) {
		select += select.empty() ? column : ", " + column;
	}
	state->select_sql = "SELECT " + (select.empty() ? std::string("NULL") : select) + " FROM " +
	                    QuoteIdentifier(relation.schema) + "." + QuoteIdentifier(relation.name);
	if (filters) {
		auto rendered = RenderFilters(*filters, columns);
		state->where_sql = rendered.where_sql;
		vector<unique_ptr<Expression>> local;
		for (auto &entry : rendered.local) {
			auto type = ColumnType(relation, column_ids[entry.first]);
			local.push_back(entry.second->ToExpression(BoundReferenceExpression(type, entry.first)));
		}
		if (local.size() == 1) {
			state->local_filter = std::move(local[0]);
		} else if (local.size() > 1) {
			auto conjunction = make_uniq<BoundConjunctionExpression>(ExpressionType::CONJUNCTION_AND);
			conjunction->children = std::move(local);
			state->local_filter = std::move(conjunction);
		}
	}
	for (auto &filter : bind.row_filters) {
		AndWhere(state->where_sql, filter);
	}
	std::vector<std::string> key_filters;
	for (auto &keys : bind.join_keys) {
		std::string sent;
		auto filter = keys->FilterSQL(relation.estimated_rows, ListedDistinctCount(relation, keys->Column()),
		                              key_filters, sent);
		if (!filter.empty()) {
			AndWhere(state->where_sql, filter);
			state->keys_sent += (state->keys_sent.empty() ? "" : "; ") + sent;
		}
	}
	if (bind.time_travel) {
		// A past snapshot is served read-only outside any session (a session lives on the head).
		state->options = bind.catalog->OptionsWithoutNewSession(context);
		state->options.session_id.clear();
		state->options.snapshot = relation.snapshot;
	} else {
		state->options = bind.catalog->OptionsForRead(context, bind.shares_snapshot);
	}
	state->options.read_only = true;
	state->options.any_row_order = bind.any_row_order;
	if (!key_filters.empty()) {
		state->options.join_key_filters = std::make_shared<const std::vector<std::string>>(std::move(key_filters));
	}
	state->statistics_check = bind.statistics->CheckFor(column_ids);
	if (bind.row_limit) {
		state->limit_sql = bind.order_sql + " LIMIT " + std::to_string(bind.row_limit);
	} else {
		state->threads = MaxValue<idx_t>(1, TaskScheduler::GetScheduler(context).NumberOfThreads());
		// Batches of a row group: each is a batch index of its own, and order-preserving sinks
		// (CREATE TABLE AS, INSERT) handle a few large batches far more cheaply than many 1 MiB
		// ones, which they would merge into row groups again.
		state->options.max_batch_rows = DEFAULT_ROW_GROUP_SIZE;
		state->options.max_batch_bytes = kScanBatchBytes;
	}
	return state;
}

unique_ptr<GlobalTableFunctionState> RemoteScanInit(ClientContext &context, TableFunctionInitInput &input) {
	auto &bind = input.bind_data->Cast<RemoteScanBindData>();
	auto state = MakeScanState(context, bind, input.column_ids, input.filters);
	auto *catalog = bind.catalog;
	auto *global = state.get();
	std::string what = "remote table " + bind.relation.schema + "." + bind.relation.name;
	state->stream = make_uniq<SharedRemoteStream>(
	    context, [catalog, global]() { return catalog->Client().Execute(global->QuerySQL(), global->options); },
	    [catalog, global, what](const vector<LogicalType> &received) {
		    CheckReceivedTypes(*catalog, what, global->column_names, global->bound_types, received);
	    });
	if (bind.early) {
		std::string payload;
		bool has_payload = false;
		auto query = bind.early->Take(state->QuerySQL(), payload, has_payload);
		if (query && state->stream->Adopt(std::move(query), has_payload ? &payload : nullptr)) {
			// All of it arrived with the first answer (a point lookup): one thread converts it
			// without waking the others.
			state->threads = 1;
		}
	}
	return std::move(state);
}

unique_ptr<LocalTableFunctionState> RemoteScanInitLocal(ExecutionContext &context, TableFunctionInitInput &input,
                                                        GlobalTableFunctionState *global_p) {
	auto &state = global_p->Cast<RemoteScanGlobalState>();
	auto local = make_uniq<RemoteScanLocalState>();
	if (state.local_filter) {
		local->local_executor = make_uniq<ExpressionExecutor>(context.client, *state.local_filter);
	}
	return std::move(local);
}

// Takes the next batch of the stream for this thread; false at the end of the stream.
bool TakeBatch(ClientContext &context, RemoteScanGlobalState &state, RemoteScanLocalState &local) {
	shared_ptr<ArrowArrayWrapper> batch;
	if (!state.stream->TakeBatch(batch, local.batch_index)) {
		return false;
	}
	if (local.import.ColumnCount() == 0) {
		local.import.Initialize(context, state.stream->ImportTypes());
	}
	// A fresh scan state per batch: its per-column caches belong to one batch.
	local.batch = make_uniq<ArrowScanLocalState>(nullptr, context);
	local.batch_rows = NumericCast<idx_t>(batch->arrow_array.length);
	local.batch->chunk = std::move(batch);
	local.batch->chunk_offset = 0;
	return true;
}

void RemoteScanExecute(ClientContext &context, TableFunctionInput &input, DataChunk &output) {
	auto &state = input.global_state->Cast<RemoteScanGlobalState>();
	auto &local = input.local_state->Cast<RemoteScanLocalState>();
	while (true) {
		if (!local.batch || local.batch->chunk_offset >= local.batch_rows) {
			local.batch.reset();
			if (!TakeBatch(context, state, local)) {
				return;
			}
			continue;
		}
		auto rows = MinValue<idx_t>(STANDARD_VECTOR_SIZE, local.batch_rows - local.batch->chunk_offset);
		state.stream->Convert(*local.batch, rows, local.import, output);
		state.rows += output.size();
		if (state.statistics_check) {
			state.statistics_check->Verify(output);
		}
		if (!local.local_executor) {
			return;
		}
		auto count = local.local_executor->SelectExpression(output, local.selection);
		if (count == output.size()) {
			return;
		}
		if (count > 0) {
			output.Slice(local.selection, count);
			return;
		}
		output.Reset();
	}
}

OperatorPartitionData RemoteScanPartition(ClientContext &context, TableFunctionGetPartitionInput &input) {
	// Batches are numbered in stream order, which is the worker's row order.
	auto &local = input.local_state->Cast<RemoteScanLocalState>();
	return OperatorPartitionData(local.batch_index);
}

double RemoteScanProgress(ClientContext &context, const FunctionData *bind_p, const GlobalTableFunctionState *state_p) {
	auto &bind = bind_p->Cast<RemoteScanBindData>();
	auto &state = state_p->Cast<RemoteScanGlobalState>();
	if (bind.relation.estimated_rows == 0) {
		return -1;
	}
	return MinValue<double>(100.0, 100.0 * double(state.rows.load()) / double(bind.relation.estimated_rows));
}

unique_ptr<BaseStatistics> RemoteScanStatistics(ClientContext &context, const FunctionData *bind_p,
                                               column_t column_id) {
	return bind_p->Cast<RemoteScanBindData>().statistics->Get(context, column_id);
}

unique_ptr<NodeStatistics> RemoteScanCardinality(ClientContext &context, const FunctionData *bind_p) {
	auto &bind = bind_p->Cast<RemoteScanBindData>();
	return make_uniq<NodeStatistics>(bind.relation.estimated_rows, bind.relation.estimated_rows);
}

BindInfo RemoteScanBindInfo(const optional_ptr<FunctionData> bind_p) {
	auto &bind = bind_p->Cast<RemoteScanBindData>();
	if (!bind.table) {
		return BindInfo(ScanType::EXTERNAL);
	}
	return BindInfo(const_cast<TableCatalogEntry &>(*bind.table));
}

InsertionOrderPreservingMap<string> RemoteScanToString(TableFunctionToStringInput &input) {
	auto &bind = input.bind_data->Cast<RemoteScanBindData>();
	InsertionOrderPreservingMap<string> result;
	result["Location"] = bind.catalog->RemoteLocation();
	result["Catalog"] = bind.catalog->GetName();
	result["Table"] = QuoteIdentifier(bind.relation.schema) + "." + QuoteIdentifier(bind.relation.name);
	std::string keys;
	for (auto &join_keys : bind.join_keys) {
		keys += (keys.empty() ? "" : ", ") + QuoteIdentifier(join_keys->Column());
	}
	if (!keys.empty()) {
		result["Join keys from host"] = keys;
	}
	if (!bind.row_filters.empty()) {
		result["Row filters to worker"] = StringUtil::Join(bind.row_filters, " AND ");
	}
	if (bind.any_row_order) {
		result["Row order"] = "any (worker threads unordered)";
	}
	return result;
}

// A condition on an expression of one column (`substring(c_phone, 1, 2) IN (...)`) becomes an
// ExpressionFilter of the scan when the worker can evaluate it (RenderFilters sends it);
// otherwise DuckDB keeps it in a FILTER above the scan, or turns a long IN list into a join.
bool RemoteScanPushdownExpression(ClientContext &, const LogicalGet &get, Expression &expression) {
	std::string sql;
	return RenderCondition(expression, RemoteColumnSQL(get), sql);
}

// EXPLAIN ANALYZE: what crossed the bridge for this scan (its time is the operator's own).
InsertionOrderPreservingMap<string> RemoteScanDynamicToString(TableFunctionDynamicToStringInput &input) {
	InsertionOrderPreservingMap<string> result;
	if (!input.global_state) {
		return result;
	}
	auto &state = input.global_state->Cast<RemoteScanGlobalState>();
	result["Rows received"] = std::to_string(state.rows.load());
	if (!state.keys_sent.empty()) {
		result["Join keys sent"] = state.keys_sent;
	}
	return result;
}

// openduck_scan('<catalog>', '<schema>', '<name>'): the query of every remote view.
unique_ptr<FunctionData> RemoteScanBind(ClientContext &context, TableFunctionBindInput &input,
                                        vector<LogicalType> &return_types, vector<string> &names) {
	for (auto &value : input.inputs) {
		if (value.IsNull()) {
			throw BinderException("openduck_scan arguments cannot be NULL");
		}
	}
	auto catalog_name = input.inputs[0].GetValue<string>();
	auto schema_name = input.inputs[1].GetValue<string>();
	auto relation_name = input.inputs[2].GetValue<string>();
	auto found = ODCatalog::Find(context, catalog_name);
	if (!found) {
		throw BinderException("\"%s\" is not an attached OpenDuck database", catalog_name);
	}
	auto &od_catalog = *found;
	// A view listed from a past snapshot reads that snapshot (ODSchemaEntry::AddRelation).
	auto past = input.named_parameters.find("snapshot");
	auto snapshot = past != input.named_parameters.end() && !past->second.IsNull()
	                    ? od_catalog.PastSnapshot(context, past->second.ToString())
	                    : Transaction::Get(context, od_catalog).Cast<ODTransaction>().Snapshot(od_catalog);
	auto schema = snapshot->schemas.find(schema_name);
	const RemoteRelation *relation = nullptr;
	if (schema != snapshot->schemas.end()) {
		relation = schema->second->GetRelation(relation_name);
	}
	if (!relation) {
		throw CatalogException("OpenDuck database \"%s\" has no table or view \"%s\".\"%s\"", catalog_name,
		                       schema_name, relation_name);
	}
	return_types = relation->column_types;
	names = relation->column_names;
	return MakeRemoteScanBindData(od_catalog, *relation, nullptr);
}

} // namespace

uint64_t ListedDistinctCount(const RemoteRelation &relation, const std::string &column) {
	for (idx_t i = 0; i < relation.column_names.size() && i < relation.listed_statistics.size(); i++) {
		if (relation.column_names[i] == column) {
			auto statistics = DecodeColumnStatistics(relation.listed_statistics[i], relation.column_types[i]);
			if (statistics && statistics->GetDistinctCount() > 0) {
				return statistics->GetDistinctCount();
			}
		}
	}
	return NumericLimits<uint64_t>::Maximum();
}

unique_ptr<FunctionData> MakeRemoteScanBindData(ODCatalog &catalog, const RemoteRelation &relation,
                                                optional_ptr<TableCatalogEntry> table) {
	auto bind = make_uniq<RemoteScanBindData>();
	bind->catalog = &catalog;
	bind->relation = relation;
	bind->table = table;
	bind->time_travel = !relation.snapshot.empty();
	bind->statistics = std::make_shared<RemoteTableStatistics>(catalog, relation);
	return std::move(bind);
}

// The bind data of `get` when it is a remote scan, else nullptr.
static optional_ptr<RemoteScanBindData> RemoteScanOf(const LogicalGet &get) {
	if (get.function.name != "openduck_scan" || !get.bind_data) {
		return nullptr;
	}
	return &get.bind_data->Cast<RemoteScanBindData>();
}

bool PushRowLimit(LogicalGet &get, idx_t max_rows, const std::string &order_sql) {
	auto scan = RemoteScanOf(get);
	if (!scan || max_rows == 0) {
		return false;
	}
	// A filter evaluated locally would run after the remote LIMIT and drop rows it should not.
	idx_t width = 0;
	for (auto &entry : get.table_filters.filters) {
		width = MaxValue<idx_t>(width, entry.first + 1);
	}
	vector<std::string> placeholders(width, "x");
	if (!RenderFilters(get.table_filters, placeholders).local.empty()) {
		return false;
	}
	auto &bind = *scan;
	// They filter on the worker, before its LIMIT: the rows kept would differ. (Row filters are
	// added after limits today; this keeps the order of the passes free.)
	if (!bind.join_keys.empty() || !bind.row_filters.empty()) {
		return false;
	}
	bind.row_limit = bind.row_limit ? MinValue(bind.row_limit, max_rows) : max_rows;
	bind.order_sql = order_sql;
	// The limit keeps the worker's first rows: their order is what it means (AllowAnyRowOrder
	// refuses a limited scan; this keeps the order of the passes free).
	bind.any_row_order = false;
	return true;
}

bool AddJoinKeys(LogicalGet &get, std::shared_ptr<JoinKeys> keys) {
	auto scan = RemoteScanOf(get);
	if (!scan || scan->row_limit) {
		return false;
	}
	scan->join_keys.push_back(std::move(keys));
	return true;
}

bool AddRowFilter(LogicalGet &get, const std::string &sql) {
	auto scan = RemoteScanOf(get);
	if (!scan || scan->row_limit) {
		return false;
	}
	scan->row_filters.push_back(sql);
	return true;
}

bool DeclineStatistics(LogicalGet &get) {
	auto scan = RemoteScanOf(get);
	if (!scan) {
		return false;
	}
	scan->statistics->Decline();
	return true;
}

bool AllowAnyRowOrder(LogicalGet &get) {
	auto scan = RemoteScanOf(get);
	if (!scan || scan->row_limit) {
		return false;
	}
	scan->any_row_order = true;
	return true;
}

bool MarkToSendEarly(LogicalGet &get) {
	auto scan = RemoteScanOf(get);
	if (!scan || scan->time_travel) {
		return false;
	}
	scan->send_early = true;
	return true;
}

bool SendsEarly(const LogicalGet &get) {
	auto scan = RemoteScanOf(get);
	return scan && scan->send_early;
}

bool SendScanEarly(ClientContext &context, LogicalGet &get) {
	auto scan = RemoteScanOf(get);
	if (!scan || scan->time_travel || scan->shares_snapshot || !scan->join_keys.empty() || scan->early) {
		return false;
	}
	auto &catalog = *scan->catalog;
	// Replicas and snapshots have catalog versions of their own.
	auto &config = catalog.Client().Config();
	if (config.read_only || !config.snapshot.empty()) {
		return false;
	}
	auto &transaction = Transaction::Get(context, catalog).Cast<ODTransaction>();
	auto expected_catalog_version = transaction.UnverifiedVersion();
	// A session (one that read statistics, say) is handed to the scan when it starts.
	if (expected_catalog_version.empty() || !transaction.CurrentSession().empty()) {
		return false;
	}
	// What the physical scan will pass to its init: the column ids, and the filters keyed by
	// position among them instead of by column.
	vector<column_t> column_ids;
	for (auto &column : get.GetColumnIds()) {
		column_ids.push_back(column.GetPrimaryIndex());
	}
	TableFilterSet filters;
	for (auto &entry : get.table_filters.filters) {
		for (idx_t i = 0; i < column_ids.size(); i++) {
			if (column_ids[i] == entry.first) {
				filters.filters[i] = entry.second->Copy();
				break;
			}
		}
	}
	auto state = MakeScanState(context, *scan, column_ids, &filters);
	if (!state->options.session_id.empty()) {
		return false;
	}
	state->options.expected_catalog_version = expected_catalog_version;
	auto early = std::make_shared<EarlyScanRequest>();
	early->sql = state->QuerySQL();
	early->query = catalog.Client().Execute(early->sql, state->options);
	auto &counters = QueryStats::Get(context).Current();
	counters.requests++;
	counters.bytes_sent += early->query->bytes_sent;
	// Waits for the worker's answer: a stale catalog must be known while the statement can still
	// be bound again.
	early->answered =
	    early->query->NextPayload(early->first_payload, [&context]() { return context.interrupted.load(); });
	scan->early = std::move(early);
	transaction.ConfirmSnapshot();
	return true;
}

optional_ptr<const RemoteRelation> ScannedRelation(LogicalGet &get) {
	auto scan = RemoteScanOf(get);
	return scan ? &scan->relation : nullptr;
}

std::string RemoteColumnName(const LogicalGet &get, idx_t column_index) {
	auto scan = RemoteScanOf(get);
	if (!scan) {
		return "";
	}
	auto &column_ids = get.GetColumnIds();
	if (column_index >= column_ids.size() || column_ids[column_index].IsVirtualColumn()) {
		return "";
	}
	auto &relation = scan->relation;
	auto primary = column_ids[column_index].GetPrimaryIndex();
	return primary < relation.column_names.size() ? relation.column_names[primary] : "";
}

ColumnRenderer RemoteColumnSQL(const LogicalGet &get) {
	return [&get](const Expression &column) -> std::string {
		if (column.GetExpressionClass() != ExpressionClass::BOUND_COLUMN_REF) {
			return "";
		}
		auto &binding = column.Cast<BoundColumnRefExpression>().binding;
		auto name = binding.table_index == get.table_index ? RemoteColumnName(get, binding.column_index) : "";
		return name.empty() ? "" : QuoteIdentifier(name);
	};
}

bool IsRemoteScanOf(const TableFunction &function, optional_ptr<FunctionData> bind_data, const RemoteClient &client) {
	return function.name == "openduck_scan" && bind_data &&
	       &bind_data->Cast<RemoteScanBindData>().catalog->Client() == &client;
}

TableFunction RemoteScanFunction() {
	TableFunction function("openduck_scan", {LogicalType::VARCHAR, LogicalType::VARCHAR, LogicalType::VARCHAR},
	                       RemoteScanExecute, RemoteScanBind, RemoteScanInit, RemoteScanInitLocal);
	function.named_parameters["snapshot"] = LogicalType::VARCHAR;
	function.get_partition_data = RemoteScanPartition;
	function.projection_pushdown = true;
	function.filter_pushdown = true;
	function.pushdown_expression = RemoteScanPushdownExpression;
	function.table_scan_progress = RemoteScanProgress;
	function.cardinality = RemoteScanCardinality;
	function.statistics = RemoteScanStatistics;
	function.get_bind_info = RemoteScanBindInfo;
	function.to_string = RemoteScanToString;
	function.dynamic_to_string = RemoteScanDynamicToString;
	MarkNotSerializable(function);
	return function;
}

} // namespace openduck
