#include "worker/worker.hpp"

#include "common/wire_limits.hpp"
#include "rpc/call_checks.hpp"
#include "rpc/commit_position_wire.hpp"
#include "rpc/server_identity.hpp"
#include "worker/catalog_reader.hpp"
#include "worker/database_admin.hpp"
#include "worker/table_diff.hpp"

#include "arrow/ipc_stream_writer.hpp"

#include "duckdb/common/error_data.hpp"
#include "duckdb/common/exception.hpp"
#include "duckdb/main/database_manager.hpp"
#include "duckdb/main/materialized_query_result.hpp"
#include "duckdb/transaction/meta_transaction.hpp"

namespace openduck {

namespace pb = openduck::v1;

// How long a call waits for one of its token's places to be given back before it is refused. A
// finished call gives its place back just after the client has read its last message, so the
// client's next call can otherwise be refused for a place already on its way back.
static constexpr std::chrono::milliseconds kCallSlotGrace {250};

Worker::Worker(std::unique_ptr<DatabaseSet> databases, CancellationWatcher &watcher, WorkerLimits limits,
               ServerMetrics *metrics)
    : Worker(std::move(databases), nullptr, watcher, limits, metrics) {
}

Worker::Worker(std::unique_ptr<ReplicaSet> replicas, CancellationWatcher &watcher, WorkerLimits limits,
               ServerMetrics *metrics)
    : Worker(nullptr, std::move(replicas), watcher, limits, metrics) {
}

static FairQueue::Publish StatementGauges(ServerMetrics *metrics) {
	if (!metrics) {
		return nullptr;
	}
	return [metrics](int running, int waiting) {
		metrics->running_statements = running;
		metrics->queued_statements = waiting;
	};
}

Worker::Worker(std::unique_ptr<DatabaseSet> databases, std::unique_ptr<ReplicaSet> replicas,
               CancellationWatcher &watcher, WorkerLimits limits, ServerMetrics *metrics)
    : databases_(std::move(databases)), replicas_(std::move(replicas)), watcher_(watcher),
      statement_timeout_seconds_(limits.statement_timeout_seconds), calls_per_token_(limits.calls_per_token),
      connections_(limits.max_connections_per_database, std::chrono::seconds(limits.queue_timeout_seconds), metrics),
      statements_(limits.max_running_statements, std::chrono::seconds(limits.queue_timeout_seconds),
                  StatementGauges(metrics)) {
	auto *storage = databases_ ? &databases_->Storage() : replicas_ ? &replicas_->Storage() : nullptr;
	if (metrics && storage) {
		metrics->layer_cache = [storage] {
			auto &cache = storage->Cache();
			return std::make_pair(cache.UsedBytes(), cache.CapacityBytes());
		};
	}
}

bool Worker::Serves(const std::string &database) const {
	try {
		return replicas_ ? replicas_->Find(database).has_value() : databases_->Find(database) != nullptr;
	} catch (std::exception &) {
		// It exists but cannot be opened: route the call here, where FindDatabase reports why.
		return true;
	}
}

grpc::Status Worker::FindDatabase(const std::string &name, const std::string &snapshot_id,
                                  const pb::CommitPosition &min_position, Served &served) {
	if (replicas_) {
		if (!snapshot_id.empty()) {
			return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
			                    "this worker is a read replica: it serves the latest state of each database; time "
			                    "travel (?snapshot=) is served by the database's writer, which the gateway routes to");
		}
		std::optional<ReplicaSet::Instance> instance;
		try {
			instance = replicas_->Find(name, PositionFromWire(min_position));
		} catch (std::exception &ex) {
			return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, ex.what());
		}
		if (!instance) {
			return DatabaseNotFound(name, replicas_->Names());
		}
		served.database = std::move(instance->database);
		served.replica_position = instance->position;
		return grpc::Status::OK;
	}
	duckdb::DuckDB *database;
	try {
		database = databases_->Find(name);
	} catch (std::exception &ex) {
		// Not UNAVAILABLE: clients read that as "cannot reach the server".
		return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, ex.what());
	}
	if (!database) {
		return DatabaseNotFound(name, databases_->Names());
	}
	if (snapshot_id.empty() && databases_->LostWriter(name, database)) {
		// Its data may be older than what the database's new writer committed since: a read here
		// could go back in time. UNAVAILABLE: the gateway says the worker is unreachable, and
		// hosts retry until it routes to the new writer.
		return grpc::Status(grpc::StatusCode::UNAVAILABLE,
		                    "this worker no longer writes database '" + name +
		                        "': it lost its write lease, or could not confirm it for longer than the lease lasts "
		                        "(another worker may have taken the database over, or the metadata store is "
		                        "unreachable), so it serves none of it");
	}
	if (!snapshot_id.empty()) {
		try {
			database = databases_->FindSnapshot(name, snapshot_id, served.snapshot);
		} catch (std::exception &ex) {
			return grpc::Status(grpc::StatusCode::NOT_FOUND, ex.what());
		}
	}
	// Not owned: a writer's instances live as long as its DatabaseSet.
	served.database = std::shared_ptr<duckdb::DuckDB>(std::shared_ptr<duckdb::DuckDB>(), database);
	return grpc::Status::OK;
}

