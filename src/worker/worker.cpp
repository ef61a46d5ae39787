#include "worker/worker.hpp"

#include "common/version.hpp"
#include "rpc/call_checks.hpp"
#include "worker/catalog_reader.hpp"

#include "duckdb/common/error_data.hpp"

namespace openduck {

namespace pb = openduck::v1;

Worker::Worker(std::unique_ptr<DatabaseSet> databases, CancellationWatcher &watcher)
    : databases_(std::move(databases)), watcher_(watcher) {
}

grpc::Status Worker::FindDatabase(const std::string &name, const std::string &snapshot_id,
                                  duckdb::DuckDB *&database) {
	database = databases_->Find(name);
	if (!database) {
		return DatabaseNotFound(name, databases_->Names());
	}
	if (!snapshot_id.empty()) {
		// Plain database files keep only their current state; snapshots come with the
		// differential storage engine.
		return grpc::Status(grpc::StatusCode::NOT_FOUND, "snapshot '" + snapshot_id + "' of database '" + name +
		                                                     "' does not exist (this server keeps only the current "
		                                                     "state of its databases)");
	}
	return grpc::Status::OK;
}

grpc::Status Worker::Handshake(const pb::HandshakeRequest &request, pb::HandshakeResponse &response) {
	auto status = CheckPeerVersions("client", request.protocol_version(), request.duckdb_version());
	if (!status.ok()) {
		return status;
	}
	if (!request.database().empty() && !Serves(request.database())) {
		return DatabaseNotFound(request.database(), databases_->Names());
	}
	response.set_protocol_version(kProtocolVersion);
	response.set_duckdb_version(kDuckDBVersion);
	response.set_server_version(kVersion);
	return grpc::Status::OK;
}

grpc::Status Worker::ExecuteFragment(const grpc::ServerContext &call, const pb::ExecuteFragmentRequest &request,
                                     const ResponseSink &sink, FragmentOutcome &outcome) {
	duckdb::DuckDB *database;
	auto status = FindDatabase(request.database(), request.snapshot_id(), database);
	if (!status.ok()) {
		return status;
	}
	FragmentExecutor executor(*database, request);
	auto tracked = executions_.TryRegister(request.execution_id(), executor);
	if (!tracked) {
		return grpc::Status(grpc::StatusCode::ALREADY_EXISTS,
		                    "execution '" + request.execution_id() + "' is already running on this worker");
	}
	// Declared after `tracked`, so it is destroyed first: neither cancel path can reach the
	// executor once Run has returned and the executor goes away.
	auto watched = watcher_.Watch(call, [&executor] { executor.Cancel(); });
	outcome = executor.Run(sink);
	if (!outcome.delivered) {
		return grpc::Status(grpc::StatusCode::CANCELLED, "the caller went away before the result was delivered");
	}
	return grpc::Status::OK;
}

grpc::Status Worker::GetCatalog(const pb::GetCatalogRequest &request, pb::GetCatalogResponse &response) {
	duckdb::DuckDB *database;
	auto status = FindDatabase(request.database(), request.snapshot_id(), database);
	if (!status.ok()) {
		return status;
	}
	try {
		ReadCatalog(*database, response);
	} catch (std::exception &ex) {
		duckdb::ErrorData error(ex);
		return grpc::Status(grpc::StatusCode::INTERNAL,
		                    "reading the catalog of database '" + request.database() + "' failed: " + error.Message());
	}
	return grpc::Status::OK;
}

grpc::Status Worker::CancelExecution(const pb::CancelExecutionRequest &request, pb::CancelExecutionResponse &response) {
	response.set_found(!request.execution_id().empty() && executions_.Cancel(request.execution_id()));
	return grpc::Status::OK;
}

} // namespace openduck
