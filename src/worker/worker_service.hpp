// The gRPC face of a stand-alone worker (`openduck worker`): authenticates every call (the
// token the client gave the gateway, which forwards it, or a client calling directly), checks
// it as the gateway does (auth/access_checks.hpp) and hands it to the Worker. Registration RPCs
// belong to the gateway and are refused here.
//
// Thread-safe (gRPC calls the handlers concurrently).
#pragma once

#include "auth/authenticator.hpp"
#include "openduck/v1/openduck.grpc.pb.h"
#include "rpc/raw_results.hpp"
#include "rpc/server_status.hpp"
#include "rpc/streamed_calls.hpp"
#include "worker/worker.hpp"

#include <string>

namespace openduck {

// ExecuteFragment answers raw (rpc/raw_results.hpp), so result payloads go to gRPC uncopied.
class WorkerService final : public WithRawResults<openduck::v1::ExecutionService::StreamedService> {
public:
	// `authenticator`, `worker` and `metrics` must outlive the service.
	WorkerService(Authenticator &authenticator, Worker &worker, ServerMetrics &metrics);

	// Each authenticates the caller before reading the request (rpc/streamed_calls.hpp).
	grpc::Status StreamedHandshake(grpc::ServerContext *context, HandshakeCall *call) override;
	grpc::Status StreamedRawExecuteFragment(grpc::ServerContext *context, RawExecuteFragmentCall *call) override;
	grpc::Status StreamedGetCatalog(grpc::ServerContext *context, GetCatalogCall *call) override;
	grpc::Status StreamedCancelExecution(grpc::ServerContext *context, CancelExecutionCall *call) override;
	grpc::Status StreamedRegisterWorker(grpc::ServerContext *context, RegisterWorkerCall *call) override;
	grpc::Status StreamedHeartbeat(grpc::ServerContext *context, HeartbeatCall *call) override;
	grpc::Status StreamedManageDatabase(grpc::ServerContext *context, ManageDatabaseCall *call) override;

private:
	// StreamedExecuteFragment's work; the handler bounds the status it returns.
	grpc::Status RunFragment(grpc::ServerContext *context, RawExecuteFragmentCall *call);
	// OK when `principal` may see `database` (or none is named).
	grpc::Status Admit(const Principal &principal, const std::string &database);
	// What RegisterWorker and Heartbeat answer an authenticated caller: those belong to gateways.
	grpc::Status NotAGateway(grpc::ServerContext &context);

	Authenticator &authenticator_;
	Worker &worker_;
	ServerMetrics &metrics_;
};

} // namespace openduck
