#include "extension/functions/database_list_function.hpp"

#include "duckdb/common/types/timestamp.hpp"
#include "extension/functions/database_request.hpp"
#include "extension/functions/single_call_state.hpp"

namespace openduck {

using namespace duckdb;

namespace {

constexpr const char *kName = "openduck_databases";

struct ListBindData : public TableFunctionData {
	DatabaseRequest call;
};

unique_ptr<FunctionData> ListResult(DatabaseRequest call, vector<LogicalType> &return_types, vector<string> &names) {
	auto bind = make_uniq<ListBindData>();
	bind->call = std::move(call);
	names = {"name", "size_bytes", "layer_bytes", "snapshots", "head_snapshot", "created_at", "type"};
	return_types = {LogicalType::VARCHAR, LogicalType::BIGINT,    LogicalType::BIGINT, LogicalType::BIGINT,
	                LogicalType::BIGINT,  LogicalType::TIMESTAMP, LogicalType::VARCHAR};
	return std::move(bind);
}

unique_ptr<FunctionData> ListBind(ClientContext &context, TableFunctionBindInput &input,
                                  vector<LogicalType> &return_types, vector<string> &names) {
	if (input.inputs[0].IsNull()) {
		throw BinderException("%s argument cannot be NULL", kName);
	}
	DatabaseRequest call;
	call.config = AttachedConfig(context, input.inputs[0].GetValue<string>(), kName);
	call.request.set_action(v1::DATABASE_ACTION_LIST);
	call.request.set_database(call.config.database);
	return ListResult(std::move(call), return_types, names);
}

unique_ptr<FunctionData> StatementBind(ClientContext &context, TableFunctionBindInput &input,
                                       vector<LogicalType> &return_types, vector<string> &names) {
	return ListResult(RequestFromParameters(context, input.inputs), return_types, names);
}

void ListExecute(ClientContext &, TableFunctionInput &input, DataChunk &output) {
	if (!SingleCallState::First(input)) {
		return;
	}
	auto response = SendDatabaseRequest(input.bind_data->Cast<ListBindData>().call);
	// A server holds far fewer databases than a chunk has rows; more would be cut off silently.
	if (static_cast<idx_t>(response.databases_size()) > STANDARD_VECTOR_SIZE) {
		throw NotImplementedException("%s: the server lists %d databases, more than %d", kName,
		                              response.databases_size(), STANDARD_VECTOR_SIZE);
	}
	idx_t row = 0;
	for (auto &db : response.databases()) {
		output.SetValue(0, row, Value(db.name()));
		output.SetValue(1, row, Value::BIGINT(static_cast<int64_t>(db.file_size())));
		output.SetValue(2, row, Value::BIGINT(static_cast<int64_t>(db.layer_bytes())));
		output.SetValue(3, row, Value::BIGINT(db.snapshots()));
		output.SetValue(4, row, db.head_snapshot() ? Value::BIGINT(db.head_snapshot()) : Value(LogicalType::BIGINT));
		output.SetValue(5, row, Value::TIMESTAMP(Timestamp::FromEpochSeconds(db.created_at())));
		// A server from before DuckLake databases sends no kind: all of its databases are native.
		output.SetValue(6, row, Value(db.kind().empty() ? std::string("native") : db.kind()));
		row++;
	}
	output.SetCardinality(row);
}

} // namespace

TableFunction DatabaseListFunction() {
	return TableFunction(kName, {LogicalType::VARCHAR}, ListExecute, ListBind, SingleCallState::Init);
}

TableFunction DatabaseListStatementFunction() {
	return TableFunction("openduck_show_databases", {LogicalType::VARCHAR, LogicalType::BLOB}, ListExecute,
	                     StatementBind, SingleCallState::Init);
}

} // namespace openduck
