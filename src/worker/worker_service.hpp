// The gRPC face of a stand-alone worker (`openduck worker`): authenticates every call (the
// token the client gave the gateway, which forwards it, or a client calling directly), checks
// it as the gateway does (auth/access_checks.hpp) and hands it to the Worker. Registration RPCs
// belong to the gateway and are refused here.
//
// Thread-safe (gRPC calls the handlers concurrently).
#pragma once

#include "auth/authenticator.hpp"
#include "openduck/v1/openduck.grpc.pb.h"
#include "rpc/server_status.hpp"
#include "worker/worker.hpp"

#include <string>

namespace openduck {

class WorkerService final : public openduck::v1::ExecutionService::Service {
public:
	// `authenticator`, `worker` and `metrics` must outlive the service.
	WorkerService(Authenticator &authenticator, Worker &worker, ServerMetrics &metrics);

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
	// OK with the caller's principal when it may see `database`.
	grpc::Status Admit(grpc::ServerContext &context, const std::string &database, Principal &principal,
	                   const std::string &fallback_token = "");

	Authenticator &authenticator_;
	Worker &worker_;
	ServerMetrics &metrics_;
};

} // namespace openduck
