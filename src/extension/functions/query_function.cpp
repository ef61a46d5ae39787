#include "extension/functions/query_function.hpp"

#include "duckdb/common/exception.hpp"
#include "duckdb/common/exception/binder_exception.hpp"
#include "duckdb/common/exception/catalog_exception.hpp"
#include "duckdb/parser/parser.hpp"
#include "extension/catalog/od_catalog.hpp"
#include "extension/scan/not_serializable.hpp"
#include "extension/scan/one_snapshot_per_statement.hpp"
#include "extension/scan/received_types.hpp"
#include "extension/scan/remote_result.hpp"
#include "extension/write/checked_write.hpp"

namespace openduck {

using namespace duckdb;

namespace {

struct QueryBindData : public RemoteReadBindData {
	std::string sql;
	vector<LogicalType> types;
	// The statement returns no columns; we expose one BOOLEAN "success" column without rows.
	bool no_columns = false;
	bool schema_may_change = true;
	// A shipped SELECT: safe to send again (ExecuteOptions::read_only). openduck_query's own
	// text may write, so it is not.
	bool read_only = false;
	// ShippedStatement::own_transaction.
	bool own_transaction = false;
	// ShippedStatement::prefetched; copies share it and the first execution takes it.
	std::shared_ptr<PrefetchedResult> prefetched;
	// ShippedStatement::snapshot.
	std::string snapshot;
	// ShippedStatement::uploads.
	std::shared_ptr<const std::vector<v1::Upload>> uploads;
	// AllowQueryAnyRowOrder.
	bool any_row_order = false;
	// ShippedStatement::target.
	TableCatalogEntry *target = nullptr;

