#include "worker/worker_service.hpp"

#include "auth/access_checks.hpp"
#include "rpc/call_checks.hpp"

namespace openduck {

namespace pb = openduck::v1;

WorkerService::WorkerService(Authenticator &authenticator, Worker &worker, ServerMetrics &metrics)
    : authenticator_(authenticator), worker_(worker), metrics_(metrics) {
}

grpc::Status WorkerService::Admit(const Principal &principal, const std::string &database) {
	if (database.empty()) {
		return grpc::Status::OK;
	}
	return CheckVisible(principal, database, [this] { return worker_.DatabaseNames(); });
}

grpc::Status WorkerService::StreamedHandshake(grpc::ServerContext *context, HandshakeCall *call) {
	Principal principal;
	return AnswerAdmitted(*call, AuthenticateCall(*context, authenticator_, principal),
	                      [&](const pb::HandshakeRequest &request, pb::HandshakeResponse &response) {
		                      auto status = Admit(principal, request.database());
		                      return status.ok() ? worker_.Handshake(request, response) : status;
	                      });
}

grpc::Status WorkerService::StreamedRawExecuteFragment(grpc::ServerContext *context, RawExecuteFragmentCall *call) {
	return BoundedStatus(RunFragment(context, call));
}

grpc::Status WorkerService::RunFragment(grpc::ServerContext *context, RawExecuteFragmentCall *call) {
	Principal principal;
	pb::ExecuteFragmentRequest request;
	auto status = ReadAdmittedRequest(*call, AuthenticateCall(*context, authenticator_, principal), request);
	if (status.ok()) {
		status = Admit(principal, request.database());
	}
	if (!status.ok()) {
		return status;
	}
	MeteredQuery metered(metrics_);
	metered.CountRequest(request, principal.label);
	FragmentOutcome outcome;
	status = worker_.ExecuteFragment(
	    *context, request, principal,
	    [&](pb::ExecuteFragmentResponse &response) {
		    metered.CountResponse(response);
		    return WriteResponse(*call, response);
	    },
	    outcome);
	// Not for an unknown database: callers must not be able to add series with made-up names.
	if (status.error_code() != grpc::StatusCode::NOT_FOUND) {
		metered.SetDatabase(request.database());
	}
	if (!status.ok()) {
		metered.MarkFailed(StatusKind(status.error_code()));
	}
	return status;
}

grpc::Status WorkerService::StreamedGetCatalog(grpc::ServerContext *context, GetCatalogCall *call) {
	Principal principal;
	return AnswerAdmitted(*call, AuthenticateCall(*context, authenticator_, principal),
	                      [&](const pb::GetCatalogRequest &request, pb::GetCatalogResponse &response) {
		                      auto status = Admit(principal, request.database());
		                      return status.ok() ? worker_.GetCatalog(request, response) : status;
	                      });
}

grpc::Status WorkerService::StreamedCancelExecution(grpc::ServerContext *context, CancelExecutionCall *call) {
	Principal principal;
	return AnswerAdmitted(
	    *call, AuthenticateCall(*context, authenticator_, principal),
	    [&](const pb::CancelExecutionRequest &request, pb::CancelExecutionResponse &response) {
		    auto status = Admit(principal, request.database());
		    if (status.ok() && request.database().empty() && principal.database != "*") {
			    status = grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
			                          "token '" + principal.label + "' may cancel executions of database '" +
			                              principal.database + "' only: name the database");
		    }
		    return status.ok() ? worker_.CancelExecution(request, response) : status;
	    });
}

grpc::Status WorkerService::StreamedManageDatabase(grpc::ServerContext *context, ManageDatabaseCall *call) {
	Principal principal;
	return AnswerAdmitted(*call, AuthenticateCall(*context, authenticator_, principal),
	                      [&](const pb::ManageDatabaseRequest &request, pb::ManageDatabaseResponse &response) {
		                      auto status =
		                          CheckManageDatabase(principal, request, [this] { return worker_.DatabaseNames(); });
		                      if (status.ok()) {
			                      status = worker_.ManageDatabase(request, response);
			                      VisibleOnly(principal, response);
		                      }
		                      return status;
	                      });
}

grpc::Status WorkerService::NotAGateway(grpc::ServerContext &context) {
	Principal principal;
	auto status = AuthenticateCall(context, authenticator_, principal);
	if (!status.ok()) {
		return status;
	}
	return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
	                    "this is an OpenDuck worker, not a gateway: register workers with `openduck gateway`");
}

grpc::Status WorkerService::StreamedRegisterWorker(grpc::ServerContext *context, RegisterWorkerCall *) {
	return NotAGateway(*context);
}

grpc::Status WorkerService::StreamedHeartbeat(grpc::ServerContext *context, HeartbeatCall *) {
	return NotAGateway(*context);
}

} // namespace openduck
