#include "extension/remote_scan.hpp"

#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "duckdb/common/exception.hpp"
#include "duckdb/common/exception/binder_exception.hpp"
#include "duckdb/common/exception/catalog_exception.hpp"
#include "duckdb/parser/keyword_helper.hpp"
#include "duckdb/execution/expression_executor.hpp"
#include "duckdb/planner/expression/bound_conjunction_expression.hpp"
#include "duckdb/planner/expression/bound_reference_expression.hpp"
#include "extension/filter_sql.hpp"
#include "extension/od_catalog.hpp"
#include "extension/od_schema_entry.hpp"
#include "extension/od_transaction.hpp"
#include "extension/remote_result.hpp"

#include <atomic>

namespace openduck {

using namespace duckdb;

namespace {

struct RemoteScanBindData : public TableFunctionData {
	std::shared_ptr<RemoteClient> client;
	RemoteRelation relation;
	optional_ptr<TableCatalogEntry> table;

	unique_ptr<FunctionData> Copy() const override {
		auto copy = make_uniq<RemoteScanBindData>();
		copy->client = client;
		copy->relation = relation;
		copy->table = table;
		return std::move(copy);
	}
	bool Equals(const FunctionData &other_p) const override {
		auto &other = other_p.Cast<RemoteScanBindData>();
		return client == other.client && relation.schema == other.relation.schema &&
		       relation.name == other.relation.name;
	}
};

struct RemoteScanGlobalState : public GlobalTableFunctionState {
	unique_ptr<RemoteResult> result;
	std::string sql;
	std::atomic<uint64_t> rows {0};
	// Filters the worker could not be asked to apply exactly; evaluated on received rows.
	unique_ptr<Expression> local_filter;
	unique_ptr<ExpressionExecutor> local_executor;
	SelectionVector selection {STANDARD_VECTOR_SIZE};
};

std::string Quote(const std::string &identifier) {
	return KeywordHelper::WriteQuoted(identifier, '"');
}

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
			columns.push_back(Quote(relation.column_names[column_id]));
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

unique_ptr<GlobalTableFunctionState> RemoteScanInit(ClientContext &context, TableFunctionInitInput &input) {
	auto &bind = input.bind_data->Cast<RemoteScanBindData>();
	auto &relation = bind.relation;
	auto state = make_uniq<RemoteScanGlobalState>();
	auto columns = ColumnSQL(relation, input.column_ids);
	std::string select;
	for (auto &column : columns) {
		select += select.empty() ? column : ", " + column;
	}
	state->sql = "SELECT " + (select.empty() ? std::string("NULL") : select) + " FROM " + Quote(relation.schema) +
	             "." + Quote(relation.name);
	if (input.filters) {
		auto rendered = RenderFilters(*input.filters, columns);
		if (!rendered.where_sql.empty()) {
			state->sql += " WHERE " + rendered.where_sql;
		}
		vector<unique_ptr<Expression>> local;
		for (auto &entry : rendered.local) {
			auto type = ColumnType(relation, input.column_ids[entry.first]);
			local.push_back(entry.second->ToExpression(BoundReferenceExpression(type, entry.first)));
		}
		if (local.size() == 1) {
			state->local_filter = std::move(local[0]);
		} else if (local.size() > 1) {
			auto conjunction = make_uniq<BoundConjunctionExpression>(ExpressionType::CONJUNCTION_AND);
			conjunction->children = std::move(local);
			state->local_filter = std::move(conjunction);
		}
		if (state->local_filter) {
			state->local_executor = make_uniq<ExpressionExecutor>(context, *state->local_filter);
		}
	}
	state->result = make_uniq<RemoteResult>(context, bind.client->Execute(state->sql));
	return std::move(state);
}

void RemoteScanExecute(ClientContext &context, TableFunctionInput &input, DataChunk &output) {
	auto &state = input.global_state->Cast<RemoteScanGlobalState>();
	while (state.result->Next(output)) {
		state.rows += output.size();
		if (!state.local_executor) {
			return;
		}
		auto count = state.local_executor->SelectExpression(output, state.selection);
		if (count == output.size()) {
			return;
		}
		if (count > 0) {
			output.Slice(state.selection, count);
			return;
		}
		output.Reset();
	}
}

double RemoteScanProgress(ClientContext &context, const FunctionData *bind_p, const GlobalTableFunctionState *state_p) {
	auto &bind = bind_p->Cast<RemoteScanBindData>();
	auto &state = state_p->Cast<RemoteScanGlobalState>();
	if (bind.relation.estimated_rows == 0) {
		return -1;
	}
	return MinValue<double>(100.0, 100.0 * double(state.rows.load()) / double(bind.relation.estimated_rows));
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
	result["Remote"] = bind.client->Config().database + "@" + bind.client->Config().endpoint.ToString();
	result["Table"] = Quote(bind.relation.schema) + "." + Quote(bind.relation.name);
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
	auto &catalog = Catalog::GetCatalog(context, catalog_name);
	if (catalog.GetCatalogType() != "openduck") {
		throw BinderException("\"%s\" is not an attached OpenDuck database", catalog_name);
	}
	auto &od_catalog = catalog.Cast<ODCatalog>();
	auto snapshot = Transaction::Get(context, catalog).Cast<ODTransaction>().Snapshot(od_catalog);
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

unique_ptr<FunctionData> MakeRemoteScanBindData(ODCatalog &catalog, const RemoteRelation &relation,
                                                optional_ptr<TableCatalogEntry> table) {
	auto bind = make_uniq<RemoteScanBindData>();
	bind->client = catalog.ClientPtr();
	bind->relation = relation;
	bind->table = table;
	return std::move(bind);
}

bool IsRemoteScanOf(const TableFunction &function, optional_ptr<FunctionData> bind_data, const RemoteClient &client) {
	return function.name == "openduck_scan" && bind_data &&
	       bind_data->Cast<RemoteScanBindData>().client.get() == &client;
}

TableFunction RemoteScanFunction() {
	TableFunction function("openduck_scan", {LogicalType::VARCHAR, LogicalType::VARCHAR, LogicalType::VARCHAR},
	                       RemoteScanExecute, RemoteScanBind, RemoteScanInit);
	function.projection_pushdown = true;
	function.filter_pushdown = true;
	function.table_scan_progress = RemoteScanProgress;
	function.cardinality = RemoteScanCardinality;
	function.get_bind_info = RemoteScanBindInfo;
	function.to_string = RemoteScanToString;
	return function;
}

} // namespace openduck