grpc::Status Worker::FindExactPosition(const std::string &name, const pb::CommitPosition &position, Served &served) {
	auto wanted = PositionFromWire(position);
	if (!replicas_) {
		return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
		                    "this worker is the writer of its databases: the parts of a split read (exact_position " +
		                        wanted.ToString() + ") are served by read replicas only");
	}
	std::optional<ReplicaSet::Instance> instance;
	try {
		instance = replicas_->FindExact(name, wanted);
	} catch (std::exception &ex) {
		return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, ex.what());
	}
	if (!instance) {
		auto now = replicas_->Positions();
		auto serving = now.count(name) ? now[name].ToString() : std::string("nothing");
		return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
		                    "read replica serves database '" + name + "' at " + serving + ", not at " +
		                        wanted.ToString() + " (it moved on): read it from one worker instead");
	}
	served.database = std::move(instance->database);
	served.replica_position = instance->position;
	return grpc::Status::OK;
}

ResponseSink Worker::PositionedSink(const std::string &database, const Served &served, const ResponseSink &sink) {
	// The position to put in Finished, if any, decided when Finished is sent.
	std::function<std::optional<CommitPosition>()> position_now;
	if (served.replica_position) {
		position_now = [position = *served.replica_position] { return std::optional<CommitPosition>(position); };
	} else if (auto before = databases_->Storage().WriterPosition(database)) {
		position_now = [this, database, before]() -> std::optional<CommitPosition> {
			// A commit syncs the WAL; one large enough to checkpoint at once may seal instead.
			// Another connection's commit in between only makes the position later than needed.
			auto now = databases_->Storage().WriterPosition(database);
			if (!now || *now == *before) {
				return std::nullopt;
			}
			return now->second;
		};
	} else {
		return sink;
	}
	return [position_now, &sink](pb::ExecuteFragmentResponse &response) {
		std::optional<CommitPosition> position;
		if (response.has_finished()) {
			position = position_now();
		}
		if (!position) {
			return sink(response);
		}
		auto positioned = response;
		*positioned.mutable_finished()->mutable_position() = PositionToWire(*position);
		return sink(positioned);
	};
}

static bool SendErrorResult(const ResponseSink &sink, const duckdb::ErrorData &error) {
	pb::ExecuteFragmentResponse response;
	response.mutable_error()->set_type(duckdb::Exception::ExceptionTypeToString(error.Type()));
	response.mutable_error()->set_message(error.RawMessage());
	return sink(response);
}

grpc::Status Worker::Handshake(const pb::HandshakeRequest &request, pb::HandshakeResponse &response) {
	auto status = CheckPeerVersions("client", request.protocol_version(), request.duckdb_version());
	if (!status.ok()) {
		return status;
	}
	if (!request.database().empty() && !Serves(request.database())) {
		return DatabaseNotFound(request.database(), DatabaseNames());
	}
	DescribeServer(response);
	return grpc::Status::OK;
}

