#include "gateway/gateway_service.hpp"

#include "auth/access_checks.hpp"
#include "common/endpoint.hpp"
#include "common/token.hpp"
#include "rpc/call_checks.hpp"
#include "rpc/channel_factory.hpp"
#include "rpc/commit_position_wire.hpp"
#include "rpc/log.hpp"
#include "rpc/server_identity.hpp"

#include <grpcpp/client_context.h>

#include <algorithm>
#include <set>

namespace openduck {

namespace pb = openduck::v1;

static std::chrono::steady_clock::time_point Now() {
	return std::chrono::steady_clock::now();
}

static std::string Join(const std::vector<std::string> &names) {
	std::string text;
	for (auto &name : names) {
		text += (text.empty() ? "" : ", ") + name;
	}
	return text.empty() ? "none" : text;
}

GatewayService::GatewayService(Authenticator &authenticator, std::string cluster_secret, WorkerRegistry &registry,
                               Worker *local_worker, CancellationWatcher &watcher, ServerMetrics &metrics,
                               TlsClientFiles worker_tls)
    : authenticator_(authenticator), cluster_secret_(std::move(cluster_secret)), registry_(registry),
      local_worker_(local_worker), watcher_(watcher), metrics_(metrics), worker_tls_(std::move(worker_tls)) {
}

std::vector<std::string> GatewayService::AllDatabases() {
	std::set<std::string> names;
	if (local_worker_) {
		for (auto &name : local_worker_->DatabaseNames()) {
			names.insert(name);
		}
	}
	for (auto &name : registry_.Databases(Now())) {
		names.insert(name);
	}
	return std::vector<std::string>(names.begin(), names.end());
}

template <class REQUEST>
GatewayService::RouteHint GatewayService::HintOf(const REQUEST &request) {
	RouteHint hint;
	hint.replica_allowed = request.replica_allowed() && request.snapshot_id().empty();
	hint.min_position = PositionFromWire(request.min_position());
	hint.session_id = request.session_id();
	return hint;
}

GatewayService::RouteHint GatewayService::HintOf(const pb::ManageDatabaseRequest &) {
	return RouteHint {}; // creating, cloning and snapshotting are the writer's
}

std::optional<RegisteredWorker> GatewayService::PinnedSession(const std::string &session_id) {
	std::lock_guard<std::mutex> guard(sessions_mutex_);
	auto found = replica_sessions_.find(session_id);
	if (found == replica_sessions_.end()) {
		return std::nullopt;
	}
	return found->second;
}

grpc::Status GatewayService::Resolve(const Principal &principal, const std::string &database, Route &route,
                                     const RouteHint &hint) {
	auto status = CheckVisible(principal, database, [this] { return AllDatabases(); });
	if (!status.ok()) {
		return status;
	}
	auto now = Now();
	if (hint.exact_position) {
		if (auto replica = registry_.RouteToReplicaAt(database, *hint.exact_position, hint.split_index, now)) {
			route.remote = std::move(*replica);
			return grpc::Status::OK;
		}
		return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
		                    "no read replica of database '" + database + "' is at position " +
		                        hint.exact_position->ToString() + " any more (they moved on)");
	}
	bool replica_allowed = hint.replica_allowed;
	if (!hint.session_id.empty()) {
		if (auto pinned = PinnedSession(hint.session_id)) {
			route.remote = std::move(*pinned);
			return grpc::Status::OK;
		}
		// The session was opened on the writer: it stays there.
		replica_allowed = replica_allowed && hint.opens_session;
	}
	if (replica_allowed) {
		if (auto replica = registry_.RouteToReplica(database, hint.min_position, now)) {
			route.remote = std::move(*replica);
			return grpc::Status::OK;
		}
	}
	if (local_worker_ && local_worker_->Serves(database)) {
		route.local = local_worker_;
		return grpc::Status::OK;
	}
	auto remote = registry_.Route(database, now);
	if (!remote && replica_allowed) {
		// No writer: any replica, which catches up to min_position first or says why it cannot.
		remote = registry_.RouteToReplica(database, CommitPosition {}, now);
	}
	if (!remote) {
		if (registry_.RouteToReplica(database, CommitPosition {}, now)) {
			return grpc::Status(grpc::StatusCode::UNAVAILABLE,
			                    "database '" + database + "' is served only by read replicas right now (no writer "
			                    "worker announces it); reads of a host that attached it READ_ONLY are served, "
			                    "everything else needs its writer: start `openduck worker` on the same stores, or "
			                    "retry once a standby took it over");
		}
		if (auto orphan = registry_.Orphaned(database, now)) {
			auto silent = std::chrono::duration_cast<std::chrono::milliseconds>(now - orphan->lost_at).count() +
			              registry_.heartbeat_interval().count() * WorkerRegistry::kMissedHeartbeats;
			return grpc::Status(grpc::StatusCode::UNAVAILABLE,
			                    "worker " + orphan->worker_id + " for database '" + database + "' at " +
			                        orphan->address + " stopped heartbeating about " + std::to_string(silent) +
			                        " ms ago and no other worker serves the database yet; a standby worker takes it "
			                        "over once its write lease lapses (openduck worker --lease-ttl): retry shortly, "
			                        "or restart worker " + orphan->worker_id);
		}
		return DatabaseNotFound(database, principal.Visible(AllDatabases()));
	}
	route.remote = std::move(*remote);
	return grpc::Status::OK;
}

