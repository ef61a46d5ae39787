// The worker role: executes fragments and answers catalog requests for the databases of one
// DatabaseSet (a writer), or read-only for those of a ReplicaSet (a read replica). It is
// transport-agnostic: WorkerService exposes it on the worker's own gRPC port,
// and in `openduck serve` the gateway calls it directly (no loopback hop).
//
// Thread-safe: any number of requests run concurrently, each on its own duckdb::Connection.
#pragma once

#include "worker/connection_limit.hpp"
#include "worker/fair_queue.hpp"
#include "worker/session_registry.hpp"
#include "worker/token_call_limiter.hpp"
#include "worker/worker_limits.hpp"

#include "auth/principal.hpp"
#include "rpc/cancellation_watcher.hpp"
#include "worker/database_set.hpp"
#include "worker/execution_registry.hpp"
#include "worker/replica_set.hpp"
#include "worker/fragment_executor.hpp"

#include "openduck/v1/openduck.pb.h"

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace openduck {

class Worker {
public:
	// `watcher` and `metrics` (may be null) must outlive the worker; `metrics` receives the
	// statement queue's and the connections' gauges.
	Worker(std::unique_ptr<DatabaseSet> databases, CancellationWatcher &watcher, WorkerLimits limits = {},
	       ServerMetrics *metrics = nullptr);
	// A read replica: serves `replicas` read-only.
	Worker(std::unique_ptr<ReplicaSet> replicas, CancellationWatcher &watcher, WorkerLimits limits = {},
	       ServerMetrics *metrics = nullptr);

	// The writer's databases. REQUIRES: !IsReplica().
	DatabaseSet &Databases() {
		return *databases_;
	}
	bool IsReplica() const {
		return replicas_ != nullptr;
	}
	// A replica's position per open database (empty for a writer).
	std::map<std::string, CommitPosition> ReplicaPositions() const {
		return replicas_ ? replicas_->Positions() : std::map<std::string, CommitPosition> {};
	}
	// Served databases, including those created since start-up (DatabaseSet::Names,
	// ReplicaSet::Names).
	std::vector<std::string> DatabaseNames() const {
		return replicas_ ? replicas_->Names() : databases_->Names();
	}
	// True when `database` is served here, opening it on first use (DatabaseSet::Find).
	bool Serves(const std::string &database) const;

	// Checks versions and, when named, that the database is served here.
	grpc::Status Handshake(const openduck::v1::HandshakeRequest &request, openduck::v1::HandshakeResponse &response);

	// Runs `request`, delivering its responses to `sink`. The statement is interrupted when
	// `call` is cancelled or CancelExecution names its execution_id. SQL errors are delivered as
	// an Error response and leave the status OK; a non-OK status means the request was not run
	// (unknown database, unknown snapshot, duplicate execution id) or the caller went away.
	// `principal` is who asks: a read-scope principal's statements run read-only, and a session
	// serves only the principal that opened it; a principal with WorkerLimits::calls_per_token
	// calls running is refused with RESOURCE_EXHAUSTED, and so is an auto-commit statement or a
	// transaction that waited WorkerLimits::queue_timeout_seconds for one of the database's
	// max_connections_per_database connections, or a statement that waited as long for one of the
	// max_running_statements places.
	grpc::Status ExecuteFragment(const grpc::ServerContext &call, const openduck::v1::ExecuteFragmentRequest &request,
	                             const Principal &principal, const ResponseSink &sink, FragmentOutcome &outcome);

	grpc::Status GetCatalog(const openduck::v1::GetCatalogRequest &request, openduck::v1::GetCatalogResponse &response);

	// found=false when no execution with that id is running here.
	grpc::Status CancelExecution(const openduck::v1::CancelExecutionRequest &request,
	                             openduck::v1::CancelExecutionResponse &response);

	// Creates or clones a database, or names a snapshot (database_admin.hpp).
	grpc::Status ManageDatabase(const openduck::v1::ManageDatabaseRequest &request,
	                            openduck::v1::ManageDatabaseResponse &response);

private:
	Worker(std::unique_ptr<DatabaseSet> databases, std::unique_ptr<ReplicaSet> replicas, CancellationWatcher &watcher,
	       WorkerLimits limits, ServerMetrics *metrics);
	// The session_action / session_id parts of ExecuteFragment.
	grpc::Status OpenSession(const grpc::ServerContext &call, const openduck::v1::ExecuteFragmentRequest &request,
	                         const Principal &principal, duckdb::DuckDB &database, const ResponseSink &sink,
	                         FragmentOutcome &outcome);
	// SESSION_ACTION_FINAL_READ: `session`'s last statement, then the end of its transaction.
	grpc::Status RunFinalRead(const grpc::ServerContext &call, const openduck::v1::ExecuteFragmentRequest &request,
	                          const Principal &principal, std::shared_ptr<Session> session, const ResponseSink &sink,
	                          FragmentOutcome &outcome);
	grpc::Status EndSession(const openduck::v1::ExecuteFragmentRequest &request, const Principal &principal,
	                        const ResponseSink &sink, FragmentOutcome &outcome);

	// The instance a request runs on. A replica's instance is shared: the request keeps the
	// state it started on even when the replica moves on meanwhile.
	struct Served {
		std::shared_ptr<duckdb::DuckDB> database;
		// A replica's: the position the instance holds.
		std::optional<CommitPosition> replica_position;
		// A time-travel request's: the snapshot id its snapshot_id resolved to.
		int64_t snapshot = 0;
	};
	// `min_position`: what a replica must reach first (ignored by a writer).
	grpc::Status FindDatabase(const std::string &name, const std::string &snapshot_id,
	                          const openduck::v1::CommitPosition &min_position, Served &served);
	// A part of a split read: the replica instance at exactly `position` (ExecuteFragmentRequest
	// .exact_position); FAILED_PRECONDITION on a writer or when the replica moved on.
	grpc::Status FindExactPosition(const std::string &name, const openduck::v1::CommitPosition &position,
	                               Served &served);
	// `sink`, with Finished carrying the position a replica must reach to show what the request
	// committed (a writer, when its commit count moved) or the position the request read (a
	// replica), so the host reads its own writes on replicas afterwards.
	ResponseSink PositionedSink(const std::string &database, const Served &served, const ResponseSink &sink);

	// Runs `executor` once a statement place is free (or refuses the call when none frees up).
	grpc::Status RunWhenPlaced(const grpc::ServerContext &call, const openduck::v1::ExecuteFragmentRequest &request,
	                           const Principal &principal, FragmentExecutor &executor, const ResponseSink &sink,
	                           FragmentOutcome &outcome);
	grpc::Status Run(const grpc::ServerContext &call, const openduck::v1::ExecuteFragmentRequest &request,
	                 FragmentExecutor &executor, const ResponseSink &sink, FragmentOutcome &outcome);
	// A request with a TableDiff: its `to` side is `served` unless it names a snapshot.
	grpc::Status RunDiff(const grpc::ServerContext &call, const openduck::v1::ExecuteFragmentRequest &request,
	                     const Principal &principal, const Served &served, const ResponseSink &sink,
	                     FragmentOutcome &outcome);
	static grpc::Status SessionNotFound(const std::string &id);
	// CANCELLED: the caller went away while its statement waited for its turn.
	static grpc::Status CallerGone();
	// The refusal of a caller that waited `waited` in a queue: RESOURCE_EXHAUSTED saying `what`
	// stayed taken, the wait and `remedy` (may be empty); CANCELLED when the caller went away.
	static grpc::Status QueueRefusal(const grpc::ServerContext &call, const std::string &what,
	                                 std::chrono::milliseconds waited, const std::string &remedy);

	std::unique_ptr<DatabaseSet> databases_; // a writer's; null on a replica
	std::unique_ptr<ReplicaSet> replicas_;    // a replica's; null on a writer
	CancellationWatcher &watcher_;
	const int statement_timeout_seconds_;
	TokenCallLimiter calls_per_token_;
	// A database's connection is taken before a statement place, so callers waiting for a busy
	// database hold no place another database's statements could use.
	ConnectionLimit connections_;
	FairQueue statements_;
	ExecutionRegistry executions_;
	SessionRegistry sessions_;
};

} // namespace openduck