	unique_ptr<FunctionData> Copy() const override {
		auto copy = make_uniq<QueryBindData>();
		copy->catalog = catalog;
		copy->shares_snapshot = shares_snapshot;
		copy->sql = sql;
		copy->read_only = read_only;
		copy->own_transaction = own_transaction;
		copy->prefetched = prefetched;
		copy->snapshot = snapshot;
		copy->uploads = uploads;
		copy->any_row_order = any_row_order;
		copy->target = target;
		copy->types = types;
		copy->no_columns = no_columns;
		copy->schema_may_change = schema_may_change;
		return std::move(copy);
	}
	bool Equals(const FunctionData &other_p) const override {
		auto &other = other_p.Cast<QueryBindData>();
		return catalog == other.catalog && sql == other.sql && snapshot == other.snapshot && uploads == other.uploads;
	}
};

// Whether `sql` is one or more SELECTs, which cannot change the catalog. Only other statements
// make the cached catalog stale: the remote-only parts of hybrid reads run as openduck_query
// SELECTs (subtree_pushdown.hpp), and dropping the cache after each cost every such statement a
// full catalog read and a describe (TPC-H Q15: 12 ms of its 50).
bool OnlySelects(const std::string &sql) {
	Parser parser;
	try {
		parser.ParseQuery(sql);
	} catch (std::exception &) {
		return false; // the worker reports what is wrong; the cache is dropped as for any statement
	}
	for (auto &statement : parser.statements) {
		if (statement->type != StatementType::SELECT_STATEMENT) {
			return false;
		}
	}
	return !parser.statements.empty();
}

struct QueryGlobalState : public GlobalTableFunctionState {
	std::unique_ptr<RemoteResult> result;
	bool done = false;
};

unique_ptr<FunctionData> QueryBind(ClientContext &context, TableFunctionBindInput &input,
                                   vector<LogicalType> &return_types, vector<string> &names) {
	if (input.inputs[0].IsNull() || input.inputs[1].IsNull()) {
		throw BinderException("openduck_query arguments cannot be NULL");
	}
	auto bind = make_uniq<QueryBindData>();
	auto name = input.inputs[0].GetValue<string>();
	bind->catalog = &ODCatalog::Require(context, name, "openduck_query");
	bind->sql = input.inputs[1].GetValue<string>();
	bind->catalog->Describe(context, bind->sql, bind->types, names);
	bind->schema_may_change = !OnlySelects(bind->sql);
	if (bind->types.empty()) {
		bind->no_columns = true;
		return_types = {LogicalType::BOOLEAN};
		names = {"success"};
	} else {
		return_types = bind->types;
	}
	return std::move(bind);
}

unique_ptr<GlobalTableFunctionState> QueryInit(ClientContext &context, TableFunctionInitInput &input) {
	auto state = make_uniq<QueryGlobalState>();
	state->result = StartQuery(context, *input.bind_data);
	CheckQueryTypes(*input.bind_data, *state->result);
	return std::move(state);
}

void QueryExecute(ClientContext &context, TableFunctionInput &input, DataChunk &output) {
	auto &bind = input.bind_data->Cast<QueryBindData>();
	auto &state = input.global_state->Cast<QueryGlobalState>();
	if (state.done) {
		return;
	}
	if (bind.no_columns) {
		DataChunk nothing;
		state.result->Next(nothing);
	} else if (state.result->Next(output)) {
		return;
	}
	state.done = true;
	QueryFinished(bind);
}

InsertionOrderPreservingMap<string> QueryToString(TableFunctionToStringInput &input) {
	return QueryParams(*input.bind_data);
}

} // namespace

std::unique_ptr<RemoteResult> StartQuery(ClientContext &context, const FunctionData &bind_data) {
	auto &bind = bind_data.Cast<QueryBindData>();
	if (bind.prefetched) {
		auto result = bind.prefetched->Take();
		if (result) {
			return result;
		}
	}
	ExecuteOptions options;
	if (bind.own_transaction || !bind.snapshot.empty()) {
		options = bind.catalog->OptionsWithoutNewSession(context);
	} else if (bind.read_only) {
		options = bind.catalog->OptionsForRead(context, bind.shares_snapshot);
	} else {
		options = bind.catalog->OptionsFor(context, bind.shares_snapshot);
	}
	options.read_only = bind.read_only;
	if (!bind.snapshot.empty()) {
		options.session_id.clear(); // a past snapshot is read outside any session
		options.snapshot = bind.snapshot;
	}
	options.uploads = bind.uploads;
	options.any_row_order = bind.any_row_order;
	if (!bind.target) {
		return std::make_unique<RemoteResult>(context, bind.catalog->Client().Execute(bind.sql, options));
	}
	std::unique_ptr<RemoteResult> result;
	auto send = [&](const std::string &version) {
		auto attempt = options;
		attempt.expected_catalog_version = version;
		result = std::make_unique<RemoteResult>(context, bind.catalog->Client().Execute(bind.sql, attempt));
		// A write answers once it ran: its error, a refusal included, comes first.
		result->Types();
	};
	SendCheckingCatalog(context, *bind.catalog, *bind.target, options.session_id.empty(), send);
	return result;
}

void CheckQueryTypes(const FunctionData &bind_data, RemoteResult &result) {
	auto &bind = bind_data.Cast<QueryBindData>();
	// A stale cached description (the table changed remotely) is dropped; the next attempt asks again.
	CheckReceivedTypes(*bind.catalog, "the result of the remote statement", {}, bind.types, result.Types());
}

void QueryFinished(const FunctionData &bind_data) {
	auto &bind = bind_data.Cast<QueryBindData>();
	if (bind.schema_may_change) {
		bind.catalog->Invalidate();
	}
}

InsertionOrderPreservingMap<string> QueryParams(const FunctionData &bind_data) {
	auto &bind = bind_data.Cast<QueryBindData>();
	InsertionOrderPreservingMap<string> result;
	result["Location"] = bind.catalog->RemoteLocation();
	result["Catalog"] = bind.catalog->GetName();
	result["SQL"] = bind.sql;
	if (bind.uploads) {
		// The other way across the bridge: host rows sent along with the statement.
		std::string uploads;
		for (auto &upload : *bind.uploads) {
			uploads += (uploads.empty() ? "" : "; ") + upload.table() + " <- " + upload.source() + " (" +
			           std::to_string(upload.arrow().size()) + " bytes)";
		}
		result["Uploads (LOCAL→REMOTE)"] = uploads;
	}
	if (bind.any_row_order) {
		result["Row order"] = "any (worker threads unordered)";
	}
	return result;
}

PrefetchedResult::PrefetchedResult(std::unique_ptr<RemoteResult> result) : result_(std::move(result)) {
}

PrefetchedResult::~PrefetchedResult() = default;

std::unique_ptr<RemoteResult> PrefetchedResult::Take() {
	std::lock_guard<std::mutex> guard(lock_);
	return std::move(result_);
}

unique_ptr<FunctionData> MakeQueryBindData(ODCatalog &catalog, std::string sql, vector<LogicalType> types,
                                           const ShippedStatement &how) {
	auto bind = make_uniq<QueryBindData>();
	bind->catalog = &catalog;
	bind->sql = std::move(sql);
	bind->types = std::move(types);
	bind->schema_may_change = how.schema_may_change;
	bind->read_only = how.read_only;
	bind->own_transaction = how.own_transaction;
	bind->prefetched = how.prefetched;
	bind->snapshot = how.snapshot;
	bind->uploads = how.uploads;
	bind->target = how.target;
	return std::move(bind);
}

bool AllowQueryAnyRowOrder(LogicalGet &get) {
	if (get.function.name != "openduck_query" || !get.bind_data) {
		return false;
	}
	get.bind_data->Cast<QueryBindData>().any_row_order = true;
	return true;
}

TableFunction QueryFunction() {
	TableFunction function("openduck_query", {LogicalType::VARCHAR, LogicalType::VARCHAR}, QueryExecute, QueryBind,
	                       QueryInit);
	function.to_string = QueryToString;
	MarkNotSerializable(function);
	return function;
}

} // namespace openduck