std::shared_ptr<grpc::Channel> GatewayService::ChannelFor(const std::string &address) {
	std::lock_guard<std::mutex> guard(channels_mutex_);
	auto &pool = channels_[address];
	if (pool.empty()) {
		// Workers serving TLS register as https://host:port.
		auto endpoint = ParseEndpoint(address);
		for (int i = 1; i <= kConnectionsPerWorker; i++) {
			pool.push_back(CreateOpenDuckChannel(endpoint, worker_tls_, i));
		}
	}
	return pool[next_channel_++ % pool.size()];
}

std::unique_ptr<pb::ExecutionService::Stub> GatewayService::StubFor(const std::string &address) {
	return pb::ExecutionService::NewStub(ChannelFor(address));
}

std::unique_ptr<grpc::ClientContext> GatewayService::UpstreamContext(const grpc::ServerContext &caller,
                                                                     const std::string &token) {
	// Inherits the caller's deadline, and gRPC cancels the upstream call with the caller's.
	auto context = grpc::ClientContext::FromServerContext(caller);
	context->AddMetadata("authorization", BearerHeader(token));
	return context;
}

grpc::Status GatewayService::UpstreamFailure(const Route &route, const std::string &database,
                                             const grpc::Status &status) {
	auto &worker = route.remote;
	if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
		return grpc::Status(grpc::StatusCode::UNAVAILABLE,
		                    "worker " + worker.id + " for database '" + database + "' unreachable at " +
		                        worker.address + ": " + status.error_message() +
		                        " (if it died, a standby worker takes the database over once its write lease lapses; "
		                        "if it runs, the network between this gateway and it is failing: retry shortly)");
	}
	if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
		// The caller's token was accepted here, so the worker knows other tokens: a cluster
		// misconfiguration, not the caller's fault.
		return grpc::Status(grpc::StatusCode::INTERNAL, "worker " + worker.id + " at " + worker.address +
		                                                    " rejected a token this gateway accepts; gateway and "
		                                                    "workers must share the token (-t) and the metadata "
		                                                    "store that holds scoped tokens (--metadata)");
	}
	return grpc::Status(status.error_code(), "worker " + worker.id + ": " + status.error_message());
}

grpc::Status GatewayService::StreamedHandshake(grpc::ServerContext *context, HandshakeCall *call) {
	Principal principal;
	return AnswerAdmitted(
	    *call, AuthenticateCall(*context, authenticator_, principal),
	    [&](const pb::HandshakeRequest &request, pb::HandshakeResponse &response) {
		    auto status = CheckPeerVersions("client", request.protocol_version(), request.duckdb_version());
		    if (status.ok() && !request.database().empty()) {
			    Route route;
			    RouteHint hint;
			    hint.replica_allowed = request.replica_allowed();
			    status = Resolve(principal, request.database(), route, hint);
		    }
		    if (!status.ok()) {
			    return status;
		    }
		    DescribeServer(response);
		    return grpc::Status::OK;
	    });
}

grpc::Status GatewayService::StreamedRawExecuteFragment(grpc::ServerContext *context, RawExecuteFragmentCall *call) {
	return BoundedStatus(RouteFragment(context, call));
}