grpc::Status Worker::ExecuteFragment(const grpc::ServerContext &call, const pb::ExecuteFragmentRequest &request,
                                     const Principal &principal, const ResponseSink &sink, FragmentOutcome &outcome) {
	if (!request.expected_catalog_version().empty() && (!request.session_id().empty() || !request.snapshot_id().empty())) {
		// A session's or a past snapshot's catalog has versions of its own.
		return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
		                    "expected_catalog_version is for statements on a database's head outside a session; this "
		                    "request names a session or a snapshot");
	}
	Served served;
	auto status = request.has_exact_position()
	                  ? FindExactPosition(request.database(), request.exact_position(), served)
	                  : FindDatabase(request.database(), request.snapshot_id(), request.min_position(), served);
	if (!status.ok()) {
		return status;
	}
	auto positioned = PositionedSink(request.database(), served, sink);
	// Ending a transaction frees what it holds, so it is never refused for lack of a slot.
	if (request.session_action() == pb::SESSION_ACTION_COMMIT || request.session_action() == pb::SESSION_ACTION_ROLLBACK) {
		return EndSession(request, principal, positioned, outcome);
	}
	// A final read runs in place of its session, whose OPEN call holds a slot until it ends.
	bool final_read = request.session_action() == pb::SESSION_ACTION_FINAL_READ;
	auto slot = final_read ? nullptr : calls_per_token_.TryAcquire(principal.label, kCallSlotGrace);
	if (!slot && !final_read) {
		return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
		                    "token '" + principal.label + "' already has " + std::to_string(calls_per_token_.Limit()) +
		                        " statements or open transactions running on this worker (the server's "
		                        "--max-calls-per-token); wait for one to end, or use another token");
	}
	// A new transaction or an auto-commit statement takes one of the database's connections (a
	// transaction's statements run on the connection it holds).
	std::unique_ptr<ConnectionLimit::Lease> connection;
	if (request.session_action() == pb::SESSION_ACTION_OPEN || request.session_id().empty()) {
		auto gone = [&call] { return call.IsCancelled(); };
		// Before the connection and the place: while a checkpoint of a written database waits for
		// its writing transactions to end, new ones wait here (worker/transaction_gate.hpp).
		bool writer = databases_ && !served.replica_position && served.snapshot == 0;
		if (writer && !databases_->Gate().WaitOpen(request.database(), gone)) {
			return CallerGone();
		}
		connection = connections_.Acquire(request.database(), principal.label, gone);
		if (!connection) {
			return QueueRefusal(call, "database '" + request.database() + "' has all " +
			                              std::to_string(connections_.max_per_database()) +
			                              " of its connections on this worker (--max-connections-per-database: "
			                              "auto-commit statements running plus open transactions) in use",
			                    connections_.max_wait(), "end idle transactions");
		}
	}
	if (request.session_action() == pb::SESSION_ACTION_OPEN) {
		return OpenSession(call, request, principal, *served.database, sink, outcome);
	}
	if (request.has_diff()) {
		return RunDiff(call, request, principal, served, positioned, outcome);
	}
	std::shared_ptr<Session> session;
	if (!request.session_id().empty()) {
		session = sessions_.Find(request.session_id());
		if (!session || session->database != request.database() || session->owner != principal.label) {
			return SessionNotFound(request.session_id());
		}
	} else if (!request.ingest_table().empty()) {
		return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "ingest requests must name a session");
	}
	pb::ExecuteFragmentRequest joined;
	if (session && !request.ingest_arrow().empty()) {
		std::lock_guard<std::mutex> guard(session->lock);
		auto &pending = session->pending_ingest;
		if (pending.size() + request.ingest_arrow().size() > kMaxPayloadBytes) {
			pending.clear();
			return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
			                    "an ingest payload of session '" + request.session_id() + "' exceeds " +
			                        std::to_string(kMaxPayloadBytes) + " bytes");
		}
		if (request.ingest_continues()) {
			pending += request.ingest_arrow();
			pb::ExecuteFragmentResponse finished;
			finished.mutable_finished();
			outcome.delivered = sink(finished);
			return grpc::Status::OK;
		}
		if (!pending.empty()) {
			// The last piece: run as if one request had carried the whole payload.
			joined = request;
			joined.mutable_ingest_arrow()->insert(0, pending);
			pending.clear();
			pending.shrink_to_fit();
		}
	}
	if (final_read) {
		return RunFinalRead(call, request, principal, std::move(session), positioned, outcome);
	}
	auto &whole = joined.ingest_arrow().empty() ? request : joined;
	auto executor = session ? std::make_unique<FragmentExecutor>(*session, whole)
	                        : std::make_unique<FragmentExecutor>(*served.database, whole);
	return RunWhenPlaced(call, whole, principal, *executor, positioned, outcome);
}

grpc::Status Worker::RunWhenPlaced(const grpc::ServerContext &call, const pb::ExecuteFragmentRequest &request,
                                   const Principal &principal, FragmentExecutor &executor, const ResponseSink &sink,
                                   FragmentOutcome &outcome) {
	if (!principal.Allows(Scope::kWrite)) {
		executor.RestrictToReading(principal.label);
	}
	auto place = statements_.Enter(principal.label, [&call] { return call.IsCancelled(); });
	if (!place) {
		return QueueRefusal(call,
		                    "this worker is busy: all " + std::to_string(statements_.max_running()) +
		                        " of its statement places (--max-running-statements) stayed taken",
		                    statements_.max_wait(), "");
	}
	return Run(call, request, executor, sink, outcome);
}

