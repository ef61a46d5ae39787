#include "extension/functions/admin_functions.hpp"

#include "common/token.hpp"
#include "duckdb/common/exception/binder_exception.hpp"
#include "duckdb/common/exception/catalog_exception.hpp"
#include "extension/catalog/od_catalog.hpp"
#include "extension/client/remote_client.hpp"

namespace openduck {

using namespace duckdb;

namespace {

struct AdminBindData : public TableFunctionData {
	// The attachment's settings, copied: the request must not depend on it staying attached.
	AttachConfig config;
	v1::DatabaseAction action = v1::DATABASE_ACTION_UNSPECIFIED;
	std::string target;
	std::string source_snapshot;
};

struct AdminGlobalState : public GlobalTableFunctionState {
	bool done = false;
};

const char *FunctionName(v1::DatabaseAction action) {
	switch (action) {
	case v1::DATABASE_ACTION_CREATE:
		return "openduck_create_database";
	case v1::DATABASE_ACTION_CLONE:
		return "openduck_clone_database";
	default:
		return "openduck_create_snapshot";
	}
}

std::string Attempted(const AdminBindData &bind) {
	switch (bind.action) {
	case v1::DATABASE_ACTION_CREATE:
		return "create database '" + bind.target + "'";
	case v1::DATABASE_ACTION_CLONE:
		return "clone database '" + bind.config.database + "' into '" + bind.target + "'";
	default:
		return "create snapshot '" + bind.target + "' of database '" + bind.config.database + "'";
	}
}

unique_ptr<FunctionData> AdminBind(v1::DatabaseAction action, ClientContext &context, TableFunctionBindInput &input,
                                   vector<LogicalType> &return_types, vector<string> &names) {
	auto function = FunctionName(action);
	for (auto &argument : input.inputs) {
		if (argument.IsNull()) {
			throw BinderException("%s arguments cannot be NULL", function);
		}
	}
	auto attached = input.inputs[0].GetValue<string>();
	auto catalog = ODCatalog::Find(context, attached);
	if (!catalog) {
		throw BinderException("%s: \"%s\" is not an attached OpenDuck database (attach one with ATTACH "
		                      "'openduck:<database>' AS %s)",
		                      function, attached, attached);
	}
	auto bind = make_uniq<AdminBindData>();
	bind->config = catalog->Client().Config();
	bind->action = action;
	bind->target = input.inputs[1].GetValue<string>();
	auto snapshot = input.named_parameters.find("snapshot");
	if (snapshot != input.named_parameters.end() && !snapshot->second.IsNull()) {
		bind->source_snapshot = snapshot->second.GetValue<string>();
	}
	names = {"database", "snapshot_id", "snapshot_name", "source_database", "source_snapshot_id", "layers",
	         "layer_bytes", "message"};
	return_types = {LogicalType::VARCHAR, LogicalType::BIGINT, LogicalType::VARCHAR, LogicalType::VARCHAR,
	                LogicalType::BIGINT,  LogicalType::BIGINT, LogicalType::BIGINT,  LogicalType::VARCHAR};
	return std::move(bind);
}

template <v1::DatabaseAction ACTION>
unique_ptr<FunctionData> BindFor(ClientContext &context, TableFunctionBindInput &input,
                                 vector<LogicalType> &return_types, vector<string> &names) {
	return AdminBind(ACTION, context, input, return_types, names);
}

unique_ptr<GlobalTableFunctionState> AdminInit(ClientContext &, TableFunctionInitInput &) {
	return make_uniq<AdminGlobalState>();
}

v1::ManageDatabaseResponse SendRequest(const AdminBindData &bind) {
	v1::ManageDatabaseRequest request;
	request.set_action(bind.action);
	request.set_database(bind.config.database);
	request.set_snapshot_id(bind.config.snapshot);
	request.set_target(bind.target);
	request.set_source_snapshot(bind.source_snapshot);
	// A channel of its own: administration is rare, and the attachment's channel is the scans'.
	auto stub = v1::ExecutionService::NewStub(
	    grpc::CreateChannel(bind.config.endpoint.Target(), grpc::InsecureChannelCredentials()));
	grpc::ClientContext context;
	context.AddMetadata("authorization", BearerHeader(bind.config.token));
	v1::ManageDatabaseResponse response;
	auto status = stub->ManageDatabase(&context, request, &response);
	if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
		throw CatalogException("%s", status.error_message());
	}
	if (!status.ok()) {
		ThrowRpcError(status, bind.config, Attempted(bind));
	}
	return response;
}

Value TextOrNull(const std::string &text) {
	return text.empty() ? Value(LogicalType::VARCHAR) : Value(text);
}

Value IdOrNull(int64_t id) {
	return id ? Value::BIGINT(id) : Value(LogicalType::BIGINT);
}

void AdminExecute(ClientContext &, TableFunctionInput &input, DataChunk &output) {
	auto &state = input.global_state->Cast<AdminGlobalState>();
	if (state.done) {
		return;
	}
	state.done = true;
	auto response = SendRequest(input.bind_data->Cast<AdminBindData>());
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
	                     AdminInit);
}

} // namespace

vector<TableFunction> AdminFunctions() {
	auto clone = AdminFunction(v1::DATABASE_ACTION_CLONE, BindFor<v1::DATABASE_ACTION_CLONE>);
	clone.named_parameters["snapshot"] = LogicalType::VARCHAR;
	return {AdminFunction(v1::DATABASE_ACTION_CREATE, BindFor<v1::DATABASE_ACTION_CREATE>), clone,
	        AdminFunction(v1::DATABASE_ACTION_SNAPSHOT, BindFor<v1::DATABASE_ACTION_SNAPSHOT>)};
}

} // namespace openduck