grpc::Status GatewayService::RouteFragment(grpc::ServerContext *context, RawExecuteFragmentCall *call) {
	Principal principal;
	pb::ExecuteFragmentRequest request;
	auto status = ReadAdmittedRequest(*call, AuthenticateCall(*context, authenticator_, principal), request);
	if (!status.ok()) {
		return status;
	}
	MeteredQuery metered(metrics_);
	metered.CountRequest(request, principal.label);
	Route route;
	auto hint = HintOf(request);
	hint.opens_session = request.session_action() == pb::SESSION_ACTION_OPEN;
	if (request.has_exact_position()) {
		hint.exact_position = PositionFromWire(request.exact_position());
		hint.split_index = request.split_index();
	}
	status = Resolve(principal, request.database(), route, hint);
	if (!status.ok()) {
		metered.MarkFailed(StatusKind(status.error_code()));
		return status;
	}
	metered.SetDatabase(request.database());
	// A session opened on a replica: its later requests (and COMMIT) follow it there while the
	// OPEN call, which lasts as long as the session, runs.
	std::unique_ptr<void, std::function<void(void *)>> pinned;
	if (route.remote.replica && request.session_action() == pb::SESSION_ACTION_OPEN) {
		{
			std::lock_guard<std::mutex> guard(sessions_mutex_);
			replica_sessions_[request.session_id()] = route.remote;
		}
		pinned = std::unique_ptr<void, std::function<void(void *)>>(this, [this, &request](void *) {
			std::lock_guard<std::mutex> guard(sessions_mutex_);
			replica_sessions_.erase(request.session_id());
		});
	}
	if (route.local) {
		auto forward = [&](pb::ExecuteFragmentResponse &response) {
			metered.CountResponse(response);
			return WriteResponse(*call, response);
		};
		FragmentOutcome outcome;
		status = route.local->ExecuteFragment(*context, request, principal, forward, outcome);
		if (!status.ok()) {
			metered.MarkFailed(StatusKind(status.error_code()));
		}
		return status;
	}
	for (int attempt = 0;; attempt++) {
		auto upstream = UpstreamContext(*context, CallerToken(*context));
		// Belt and braces next to FromServerContext's propagation: also cancel the upstream call
		// when the caller is gone while we are blocked reading from the worker.
		auto *upstream_context = upstream.get();
		auto watched = watcher_.Watch(*context, [upstream_context] { upstream_context->TryCancel(); });
		auto reader = CallRawResults(ChannelFor(route.remote.address), *upstream, request);
		grpc::ByteBuffer response;
		bool caller_gone = false;
		bool forwarded = false;
		while (reader->Read(&response)) {
			forwarded = true;
			metered.CountResponse(response);
			if (!call->Write(response)) {
				caller_gone = true;
				upstream->TryCancel();
				break;
			}
		}
		status = reader->Finish();
		if (caller_gone) {
			metered.MarkFailed(StatusKind(grpc::StatusCode::CANCELLED));
			return grpc::Status(grpc::StatusCode::CANCELLED, "the caller went away before the result was delivered");
		}
		// A read a dead replica never answered goes to the writer at once, instead of to the
		// same replica until it misses its heartbeats. Requests of a session stay where it lives.
		bool movable = route.remote.replica && !forwarded && attempt == 0 &&
		               status.error_code() == grpc::StatusCode::UNAVAILABLE &&
		               (request.session_id().empty() || hint.opens_session);
		if (movable) {
			Log("replica " + route.remote.id + " for database '" + request.database() + "' unreachable at " +
			    route.remote.address + " (" + status.error_message() + "); sending the read to the writer");
			registry_.MarkUnreachable(route.remote.id);
			pinned.reset();
			auto writer_only = hint;
			writer_only.replica_allowed = false;
			Route writer;
			if (Resolve(principal, request.database(), writer, writer_only).ok() && !writer.local) {
				route = std::move(writer);
				continue;
			}
		}
		if (!status.ok()) {
			metered.MarkFailed(StatusKind(status.error_code()));
			return UpstreamFailure(route, request.database(), status);
		}
		return status;
	}
}

template <class REQUEST, class RESPONSE, class CHECK, class LOCAL, class REMOTE>
grpc::Status GatewayService::RouteUnary(grpc::ServerContext &context, grpc::ServerUnaryStreamer<REQUEST, RESPONSE> &call,
                                        CHECK check, LOCAL local, REMOTE remote) {
	Principal principal;
	return AnswerAdmitted(
	    call, AuthenticateCall(context, authenticator_, principal), [&](const REQUEST &request, RESPONSE &response) {
		    auto status = check(principal, request);
		    Route route;
		    if (status.ok()) {
			    status = Resolve(principal, request.database(), route, HintOf(request));
		    }
		    if (!status.ok()) {
			    return status;
		    }
		    if (route.local) {
			    return local(*route.local, request, response);
		    }
		    auto upstream = UpstreamContext(context, CallerToken(context));
		    status = remote(*StubFor(route.remote.address), *upstream, request, response, route.remote);
		    return status.ok() ? status : UpstreamFailure(route, request.database(), status);
	    });
}