// Commits (or rolls back) `session`'s transaction and marks it ended; a failed COMMIT is rolled
// back. REQUIRES: session.lock held, not yet ended.
static duckdb::unique_ptr<duckdb::MaterializedQueryResult> EndTransaction(Session &session, bool commit) {
	auto result = session.connection.Query(commit ? "COMMIT" : "ROLLBACK");
	if (result->HasError() && session.connection.HasActiveTransaction()) {
		session.connection.Query("ROLLBACK");
	}
	session.ended = true;
	return result;
}

grpc::Status Worker::RunFinalRead(const grpc::ServerContext &call, const pb::ExecuteFragmentRequest &request,
                                  const Principal &principal, std::shared_ptr<Session> session,
                                  const ResponseSink &sink, FragmentOutcome &outcome) {
	{
		std::lock_guard<std::mutex> guard(session->lock);
		if (session->ended || session->final_read) {
			return SessionNotFound(request.session_id());
		}
		session->final_read = true;
	}
	// No later request finds it; its OPEN call waits for this read to end it.
	sessions_.Remove(request.session_id());
	FragmentExecutor executor(*session, request, FragmentExecutor::SessionUse::kFinalRead);
	auto status = RunWhenPlaced(call, request, principal, executor, sink, outcome);
	{
		std::lock_guard<std::mutex> guard(session->lock);
		if (!session->ended) {
			// Only SELECTs run here (FragmentExecutor refuses anything else), so ending the
			// transaction cannot lose a write.
			EndTransaction(*session, status.ok() && !outcome.failed);
		}
	}
	sessions_.NotifyEnded();
	return status;
}

grpc::Status Worker::RunDiff(const grpc::ServerContext &call, const pb::ExecuteFragmentRequest &request,
                             const Principal &principal, const Served &served, const ResponseSink &sink,
                             FragmentOutcome &outcome) {
	if (replicas_) {
		return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
		                    "this worker is a read replica: diffs between snapshots are computed by the database's "
		                    "writer, which the gateway routes them to");
	}
	if (!request.session_id().empty()) {
		return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
		                    "a diff reads committed snapshots: it is never part of a session");
	}
	auto &diff = request.diff();
	auto label = [](int64_t snapshot) { return snapshot ? "snapshot " + std::to_string(snapshot) : "the head"; };
	TableDiff::Side from, to {served.database.get(), label(served.snapshot)};
	std::unique_ptr<TableDiff> computed;
	try {
		int64_t id = 0;
		from = {databases_->FindSnapshot(request.database(), diff.from_snapshot(), id), label(id)};
		if (!diff.to_snapshot().empty()) {
			to = {databases_->FindSnapshot(request.database(), diff.to_snapshot(), id), label(id)};
		}
	} catch (std::exception &ex) {
		return grpc::Status(grpc::StatusCode::NOT_FOUND, ex.what());
	}
	try {
		computed = std::make_unique<TableDiff>(databases_->Storage().OpenScratch(request.database()), std::move(from),
		                                       std::move(to), diff.schema(), diff.table());
	} catch (std::exception &ex) {
		outcome.failed = true;
		outcome.delivered = SendErrorResult(sink, duckdb::ErrorData(ex));
		return grpc::Status::OK;
	}
	auto comparison = request;
	comparison.clear_diff();
	comparison.set_plan(computed->Sql());
	FragmentExecutor executor(computed->Scratch(), comparison);
	return RunWhenPlaced(call, comparison, principal, executor, sink, outcome);
}

grpc::Status Worker::CallerGone() {
	return grpc::Status(grpc::StatusCode::CANCELLED, "the caller went away while its statement waited to run");
}

grpc::Status Worker::QueueRefusal(const grpc::ServerContext &call, const std::string &what,
                                  std::chrono::milliseconds waited, const std::string &remedy) {
	if (call.IsCancelled()) {
		return CallerGone();
	}
	auto seconds = std::chrono::duration_cast<std::chrono::seconds>(waited).count();
	return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
	                    what + " for " + std::to_string(seconds) + " s (--queue-timeout); retry later, " +
	                        (remedy.empty() ? "" : remedy + ", ") + "or ask the operator to raise either option");
}

