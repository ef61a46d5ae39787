// The gateway: authenticates clients, routes each call by database to the worker serving it
// and streams the worker's responses back unchanged. Workers join with RegisterWorker and stay
// known while they heartbeat (WorkerRegistry).
//
// Read replicas: a call that allows one (replica_allowed: the host attached READ_ONLY) goes to
// a replica that reported the host's min_position or later, in turn; otherwise to the writer,
// and only when no writer serves the database to any replica (which catches up first). A
// session opened on a replica stays there until its OPEN call ends.
//
// In `openduck serve` the gateway also has an in-process Worker; its databases are served by
// calling it directly, without a loopback gRPC hop. Remote workers are reached over gRPC with
// the caller's own token; when the caller goes away the upstream call is cancelled. A remote
// worker's results are forwarded as the bytes it sent, neither parsed nor serialised again
// (rpc/raw_results.hpp); the metrics read what they count from the bytes (rpc/response_scan.hpp).
//
// Thread-safe (gRPC calls the handlers concurrently).
#pragma once

#include "auth/authenticator.hpp"
#include "common/tls_client_files.hpp"
#include "gateway/worker_registry.hpp"
#include "openduck/v1/openduck.grpc.pb.h"
#include "rpc/cancellation_watcher.hpp"
#include "rpc/raw_results.hpp"
#include "rpc/server_status.hpp"
#include "rpc/streamed_calls.hpp"
#include "worker/worker.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace openduck {

class GatewayService final : public WithRawResults<openduck::v1::ExecutionService::StreamedService> {
public:
	// `authenticator` knows the clients' tokens; `cluster_secret` is what workers register with
	// (empty: no worker may register). `local_worker` may be null (a gateway without an in-process worker).
	// `worker_tls`: how to reach workers that serve TLS. Everything passed by reference or
	// pointer must outlive the service.
	GatewayService(Authenticator &authenticator, std::string cluster_secret, WorkerRegistry &registry,
	               Worker *local_worker, CancellationWatcher &watcher, ServerMetrics &metrics,
	               TlsClientFiles worker_tls = {});

	// Each authenticates the caller before reading the request (rpc/streamed_calls.hpp).
	grpc::Status StreamedHandshake(grpc::ServerContext *context, HandshakeCall *call) override;
	grpc::Status StreamedRawExecuteFragment(grpc::ServerContext *context, RawExecuteFragmentCall *call) override;
	grpc::Status StreamedGetCatalog(grpc::ServerContext *context, GetCatalogCall *call) override;
	grpc::Status StreamedCancelExecution(grpc::ServerContext *context, CancelExecutionCall *call) override;
	grpc::Status StreamedRegisterWorker(grpc::ServerContext *context, RegisterWorkerCall *call) override;
	grpc::Status StreamedHeartbeat(grpc::ServerContext *context, HeartbeatCall *call) override;
	// Routed by the request's database; a database created or cloned on a registered worker is
	// routable as soon as the call returns (not only after the worker's next heartbeat).
	grpc::Status StreamedManageDatabase(grpc::ServerContext *context, ManageDatabaseCall *call) override;

	// The in-process worker (id "local") and the live registered workers, for /health.
	std::vector<WorkerStatus> WorkerStatuses();

private:
	// StreamedRawExecuteFragment's work; the handler bounds the status it returns.
	grpc::Status RouteFragment(grpc::ServerContext *context, RawExecuteFragmentCall *call);
	// Where a database is served: by the in-process worker, or by a registered one.
	struct Route {
		Worker *local = nullptr;
		RegisteredWorker remote;
	};
	// What else than the database decides where a call goes.
	struct RouteHint {
		bool replica_allowed = false;
		CommitPosition min_position;
		std::string session_id; // a session open on a replica is pinned there
		bool opens_session = false; // else a request of a session not pinned goes to the writer
		// A part of a split read: only a replica at exactly this position serves it.
		std::optional<CommitPosition> exact_position;
		uint32_t split_index = 0;
	};
	template <class REQUEST>
	static RouteHint HintOf(const REQUEST &request);
	static RouteHint HintOf(const openduck::v1::ManageDatabaseRequest &request);
	// NOT_FOUND (listing only what `principal` may see) when the database is not served or not
	// visible to it.
	grpc::Status Resolve(const Principal &principal, const std::string &database, Route &route,
	                     const RouteHint &hint);
	// Tells a host that allowed replicas where it may split a large read (split_position).
	void AddSplitTargets(const openduck::v1::GetCatalogRequest &request, openduck::v1::GetCatalogResponse &response);
	// The replica a session was opened on, while its OPEN call lasts.
	std::optional<RegisteredWorker> PinnedSession(const std::string &session_id);
	// A unary call routed by its request's database: authenticated, then checked by
	// `check(principal, request)`, then run by `local(Worker &, request, response)` on the
	// in-process worker or else by `remote(Stub &, ClientContext &, request, response,
	// RegisteredWorker)` on the serving worker with the caller's token, its failure naming that
	// worker.
	template <class REQUEST, class RESPONSE, class CHECK, class LOCAL, class REMOTE>
	grpc::Status RouteUnary(grpc::ServerContext &context, grpc::ServerUnaryStreamer<REQUEST, RESPONSE> &call,
	                        CHECK check, LOCAL local, REMOTE remote);
	// CancelExecution for an authenticated caller: on the named database's worker, or on every
	// worker when the caller may see all databases and named none.
	grpc::Status Cancel(grpc::ServerContext &context, const Principal &principal,
	                    const openduck::v1::CancelExecutionRequest &request,
	                    openduck::v1::CancelExecutionResponse &response);
	std::vector<std::string> AllDatabases();
	// One of the worker's connections, in turn.
	std::shared_ptr<grpc::Channel> ChannelFor(const std::string &address);
	std::unique_ptr<openduck::v1::ExecutionService::Stub> StubFor(const std::string &address);
	// A client context for calling `route.remote` on behalf of `caller`.
	std::unique_ptr<grpc::ClientContext> UpstreamContext(const grpc::ServerContext &caller, const std::string &token);
	// Adds which worker failed to an upstream failure.
	static grpc::Status UpstreamFailure(const Route &route, const std::string &database, const grpc::Status &status);

	// OK when the caller presented the cluster secret (RegisterWorker, Heartbeat).
	grpc::Status CheckWorker(const grpc::ServerContext &context);

	Authenticator &authenticator_;
	const std::string cluster_secret_;
	WorkerRegistry &registry_;
	Worker *const local_worker_;
	CancellationWatcher &watcher_;
	ServerMetrics &metrics_;
	const TlsClientFiles worker_tls_;

	// Calls to one worker are spread over a few TCP connections: one HTTP/2 connection
	// serialises every concurrent call's frames on one transport lock at both ends.
	static constexpr int kConnectionsPerWorker = 4;
	std::mutex channels_mutex_;
	std::map<std::string, std::vector<std::shared_ptr<grpc::Channel>>> channels_;
	uint64_t next_channel_ = 0; // guarded by channels_mutex_
	std::mutex sessions_mutex_;
	std::map<std::string, RegisteredWorker> replica_sessions_; // by session id
};

} // namespace openduck