grpc::Status GatewayService::StreamedGetCatalog(grpc::ServerContext *context, GetCatalogCall *call) {
	return RouteUnary(
	    *context, *call, [](const Principal &, const pb::GetCatalogRequest &) { return grpc::Status::OK; },
	    [this](Worker &worker, const pb::GetCatalogRequest &request, pb::GetCatalogResponse &response) {
		    auto status = worker.GetCatalog(request, response);
		    AddSplitTargets(request, response);
		    return status;
	    },
	    [this](pb::ExecutionService::Stub &stub, grpc::ClientContext &upstream, const pb::GetCatalogRequest &request,
	           pb::GetCatalogResponse &response, const RegisteredWorker &) {
		    auto status = stub.GetCatalog(&upstream, request, &response);
		    AddSplitTargets(request, response);
		    return status;
	    });
}

void GatewayService::AddSplitTargets(const pb::GetCatalogRequest &request, pb::GetCatalogResponse &response) {
	auto hint = HintOf(request);
	if (!hint.replica_allowed || !hint.session_id.empty()) {
		return;
	}
	auto targets = registry_.SplitTargets(request.database(), hint.min_position, Now());
	*response.mutable_split_position() = PositionToWire(targets.first);
	response.set_split_replicas(targets.second);
}

grpc::Status GatewayService::StreamedCancelExecution(grpc::ServerContext *context, CancelExecutionCall *call) {
	Principal principal;
	return AnswerAdmitted(*call, AuthenticateCall(*context, authenticator_, principal),
	                      [&](const pb::CancelExecutionRequest &request, pb::CancelExecutionResponse &response) {
		                      return Cancel(*context, principal, request, response);
	                      });
}

grpc::Status GatewayService::Cancel(grpc::ServerContext &context, const Principal &principal,
                                    const pb::CancelExecutionRequest &request, pb::CancelExecutionResponse &response) {
	bool found = false;
	auto cancel_on = [&](const Route &route) {
		pb::CancelExecutionResponse answer;
		if (route.local) {
			route.local->CancelExecution(request, answer);
		} else {
			auto upstream = UpstreamContext(context, CallerToken(context));
			auto result = StubFor(route.remote.address)->CancelExecution(upstream.get(), request, &answer);
			if (!result.ok()) {
				Log("cancel of an execution on worker " + route.remote.id + " at " + route.remote.address +
				    " failed: " + result.error_message());
			}
		}
		found = found || answer.found();
	};
	if (!request.database().empty()) {
		Route route;
		auto status = Resolve(principal, request.database(), route, RouteHint {});
		if (!status.ok()) {
			return status;
		}
		cancel_on(route);
		// A read of a READ_ONLY attachment may run on any replica of the database.
		for (auto &worker : registry_.LiveWorkers(Now())) {
			bool serves = std::find(worker.databases.begin(), worker.databases.end(), request.database()) !=
			              worker.databases.end();
			if (worker.replica && serves && !found) {
				Route replica;
				replica.remote = worker;
				cancel_on(replica);
			}
		}
	} else if (principal.database != "*") {
		return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
		                    "token '" + principal.label + "' may cancel executions of database '" +
		                        principal.database + "' only: name the database");
	} else {
		// No database named: the execution may run anywhere.
		if (local_worker_) {
			Route route;
			route.local = local_worker_;
			cancel_on(route);
		}
		for (auto &worker : registry_.LiveWorkers(Now())) {
			Route route;
			route.remote = worker;
			cancel_on(route);
		}
	}
	response.set_found(found);
	return grpc::Status::OK;
}

grpc::Status GatewayService::CheckWorker(const grpc::ServerContext &context) {
	if (cluster_secret_.empty()) {
		return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
		                    "this gateway accepts no workers: start it with --cluster-secret-file FILE (or "
		                    "OPENDUCK_CLUSTER_SECRET) and give the workers the same secret");
	}
	auto status = CheckAuthorization(context, cluster_secret_);
	if (!status.ok()) {
		// A client token is refused the same way: clients must never be able to pose as workers.
		return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
		                    "worker registration refused: missing or wrong cluster secret (--cluster-secret-file)");
	}
	return status;
}

