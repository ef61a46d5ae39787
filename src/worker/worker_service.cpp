#include "worker/worker_service.hpp"

#include "rpc/call_checks.hpp"

namespace openduck {

namespace pb = openduck::v1;

WorkerService::WorkerService(std::string token, Worker &worker, ServerMetrics &metrics)
    : token_(std::move(token)), worker_(worker), metrics_(metrics) {
}

grpc::Status WorkerService::Handshake(grpc::ServerContext *context, const pb::HandshakeRequest *request,
                                      pb::HandshakeResponse *response) {
	auto status = CheckAuthorization(*context, token_);
	return status.ok() ? worker_.Handshake(*request, *response) : status;
}

grpc::Status WorkerService::ExecuteFragment(grpc::ServerContext *context, const pb::ExecuteFragmentRequest *request,
                                            grpc::ServerWriter<pb::ExecuteFragmentResponse> *writer) {
	auto status = CheckAuthorization(*context, token_, request->access_token());
	if (!status.ok()) {
		return status;
	}
	MeteredQuery metered(metrics_);
	FragmentOutcome outcome;
	status = worker_.ExecuteFragment(
	    *context, *request,
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
	auto status = CheckAuthorization(*context, token_);
	return status.ok() ? worker_.GetCatalog(*request, *response) : status;
}

grpc::Status WorkerService::CancelExecution(grpc::ServerContext *context, const pb::CancelExecutionRequest *request,
                                            pb::CancelExecutionResponse *response) {
	auto status = CheckAuthorization(*context, token_);
	return status.ok() ? worker_.CancelExecution(*request, *response) : status;
}

grpc::Status WorkerService::ManageDatabase(grpc::ServerContext *context, const pb::ManageDatabaseRequest *request,
                                           pb::ManageDatabaseResponse *response) {
	auto status = CheckAuthorization(*context, token_);
	return status.ok() ? worker_.ManageDatabase(*request, *response) : status;
}

static grpc::Status NotAGateway() {
	return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
	                    "this is an OpenDuck worker, not a gateway: register workers with `openduck gateway`");
}

grpc::Status WorkerService::RegisterWorker(grpc::ServerContext *context, const pb::RegisterWorkerRequest *request,
                                           pb::RegisterWorkerResponse *response) {
	auto status = CheckAuthorization(*context, token_);
	return status.ok() ? NotAGateway() : status;
}

grpc::Status WorkerService::Heartbeat(grpc::ServerContext *context, const pb::HeartbeatRequest *request,
                                      pb::HeartbeatResponse *response) {
	auto status = CheckAuthorization(*context, token_);
	return status.ok() ? NotAGateway() : status;
}

} // namespace openduck
