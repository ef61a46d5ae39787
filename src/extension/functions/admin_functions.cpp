#include "extension/functions/admin_functions.hpp"

#include "duckdb/common/exception/binder_exception.hpp"
#include "duckdb/common/string_util.hpp"
#include "extension/functions/database_request.hpp"
#include "extension/functions/single_call_state.hpp"

namespace openduck {

using namespace duckdb;

namespace {

struct AdminBindData : public TableFunctionData {
	DatabaseRequest call;
};

const char *FunctionName(v1::DatabaseAction action) {
	switch (action) {
	case v1::DATABASE_ACTION_CREATE:
		return "openduck_create_database";
	case v1::DATABASE_ACTION_CLONE:
		return "openduck_clone_database";
	case v1::DATABASE_ACTION_DROP:
		return "openduck_drop_database";
	case v1::DATABASE_ACTION_UNDROP:
		return "openduck_undrop_database";
	default:
		return "openduck_create_snapshot";
	}
}

unique_ptr<FunctionData> AdminResult(DatabaseRequest call, vector<LogicalType> &return_types, vector<string> &names) {
	auto &request = call.request;
	if (request.action() == v1::DATABASE_ACTION_DROP && request.database() == call.config.database) {
		// The worker would stop serving the database this very attachment (and its session) uses.
		throw BinderException("cannot drop database '%s' through an attachment of it: attach another database of "
		                      "the server and drop it from there (or DETACH this attachment first)",
		                      request.database());
	}
	auto bind = make_uniq<AdminBindData>();
	bind->call = std::move(call);
	names = {"database", "snapshot_id", "snapshot_name", "source_database", "source_snapshot_id", "layers",
	         "layer_bytes", "message"};
	return_types = {LogicalType::VARCHAR, LogicalType::BIGINT, LogicalType::VARCHAR, LogicalType::VARCHAR,
	                LogicalType::BIGINT,  LogicalType::BIGINT, LogicalType::BIGINT,  LogicalType::VARCHAR};
	return std::move(bind);
}

unique_ptr<FunctionData> AdminBind(v1::DatabaseAction action, ClientContext &context, TableFunctionBindInput &input,
                                   vector<LogicalType> &return_types, vector<string> &names) {
	auto function = FunctionName(action);
	for (auto &argument : input.inputs) {
		if (argument.IsNull()) {
			throw BinderException("%s arguments cannot be NULL", function);
		}
	}
	DatabaseRequest call;
	call.config = AttachedConfig(context, input.inputs[0].GetValue<string>(), function);
	auto &request = call.request;
	request.set_action(action);
	request.set_database(call.config.database);
	request.set_snapshot_id(call.config.snapshot);
	auto name = input.inputs[1].GetValue<string>();
	// A drop names the database it acts on, and is routed to the worker serving it.
	(action == v1::DATABASE_ACTION_DROP ? *request.mutable_database() : *request.mutable_target()) = name;
	auto snapshot = input.named_parameters.find("snapshot");
	if (snapshot != input.named_parameters.end() && !snapshot->second.IsNull()) {
		request.set_source_snapshot(snapshot->second.GetValue<string>());
	}
	auto type = input.named_parameters.find("type");
	if (type != input.named_parameters.end() && !type->second.IsNull()) {
		request.set_kind(StringUtil::Lower(type->second.GetValue<string>()));
	}
	return AdminResult(std::move(call), return_types, names);
}

template <v1::DatabaseAction ACTION>
unique_ptr<FunctionData> BindFor(ClientContext &context, TableFunctionBindInput &input,
                                 vector<LogicalType> &return_types, vector<string> &names) {
	return AdminBind(ACTION, context, input, return_types, names);
}

unique_ptr<FunctionData> StatementBind(ClientContext &context, TableFunctionBindInput &input,
                                       vector<LogicalType> &return_types, vector<string> &names) {
	return AdminResult(RequestFromParameters(context, input.inputs), return_types, names);
}

Value TextOrNull(const std::string &text) {
	return text.empty() ? Value(LogicalType::VARCHAR) : Value(text);
}

Value IdOrNull(int64_t id) {
	return id ? Value::BIGINT(id) : Value(LogicalType::BIGINT);
}

void AdminExecute(ClientContext &, TableFunctionInput &input, DataChunk &output) {
	if (!SingleCallState::First(input)) {
		return;
	}
	auto response = SendDatabaseRequest(input.bind_data->Cast<AdminBindData>().call);
	output.SetValue(0, 0, Value(response.database()));
	output.SetValue(1, 0, IdOrNull(response.snapshot_id()));
	output.SetValue(2, 0, TextOrNull(response.snapshot_name()));
	output.SetValue(3, 0, TextOrNull(response.source_database()));
	output.SetValue(4, 0, IdOrNull(response.source_snapshot_id()));
	output.SetValue(5, 0, Value::BIGINT(response.layer_count()));
	output.SetValue(6, 0, Value::BIGINT(static_cast<int64_t>(response.layer_bytes())));
	output.SetValue(7, 0, Value(response.message()));
	output.SetCardinality(1);
}

TableFunction AdminFunction(v1::DatabaseAction action, table_function_bind_t bind) {
	return TableFunction(FunctionName(action), {LogicalType::VARCHAR, LogicalType::VARCHAR}, AdminExecute, bind,
	                     SingleCallState::Init);
}

} // namespace

vector<TableFunction> AdminFunctions() {
	auto clone = AdminFunction(v1::DATABASE_ACTION_CLONE, BindFor<v1::DATABASE_ACTION_CLONE>);
	clone.named_parameters["snapshot"] = LogicalType::VARCHAR;
	auto create = AdminFunction(v1::DATABASE_ACTION_CREATE, BindFor<v1::DATABASE_ACTION_CREATE>);
	create.named_parameters["type"] = LogicalType::VARCHAR; // 'ducklake' (default: native)
	return {create, clone,
	        AdminFunction(v1::DATABASE_ACTION_SNAPSHOT, BindFor<v1::DATABASE_ACTION_SNAPSHOT>),
	        AdminFunction(v1::DATABASE_ACTION_DROP, BindFor<v1::DATABASE_ACTION_DROP>),
	        AdminFunction(v1::DATABASE_ACTION_UNDROP, BindFor<v1::DATABASE_ACTION_UNDROP>)};
}

TableFunction AdminStatementFunction() {
	return TableFunction("openduck_database_statement", {LogicalType::VARCHAR, LogicalType::BLOB}, AdminExecute,
	                     StatementBind, SingleCallState::Init);
}

} // namespace openduck