template <class REQUEST>
static std::map<std::string, CommitPosition> PositionsOf(const REQUEST &request) {
	std::map<std::string, CommitPosition> positions;
	for (auto &entry : request.positions()) {
		positions[entry.first] = PositionFromWire(entry.second);
	}
	return positions;
}

grpc::Status GatewayService::StreamedRegisterWorker(grpc::ServerContext *context, RegisterWorkerCall *call) {
	return AnswerAdmitted(*call, CheckWorker(*context), [this](const pb::RegisterWorkerRequest &request,
	                                                          pb::RegisterWorkerResponse &response) {
		auto status = CheckPeerVersions("worker", request.protocol_version(), request.duckdb_version());
		if (!status.ok()) {
			return status;
		}
		if (request.worker_id().empty() || request.address().empty()) {
			return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "RegisterWorker needs a worker_id and an address");
		}
		try {
			ParseEndpoint(request.address());
		} catch (std::invalid_argument &ex) {
			return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string("RegisterWorker: ") + ex.what());
		}
		std::vector<std::string> databases(request.databases().begin(), request.databases().end());
		bool replaced = registry_.Register(request.worker_id(), request.address(), databases, Now(),
		                                   request.replica(), PositionsOf(request));
		Log(std::string(replaced ? "worker re-registered: " : "worker registered: ") + request.worker_id() +
		    (request.replica() ? " (read replica)" : "") + " at " + request.address() + ", databases: " +
		    Join(databases));
		response.set_heartbeat_interval_ms(static_cast<uint32_t>(registry_.heartbeat_interval().count()));
		return grpc::Status::OK;
	});
}

grpc::Status GatewayService::StreamedHeartbeat(grpc::ServerContext *context, HeartbeatCall *call) {
	return AnswerAdmitted(*call, CheckWorker(*context),
	                      [this](const pb::HeartbeatRequest &request, pb::HeartbeatResponse &response) {
		                      std::vector<std::string> databases(request.databases().begin(), request.databases().end());
		                      response.set_known(
		                          registry_.Heartbeat(request.worker_id(), databases, Now(), PositionsOf(request)));
		                      return grpc::Status::OK;
	                      });
}

grpc::Status GatewayService::StreamedManageDatabase(grpc::ServerContext *context, ManageDatabaseCall *call) {
	// The caller, kept from the check (RouteUnary runs all three in this call) to cut a LIST answer.
	Principal caller;
	return RouteUnary(
	    *context, *call,
	    [this, &caller](const Principal &principal, const pb::ManageDatabaseRequest &request) {
		    caller = principal;
		    return CheckManageDatabase(principal, request, [this] { return AllDatabases(); });
	    },
	    [&caller](Worker &worker, const pb::ManageDatabaseRequest &request, pb::ManageDatabaseResponse &response) {
		    auto status = worker.ManageDatabase(request, response);
		    VisibleOnly(caller, response);
		    return status;
	    },
	    [this, &caller](pb::ExecutionService::Stub &stub, grpc::ClientContext &upstream,
	                    const pb::ManageDatabaseRequest &request, pb::ManageDatabaseResponse &response,
	                    const RegisteredWorker &worker) {
		    auto status = stub.ManageDatabase(&upstream, request, &response);
		    VisibleOnly(caller, response);
		    bool serves_new = request.action() == pb::DATABASE_ACTION_CREATE ||
		                      request.action() == pb::DATABASE_ACTION_CLONE ||
		                      request.action() == pb::DATABASE_ACTION_UNDROP;
		    if (status.ok() && serves_new) {
			    // The new database lives on that worker; route to it before its next heartbeat says so.
			    registry_.AddDatabase(worker.id, response.database(), Now());
		    }
		    return status;
	    });
}

std::vector<WorkerStatus> GatewayService::WorkerStatuses() {
	std::vector<WorkerStatus> statuses;
	if (local_worker_) {
		WorkerStatus local {"local", "in-process", local_worker_->DatabaseNames(), 0};
		local.connections = metrics_.Connections();
		statuses.push_back(std::move(local));
	}
	auto now = Now();
	for (auto &worker : registry_.LiveWorkers(now)) {
		auto silent = std::chrono::duration_cast<std::chrono::milliseconds>(now - worker.last_heartbeat).count();
		statuses.push_back(
		    WorkerStatus {worker.id, worker.address, worker.databases, silent, worker.replica, worker.positions});
	}
	return statuses;
}

} // namespace openduck
