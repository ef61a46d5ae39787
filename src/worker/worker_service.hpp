// The gRPC face of a stand-alone worker (`openduck worker`): authenticates every call with the
// cluster token and hands it to the Worker. Registration RPCs belong to the gateway and are
// refused here.
//
// Thread-safe (gRPC calls the handlers concurrently).
#pragma once

#include "openduck/v1/openduck.grpc.pb.h"
#include "rpc/server_status.hpp"
#include "worker/worker.hpp"

#include <string>

namespace openduck {

class WorkerService final : public openduck::v1::ExecutionService::Service {
public:
	// `worker` and `metrics` must outlive the service.
	WorkerService(std::string token, Worker &worker, ServerMetrics &metrics);

	grpc::Status Handshake(grpc::ServerContext *context, const openduck::v1::HandshakeRequest *request,
	                       openduck::v1::HandshakeResponse *response) override;
	grpc::Status ExecuteFragment(grpc::ServerContext *context, const openduck::v1::ExecuteFragmentRequest *request,
	                             grpc::ServerWriter<openduck::v1::ExecuteFragmentResponse> *writer) override;
	grpc::Status GetCatalog(grpc::ServerContext *context, const openduck::v1::GetCatalogRequest *request,
	                        openduck::v1::GetCatalogResponse *response) override;
	grpc::Status CancelExecution(grpc::ServerContext *context, const openduck::v1::CancelExecutionRequest *request,
	                             openduck::v1::CancelExecutionResponse *response) override;
	grpc::Status RegisterWorker(grpc::ServerContext *context, const openduck::v1::RegisterWorkerRequest *request,
	                            openduck::v1::RegisterWorkerResponse *response) override;
	grpc::Status Heartbeat(grpc::ServerContext *context, const openduck::v1::HeartbeatRequest *request,
	                       openduck::v1::HeartbeatResponse *response) override;
	grpc::Status ManageDatabase(grpc::ServerContext *context, const openduck::v1::ManageDatabaseRequest *request,
	                            openduck::v1::ManageDatabaseResponse *response) override;

private:
	const std::string token_;
	Worker &worker_;
	ServerMetrics &metrics_;
};

} // namespace openduck