grpc::Status Worker::SessionNotFound(const std::string &id) {
	return grpc::Status(grpc::StatusCode::NOT_FOUND,
	                    "session '" + id + "' is not open on this worker (it ended, or the worker restarted and rolled "
	                                       "it back); start the transaction again");
}

grpc::Status Worker::Run(const grpc::ServerContext &call, const pb::ExecuteFragmentRequest &request,
                         FragmentExecutor &executor, const ResponseSink &sink, FragmentOutcome &outcome) {
	auto tracked = executions_.TryRegister(request.execution_id(), executor);
	if (!tracked) {
		return grpc::Status(grpc::StatusCode::ALREADY_EXISTS,
		                    "execution '" + request.execution_id() + "' is already running on this worker");
	}
	// Declared after `tracked`, so it is destroyed first: neither cancel path can reach the
	// executor once Run has returned and the executor goes away.
	auto deadline = std::chrono::steady_clock::time_point::max();
	if (statement_timeout_seconds_ > 0) {
		deadline = std::chrono::steady_clock::now() + std::chrono::seconds(statement_timeout_seconds_);
	}
	auto watched = watcher_.Watch(
	    call,
	    [this, &executor, deadline] {
		    if (std::chrono::steady_clock::now() >= deadline) {
			    executor.Cancel("stopped: it ran longer than the server's statement timeout of " +
			                    std::to_string(statement_timeout_seconds_) + " s (openduck serve|worker "
			                                                                 "--statement-timeout)");
		    } else {
			    executor.Cancel();
		    }
	    },
	    deadline);
	outcome = executor.Run(sink);
	if (!outcome.delivered) {
		return grpc::Status(grpc::StatusCode::CANCELLED, "the caller went away before the result was delivered");
	}
	return grpc::Status::OK;
}

static bool SendEmptyResult(const ResponseSink &sink, duckdb::Connection &connection) {
	// An IPC stream with no columns and no rows: "done, nothing to return".
	pb::ExecuteFragmentResponse response;
	response.set_arrow_batch(IpcStreamWriter({}, {}, connection.context->GetClientProperties()).SchemaMessage() +
	                         IpcStreamWriter::EndOfStream());
	if (!sink(response)) {
		return false;
	}
	pb::ExecuteFragmentResponse finished;
	finished.mutable_finished();
	return sink(finished);
}

// DuckDB starts a transaction on a database at its first use, not at BEGIN. The host opens a
// session when its own transaction starts on this database, so the session's snapshot is taken
// now: otherwise it would see whatever others commit before its first statement.
static duckdb::ErrorData StartDatabaseTransaction(duckdb::Connection &connection) {
	auto &context = *connection.context;
	try {
		context.RunFunctionInTransaction([&context]() {
			auto &name = duckdb::DatabaseManager::GetDefaultDatabase(context);
			auto database = duckdb::DatabaseManager::Get(context).GetDatabase(context, name);
			if (!database) {
				throw std::runtime_error("the served database '" + name + "' is not attached to its session");
			}
			duckdb::MetaTransaction::Get(context).GetTransaction(*database);
		});
	} catch (std::exception &ex) {
		return duckdb::ErrorData(ex);
	}
	return duckdb::ErrorData();
}

grpc::Status Worker::OpenSession(const grpc::ServerContext &call, const pb::ExecuteFragmentRequest &request,
                                 const Principal &principal, duckdb::DuckDB &database, const ResponseSink &sink,
                                 FragmentOutcome &outcome) {
	auto session = sessions_.Create(request.session_id(), database, request.database(), principal.label);
	if (!session) {
		return grpc::Status(grpc::StatusCode::ALREADY_EXISTS,
		                    "session '" + request.session_id() + "' is missing or already open on this worker");
	}
	auto begin = session->connection.Query(principal.Allows(Scope::kWrite) ? "BEGIN TRANSACTION"
	                                                                        : "BEGIN TRANSACTION READ ONLY");
	auto error = begin->HasError() ? begin->GetErrorObject() : StartDatabaseTransaction(session->connection);
	if (error.HasError()) {
		sessions_.Remove(request.session_id());
		outcome.failed = true;
		outcome.delivered = SendErrorResult(sink, error);
		return grpc::Status::OK;
	}
	if (!SendEmptyResult(sink, session->connection)) {
		outcome.delivered = false;
	}
	// Hold the call open for the session's lifetime; ending it early (the host is gone) rolls back.
	sessions_.WaitUntilEnded(*session, [&call]() { return call.IsCancelled(); });
	bool final_read_running = false;
	{
		std::lock_guard<std::mutex> guard(session->lock);
		if (!session->ended) {
			session->connection.Interrupt();
			final_read_running = session->final_read;
			if (!final_read_running) {
				session->connection.Query("ROLLBACK");
				session->ended = true;
			}
		}
	}
	if (final_read_running) {
		// The interrupted read ends the transaction itself (RunFinalRead), on its own thread.
		sessions_.WaitUntilEnded(*session, []() { return false; });
	}
	sessions_.Remove(request.session_id());
	return grpc::Status::OK;
}

