#include "extension/functions/database_request.hpp"

#include "common/token.hpp"
#include "duckdb/common/exception/binder_exception.hpp"
#include "duckdb/common/exception/catalog_exception.hpp"
#include "extension/catalog/od_catalog.hpp"
#include "extension/client/remote_client.hpp"

namespace openduck {

using namespace duckdb;

namespace {

std::string Attempted(const v1::ManageDatabaseRequest &request) {
	switch (request.action()) {
	case v1::DATABASE_ACTION_CREATE:
		return "create database '" + request.target() + "'";
	case v1::DATABASE_ACTION_CLONE:
		return "clone database '" + request.database() + "' into '" + request.target() + "'";
	case v1::DATABASE_ACTION_SNAPSHOT:
		return "create snapshot '" + request.target() + "' of database '" + request.database() + "'";
	case v1::DATABASE_ACTION_DROP:
		return "drop database '" + request.database() + "'";
	case v1::DATABASE_ACTION_UNDROP:
		return "undrop database '" + request.target() + "'";
	default:
		return "list the databases";
	}
}

} // namespace

AttachConfig AttachedConfig(ClientContext &context, const std::string &alias, const std::string &who) {
	return ODCatalog::Require(context, alias, who).Client().Config();
}

v1::ManageDatabaseResponse SendDatabaseRequest(const DatabaseRequest &call) {
	auto stub = v1::ExecutionService::NewStub(
	    grpc::CreateChannel(call.config.endpoint.Target(), grpc::InsecureChannelCredentials()));
	grpc::ClientContext context;
	context.AddMetadata("authorization", BearerHeader(call.config.token));
	v1::ManageDatabaseResponse response;
	auto status = stub->ManageDatabase(&context, call.request, &response);
	if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
		throw CatalogException("%s", status.error_message());
	}
	if (!status.ok()) {
		ThrowRpcError(status, call.config, Attempted(call.request));
	}
	return response;
}

vector<Value> RequestParameters(const std::string &alias, const v1::ManageDatabaseRequest &request) {
	return {Value(alias), Value::BLOB_RAW(request.SerializeAsString())};
}

DatabaseRequest RequestFromParameters(ClientContext &context, const vector<Value> &inputs) {
	DatabaseRequest call;
	call.config = AttachedConfig(context, inputs[0].GetValue<string>(), "database statement");
	if (!call.request.ParseFromString(inputs[1].GetValueUnsafe<string>())) {
		throw InternalException("database statement: unreadable request");
	}
	return call;
}

} // namespace openduck
