// Runs one ExecuteFragment request against a database and turns its result into the response
// stream: Arrow IPC payloads (schema first, end-of-stream last), then Finished. SQL errors
// become an Error response (the RPC itself still succeeds), so the client sees DuckDB's own
// exception type and message.
//
// Each executor owns its own duckdb::Connection, so concurrent requests never share one.
// Thread-safety: Run is called by one thread; Cancel may be called from any thread at any time
// (CancelExecution, or the gRPC caller going away).
#pragma once

#include "openduck/v1/openduck.pb.h"
#include "worker/result_outbox.hpp"
#include "worker/session_registry.hpp"

#include "duckdb/main/client_properties.hpp"
#include "duckdb/main/pending_query_result.hpp"
#include "duckdb/main/connection.hpp"
#include "duckdb/parser/sql_statement.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>

namespace openduck {

// Delivers one response to the caller. Returns false when the caller is gone. The sink may take
// the response's Arrow payload instead of copying it (WriteResponse): a response is not used
// again once delivered.
using ResponseSink = std::function<bool(openduck::v1::ExecuteFragmentResponse &)>;

struct FragmentOutcome {
	// False when the sink refused a response (caller gone) before Finished was delivered.
	bool delivered = true;
	// The statement failed (an Error response was sent).
	bool failed = false;
	uint64_t rows = 0;
	uint64_t bytes = 0;
};

class FragmentExecutor {
public:
	static constexpr uint64_t kDefaultMaxBatchBytes = 1024 * 1024;
	// How many batches of max_batch_bytes a streamed result queues before its producers wait,
	// and at most how many bytes: a scan's batches may be 64 MiB each, and with the encoder
	// faster than the sender four of them held the worker's memory at 385-452 MiB in
	// test_memory's 1.1 GiB scan.
	static constexpr uint64_t kStreamedBatches = 4;
	static constexpr uint64_t kMaxStreamedBytes = 64 * 1024 * 1024;

	enum class SessionUse {
		// One of the session's statements: its lock is held while the statement executes, and the
		// result is materialized first so the lock is released before it is sent.
		kStatement,
		// Its final read (SESSION_ACTION_FINAL_READ, set Session::final_read first): SELECTs only,
		// streamed without the lock, which no other request takes any more.
		kFinalRead,
	};

	FragmentExecutor(duckdb::DuckDB &database, const openduck::v1::ExecuteFragmentRequest &request);
	// Runs on a session's connection.
	FragmentExecutor(Session &session, const openduck::v1::ExecuteFragmentRequest &request,
	                 SessionUse use = SessionUse::kStatement);
	FragmentExecutor(const FragmentExecutor &) = delete;
	FragmentExecutor &operator=(const FragmentExecutor &) = delete;

	// Lets the statement only read (a token of scope read): it runs in a read-only transaction
	// (a session's was opened read-only, Worker::OpenSession), and a write is refused with a
	// PermissionException naming `token_label`.
	void RestrictToReading(const std::string &token_label);

	FragmentOutcome Run(const ResponseSink &sink);
	// Interrupts the running statement; Run then reports an "INTERRUPT" error.
	// `reason` completes "execution '<id>' was ..." in the error the caller sees (default:
	// "cancelled"); the first reason given wins.
	void Cancel(const std::string &reason = "");

private:
	bool SendError(const ResponseSink &sink, const std::string &type, const std::string &message);
	// describe_only: the result's schema from preparing the statement, without running it.
	FragmentOutcome Describe(duckdb::vector<duckdb::unique_ptr<duckdb::SQLStatement>> statements,
	                         const ResponseSink &sink);

	// Inserts request_.ingest_arrow into the session's temporary table request_.ingest_table, or
	// with request_.ingest_schema straight into that table of the database (ingest_scan.hpp).
	void Ingest();
	// Creates the temporary tables of request_.uploads (ExecuteFragmentRequest.uploads).
	void Upload();
	// Appends Arrow IPC stream `arrow` to `schema`.`table` of the database, or with `schema`
	// empty to temporary table `table`, created from the stream's types when missing with its
	// column names (`named_columns`) or c0, c1, ...
	void IngestInto(const std::string &table, const std::string &arrow, const std::string &schema, bool named_columns);
	enum class Completion { kEnded, kCancelled, kCallerGone };
	// Runs `pending` until it ends (a result or an error), without spinning a core while DuckDB's
	// threads work; `outbox` is its result's, if any. Between tasks, `deliver` (if set) sends what
	// is ready and returns false when the caller is gone. When cancelled, or the caller is gone,
	// the query is interrupted and run to its end.
	Completion Complete(duckdb::PendingQueryResult &pending, ResultOutbox *outbox = nullptr,
	                    const std::function<bool()> &deliver = nullptr);
	// Runs request_.setup_sql (guarded, and only ever for this connection); on a session's
	// connection first resets what an earlier request set and this one does not.
	void ApplySetup();
	// Sets may_interrupt_.
	void AllowInterrupts(bool allowed);

	std::unique_ptr<duckdb::Connection> owned_connection_;
	duckdb::Connection &connection_;
	// The session of a kStatement run, whose lock it holds while the statement executes.
	Session *session_ = nullptr;
	// A kFinalRead run: in the session's open transaction, SELECTs only.
	bool final_read_ = false;
	std::set<std::string> *session_settings_ = nullptr;
	const openduck::v1::ExecuteFragmentRequest &request_;
	// Set by RestrictToReading: the token's label (empty: the caller may write).
	std::string read_only_token_;
	// Whether Cancel may interrupt connection_ (guarded by cancel_lock_): always for a connection
	// of its own; a session's only while this executor holds the session lock, since the
	// session's next statement may run on that connection once it is released (a cancel that
	// lands as the caller drops a finished call must not interrupt the statement after it).
	bool may_interrupt_;
	std::atomic<bool> cancelled_ {false};
	std::mutex cancel_lock_;
	std::string cancel_reason_;
};

} // namespace openduck
