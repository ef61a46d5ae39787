// The extension's connection to an OpenDuck gateway for one attached database.
//
// Owns the gRPC channel. Thread-safe: DuckDB calls it from several threads (scans, binds).
// Every failure is raised as a DuckDB exception whose message names the endpoint and the
// database, so the user sees e.g. "cannot reach OpenDuck gateway at http://h:7878: ...".
#pragma once

#include "common/attach_config.hpp"
#include "common/commit_position.hpp"
#include "extension/client/receiver_pool.hpp"
#include "openduck/v1/openduck.grpc.pb.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace openduck {

// One statement executing remotely: a stream of Arrow IPC payloads.
//
// A background thread (of the ReceiverPool) receives messages into a small bounded queue, so
// the network transfer overlaps with decoding and the consumer can notice an interrupt while
// waiting. The consumer side (NextPayload) is for one thread. Destroying an unfinished query
// cancels it on the server.
// How long a read keeps being re-sent while its database has no reachable worker: a failover
// (a standby taking the database over once the dead writer's lease lapses) takes a few seconds.
constexpr std::chrono::seconds kFailoverRetryBudget {15};

// Since when an attachment's database has had no reachable worker, shared by all its calls:
// their re-sends share one kFailoverRetryBudget counted from the first failure, so a statement
// that makes several calls (catalog, describe, execute) fails within one budget, not one per
// call. An answer to any call ends the episode. Thread-safe.
class FailoverEpisode {
public:
	// When the episode began; it begins at `now` when none is open.
	std::chrono::steady_clock::time_point Begin(std::chrono::steady_clock::time_point now);
	void End();

private:
	std::atomic<std::chrono::steady_clock::rep> began_ {0}; // 0: no episode
};

// Paces the re-sends of one call across a failover: which failures qualify (the gateway found
// the database's worker unreachable or gone), how far apart (100 ms, doubling up to 1 s) and
// for how long (kFailoverRetryBudget from the start of `episode`). Used by one thread.
class FailoverRetry {
public:
	explicit FailoverRetry(FailoverEpisode &episode) : episode_(episode) {
	}
	// How long to wait before sending the call again after it failed with `status`; nullopt
	// when it must fail with it.
	std::optional<std::chrono::milliseconds> Next(const grpc::Status &status);

private:
	FailoverEpisode &episode_;
	int attempts_ = 0;
};

class RemoteQuery {
public:
	using Reader = grpc::ClientReader<v1::ExecuteFragmentResponse>;
	// Starts the call again: fills a new context and reader.
	using Reissue = std::function<void(std::unique_ptr<grpc::ClientContext> &, std::unique_ptr<Reader> &)>;

	// With `reissue`, a call that fails before any response arrived because the gateway found
	// the database's worker unreachable or gone is sent again (with backoff, within the
	// `failover` episode's budget): only for reads outside a session. `config` and `failover`
	// are the attachment's (RemoteClient) and outlive the query.
	RemoteQuery(const AttachConfig &config, FailoverEpisode &failover, std::unique_ptr<grpc::ClientContext> rpc,
	            std::unique_ptr<Reader> reader, Reissue reissue = nullptr);
	~RemoteQuery();

	// Blocks for the next Arrow IPC payload; false once the stream finished cleanly.
	// A worker-side DuckDB error is re-raised with its original type and message. While waiting,
	// `interrupted` is polled; when it returns true the call is cancelled and
	// duckdb::InterruptException is thrown.
	bool NextPayload(std::string &payload, const std::function<bool()> &interrupted = nullptr);
	enum class Poll { kPayload, kEnded, kWaiting };
	// NextPayload without blocking: kWaiting when nothing has arrived yet, and then `wake` is
	// called once, from the receiving thread, when something does (a response or the end).
	// For DuckDB operators that return BLOCKED instead of holding a thread while they wait.
	Poll PollPayload(std::string &payload, std::function<void()> wake);
	// Blocks while the receiving thread is still inside a `wake` it called. Waking holds a
	// reference to DuckDB's task, and DuckDB spins (Executor::CancelTasks) until every task of a
	// finished query is gone: a task that has read everything waits here instead, asleep.
	void AwaitWakeDone();
	// Bytes of Arrow IPC received so far.
	uint64_t BytesReceived() const {
		return bytes_received_;
	}
	void Cancel();
	// Whether the call has ended (the server finished it, or it failed); its status message when
	// it failed.
	bool Ended(std::string &failure);

	// The size of the request (and of the leading pieces of its payload), set by Execute.
	uint64_t bytes_sent = 0;

private:
	// NextPayload and PollPayload: with `wake`, kWaiting instead of waiting.
	Poll Advance(std::string &payload, const std::function<bool()> &interrupted, std::function<void()> *wake);
	void Receive();
	// Calls the waiting PollPayload's wake, if any; true when that destroyed this query (see the
	// destructor), and then the caller must not touch it. REQUIRES: `guard` holds lock_; releases it.
	bool WakeWaiter(std::unique_lock<std::mutex> &guard);
	// After the stream failed with nothing received: true when the call was sent again.
	// REQUIRES: `guard` holds lock_.
	bool RetryLocked(std::unique_lock<std::mutex> &guard, const std::function<bool()> &interrupted);