grpc::Status Worker::EndSession(const pb::ExecuteFragmentRequest &request, const Principal &principal,
                                const ResponseSink &sink, FragmentOutcome &outcome) {
	auto session = sessions_.Find(request.session_id());
	if (!session || session->owner != principal.label) {
		return SessionNotFound(request.session_id());
	}
	duckdb::unique_ptr<duckdb::MaterializedQueryResult> result;
	{
		std::lock_guard<std::mutex> guard(session->lock);
		if (session->ended) {
			return SessionNotFound(request.session_id());
		}
		result = EndTransaction(*session, request.session_action() == pb::SESSION_ACTION_COMMIT);
	}
	sessions_.NotifyEnded();
	sessions_.Remove(request.session_id());
	if (result->HasError()) {
		outcome.failed = true;
		outcome.delivered = SendErrorResult(sink, result->GetErrorObject());
		return grpc::Status::OK;
	}
	outcome.delivered = SendEmptyResult(sink, session->connection);
	return grpc::Status::OK;
}

grpc::Status Worker::GetCatalog(const pb::GetCatalogRequest &request, pb::GetCatalogResponse &response) {
	Served served;
	auto status = FindDatabase(request.database(), request.snapshot_id(), request.min_position(), served);
	if (!status.ok()) {
		return status;
	}
	auto &database = served.database;
	response.set_snapshot(served.snapshot);
	// Each snapshot is an instance of its own, whose versions count from the same start: a past
	// catalog's version names its snapshot, so a host that resolved a name or a time to another
	// snapshot before is never told "unchanged".
	auto qualified = [&served](const std::string &version) {
		return served.snapshot ? std::to_string(served.snapshot) + "/" + version : version;
	};
	try {
		if (request.session_id().empty()) {
			duckdb::Connection connection(*database);
			if (!request.known_version().empty() &&
			    qualified(CatalogVersion(connection, true)) == request.known_version()) {
				response.set_unchanged(true);
				return grpc::Status::OK;
			}
			if (!request.statistics_table().empty()) {
				ReadTableStatistics(connection, request.statistics_schema(), request.statistics_table(), true, true,
				                    response);
				return grpc::Status::OK;
			}
			ReadCatalog(*database, response);
			response.set_version(qualified(response.version()));
		} else {
			auto session = sessions_.Find(request.session_id());
			if (!session || session->database != request.database()) {
				return SessionNotFound(request.session_id());
			}
			std::lock_guard<std::mutex> guard(session->lock);
			if (!request.statistics_table().empty()) {
				ReadTableStatistics(session->connection, request.statistics_schema(), request.statistics_table(),
				                    request.with_statistics(), false, response);
				return grpc::Status::OK;
			}
			if (!request.known_version().empty() &&
			    CatalogVersion(session->connection, false) == request.known_version()) {
				response.set_unchanged(true);
				return grpc::Status::OK;
			}
			ReadCatalog(session->connection, response, request.with_statistics());
		}
	} catch (std::exception &ex) {
		duckdb::ErrorData error(ex);
		return grpc::Status(grpc::StatusCode::INTERNAL,
		                    "reading the catalog of database '" + request.database() + "' failed: " + error.Message());
	}
	return grpc::Status::OK;
}

grpc::Status Worker::ManageDatabase(const pb::ManageDatabaseRequest &request, pb::ManageDatabaseResponse &response) {
	if (replicas_) {
		return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
		                    "this worker is a read replica: creating, cloning and snapshotting databases is done by "
		                    "their writer, which the gateway routes to");
	}
	return openduck::ManageDatabase(*databases_, request, response);
}

grpc::Status Worker::CancelExecution(const pb::CancelExecutionRequest &request, pb::CancelExecutionResponse &response) {
	response.set_found(!request.execution_id().empty() && executions_.Cancel(request.execution_id()));
	return grpc::Status::OK;
}

} // namespace openduck
