#include "worker/worker_service.hpp"

#include "auth/access_checks.hpp"
#include "rpc/call_checks.hpp"

namespace openduck {

namespace pb = openduck::v1;

WorkerService::WorkerService(Authenticator &authenticator, Worker &worker, ServerMetrics &metrics)
    : authenticator_(authenticator), worker_(worker), metrics_(metrics) {
}

grpc::Status WorkerService::Admit(grpc::ServerContext &context, const std::string &database, Principal &principal,
                                  const std::string &fallback_token) {
	auto status = AuthenticateCall(context, authenticator_, principal, fallback_token);
	if (!status.ok() || database.empty()) {
		return status;
	}
	return CheckVisible(principal, database, [this] { return worker_.DatabaseNames(); });
}

grpc::Status WorkerService::Handshake(grpc::ServerContext *context, const pb::HandshakeRequest *request,
                                      pb::HandshakeResponse *response) {
	Principal principal;
	auto status = Admit(*context, request->database(), principal);
	return status.ok() ? worker_.Handshake(*request, *response) : status;
}

grpc::Status WorkerService::ExecuteFragment(grpc::ServerContext *context, const pb::ExecuteFragmentRequest *request,
                                            grpc::ServerWriter<pb::ExecuteFragmentResponse> *writer) {
	Principal principal;
	auto status = Admit(*context, request->database(), principal, request->access_token());
	if (!status.ok()) {
		return status;
	}
	MeteredQuery metered(metrics_);
	FragmentOutcome outcome;
	status = worker_.ExecuteFragment(
	    *context, *request, principal,
	    [&](const pb::ExecuteFragmentResponse &response) {
		    if (response.has_arrow_batch() || response.has_arrow_part()) {
			    metered.AddBytesSent(response.arrow_batch().size() + response.arrow_part().size());
		    }
		    return writer->Write(response);
	    },
	    outcome);
	if (!status.ok() || outcome.failed) {
		metered.MarkFailed();
	}
	return status;
}

grpc::Status WorkerService::GetCatalog(grpc::ServerContext *context, const pb::GetCatalogRequest *request,
                                       pb::GetCatalogResponse *response) {
	Principal principal;
	auto status = Admit(*context, request->database(), principal);
	return status.ok() ? worker_.GetCatalog(*request, *response) : status;
}

grpc::Status WorkerService::CancelExecution(grpc::ServerContext *context, const pb::CancelExecutionRequest *request,
                                            pb::CancelExecutionResponse *response) {
	Principal principal;
	auto status = Admit(*context, request->database(), principal);
	if (status.ok() && request->database().empty() && principal.database != "*") {
		status = grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
		                      "token '" + principal.label + "' may cancel executions of database '" +
		                          principal.database + "' only: name the database");
	}
	return status.ok() ? worker_.CancelExecution(*request, *response) : status;
}

grpc::Status WorkerService::ManageDatabase(grpc::ServerContext *context, const pb::ManageDatabaseRequest *request,
                                           pb::ManageDatabaseResponse *response) {
	Principal principal;
	auto status = AuthenticateCall(*context, authenticator_, principal);
	if (status.ok()) {
		status = CheckManageDatabase(principal, *request, [this] { return worker_.DatabaseNames(); });
	}
	return status.ok() ? worker_.ManageDatabase(*request, *response) : status;
}

static grpc::Status NotAGateway() {
	return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
	                    "this is an OpenDuck worker, not a gateway: register workers with `openduck gateway`");
}

grpc::Status WorkerService::RegisterWorker(grpc::ServerContext *context, const pb::RegisterWorkerRequest *request,
                                           pb::RegisterWorkerResponse *response) {
	Principal principal;
	auto status = AuthenticateCall(*context, authenticator_, principal);
	return status.ok() ? NotAGateway() : status;
}

grpc::Status WorkerService::Heartbeat(grpc::ServerContext *context, const pb::HeartbeatRequest *request,
                                      pb::HeartbeatResponse *response) {
	Principal principal;
	auto status = AuthenticateCall(*context, authenticator_, principal);
	return status.ok() ? NotAGateway() : status;
}

} // namespace openduck