	const AttachConfig &config_;
	FailoverEpisode &failover_;
	std::unique_ptr<grpc::ClientContext> rpc_;
	std::unique_ptr<Reader> reader_;
	const Reissue reissue_;
	bool received_any_ = false;
	FailoverRetry retry_ {failover_};

	std::mutex lock_;
	std::condition_variable changed_;
	std::deque<v1::ExecuteFragmentResponse> queue_;
	bool stream_ended_ = false;
	grpc::Status status_;
	// Runs Receive (on a thread of the ReceiverPool).
	std::shared_ptr<ReceiverJob> receiver_;
	// Set by PollPayload when it found nothing; called by the receiver on news.
	std::function<void()> waiter_;

	bool done_ = false;
	// The receiver is inside a waiter's `wake` (AwaitWakeDone).
	bool waking_ = false;
	// The server's `finished` message arrived (it ends the statement; NextPayload stops there).
	bool finished_ = false;
	std::atomic<uint64_t> bytes_received_ {0};
	// Pieces (arrow_part) of a payload wider than one message, until its arrow_batch arrives.
	// Used only by the thread calling NextPayload.
	std::string partial_;
};

// How a statement runs on the worker (see ExecuteFragmentRequest in the proto).
struct ExecuteOptions {
	bool describe_only = false;
	std::string session_id;
	v1::SessionAction session_action = v1::SESSION_ACTION_NONE;
	std::string ingest_table;
	std::string ingest_arrow;
	std::string ingest_schema;
	// Run on the worker first (session_settings.hpp).
	std::string setup_sql;
	// Set by Execute on the leading pieces of an ingest payload wider than one message.
	bool ingest_continues = false;
	// The host statement's id (QueryStats::QueryId), sent for log correlation.
	std::string query_id;
	// The statement only reads (a scan, a shipped SELECT): outside a session it is sent again
	// when its database's worker is unreachable before any result arrived (a failover).
	bool read_only = false;
	// Bounds of one result record batch; 0: the server's defaults (1 MiB).
	uint64_t max_batch_bytes = 0;
	uint64_t max_batch_rows = 0;
	// The host's openduck_compression ("auto", "lz4", "zstd", "none"); sent only when the
	// server supports the codec (RemoteClient::Execute).
	std::string compression;
	// A part of a split read: run by the `split_index`-th read replica at exactly this position
	// (ExecuteFragmentRequest.exact_position).
	std::optional<CommitPosition> exact_position;
	uint32_t split_index = 0;
	// A read of this past snapshot (id) instead of the attachment's state (FROM t AT (...)).
	std::string snapshot;
	// Instead of running the statement: this diff between snapshots (openduck_diff), which
	// the writer computes (never a replica).
	std::optional<v1::TableDiff> diff;
	// The host never observes the order of the result's rows (ExecuteFragmentRequest.any_row_order).
	bool any_row_order = false;
	// The catalog version the host bound a read against without confirming it
	// (ExecuteFragmentRequest.expected_catalog_version); "" when confirmed or not applicable.
	std::string expected_catalog_version;
	// Host tables the statement reads as temporary tables (ExecuteFragmentRequest.uploads);
	// shared, since a plan may send them again.
	std::shared_ptr<const std::vector<v1::Upload>> uploads;
	// Join key filters the text reads by index (ExecuteFragmentRequest.join_key_filters);
	// shared for the same reason.
	std::shared_ptr<const std::vector<std::string>> join_key_filters;
};

class RemoteClient {
public:
	explicit RemoteClient(AttachConfig config);

	const AttachConfig &Config() const {
		return config_;
	}
	// Checks versions, the token and that the database exists.
	void Handshake();
	// `setting` (openduck_compression) when the server reads and writes every codec it may use
	// ("auto" may use LZ4 and ZSTD), else "none" (a server that predates them). Valid after
	// Handshake.
	std::string UsableCompression(const std::string &setting) const;
	// `session_id`: the catalog as seen inside that session's open transaction.
	// `known_version`: the response only says `unchanged` when that is still current.
	// `snapshot`: a past snapshot's catalog (GetCatalogRequest.snapshot_id) instead of the
	// attachment's.
	// `session_statistics`: with `session_id`, the column statistics too (GetCatalogRequest.
	// with_statistics; reads outside a session always carry them).
	// `only_schema`.`only_table`: that table alone (GetCatalogRequest.statistics_table).
	v1::GetCatalogResponse GetCatalog(const std::string &session_id = "", const std::string &known_version = "",
	                                  const std::string &snapshot = "", bool session_statistics = false,
	                                  const std::string &only_schema = "", const std::string &only_table = "");
	// Starts `sql` on the database as `options` say.
	std::unique_ptr<RemoteQuery> Execute(const std::string &sql, ExecuteOptions options);

private:
	std::unique_ptr<grpc::ClientContext> NewContext() const;

	AttachConfig config_;
	// The compression codecs the server listed at the handshake (empty: it predates them).
	std::vector<std::string> server_codecs_;
	std::shared_ptr<grpc::Channel> channel_;
	std::unique_ptr<v1::ExecutionService::Stub> stub_;
	FailoverEpisode failover_;
};

// 128 random bits as hex: execution and session ids.
std::string NewExecutionId();

// Raises the DuckDB exception matching a failed RPC. `action` says what was attempted.
[[noreturn]] void ThrowRpcError(const grpc::Status &status, const AttachConfig &config, const std::string &action);

} // namespace openduck
