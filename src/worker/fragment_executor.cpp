#include "worker/fragment_executor.hpp"

#include "storage/join_keys_function.hpp"
#include "worker/catalog_reader.hpp"
#include "worker/expected_catalog_version.hpp"

#include "arrow/ipc_limits.hpp"
#include "arrow/ipc_stream_reader.hpp"
#include "arrow/ipc_stream_writer.hpp"
#include "arrow/type_text.hpp"
#include "common/wire_limits.hpp"
#include "worker/ingest_scan.hpp"
#include "worker/ipc_result_collector.hpp"
#include "worker/result_outbox.hpp"
#include "worker/statement_guard.hpp"

#include "duckdb/common/error_data.hpp"
#include "duckdb/common/exception.hpp"
#include "duckdb/main/client_context.hpp"
#include "duckdb/parser/keyword_helper.hpp"
#include "duckdb/main/pending_query_result.hpp"
#include "duckdb/main/query_result.hpp"
#include "duckdb/parser/sql_statement.hpp"
#include "duckdb/parser/statement/set_statement.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <thread>

namespace openduck {

namespace pb = openduck::v1;

FragmentExecutor::FragmentExecutor(duckdb::DuckDB &database, const pb::ExecuteFragmentRequest &request)
    : owned_connection_(std::make_unique<duckdb::Connection>(database)), connection_(*owned_connection_),
      request_(request), may_interrupt_(true) {
}

FragmentExecutor::FragmentExecutor(Session &session, const pb::ExecuteFragmentRequest &request, SessionUse use)
    : connection_(session.connection), session_settings_(&session.applied_settings), request_(request),
      may_interrupt_(use == SessionUse::kFinalRead) {
	if (use == SessionUse::kFinalRead) {
		final_read_ = true;
	} else {
		session_ = &session;
	}
}

void FragmentExecutor::RestrictToReading(const std::string &token_label) {
	read_only_token_ = token_label;
}

// DuckDB's refusal of a write in a read-only transaction, said in terms of the token.
static duckdb::ErrorData ReadOnlyRefusal(const duckdb::ErrorData &error, const std::string &token_label) {
	if (token_label.empty() || error.Type() != duckdb::ExceptionType::TRANSACTION ||
	    error.RawMessage().find("read-only mode") == std::string::npos) {
		return error;
	}
	return duckdb::ErrorData(duckdb::ExceptionType::PERMISSION,
	                         "token '" + token_label +
	                             "' has scope read: it cannot write, change the schema or checkpoint (use a token "
	                             "created with --scope write)");
}

void FragmentExecutor::ApplySetup() {
	auto statements = connection_.ExtractStatements(request_.setup_sql());
	std::set<std::string> applied;
	for (auto &statement : statements) {
		CheckClientStatement(*statement);
		if (statement->type == duckdb::StatementType::SET_STATEMENT) {
			auto &set = statement->Cast<duckdb::SetStatement>();
			applied.insert((set.scope == duckdb::SetScope::VARIABLE ? "VARIABLE " : "SESSION ") +
			               duckdb::KeywordHelper::WriteOptionallyQuoted(set.name));
		}
	}
	if (session_settings_) {
		// The host sends only what differs from the defaults: what it set before and no longer
		// sends is back at its default there.
		for (auto &previous : *session_settings_) {
			if (!applied.count(previous)) {
				auto result = connection_.Query("RESET " + previous);
				if (result->HasError()) {
					result->ThrowError();
				}
			}
		}
		*session_settings_ = applied;
	}
	for (auto &statement : statements) {
		auto result = connection_.Query(std::move(statement));
		if (result->HasError()) {
			result->ThrowError();
		}
	}
}

void FragmentExecutor::Ingest() {
	// Into a table of the database, or a temporary table of columns c0, c1, ...
	IngestInto(request_.ingest_table(), request_.ingest_arrow(), request_.ingest_schema(), false);
}

void FragmentExecutor::Upload() {
	if (session_) {
		throw duckdb::InvalidInputException("uploads are not accepted inside a session: their temporary tables would "
		                                    "outlive the statement");
	}
	for (auto &upload : request_.uploads()) {
		IngestInto(upload.table(), upload.arrow(), "", true);
	}
}

void FragmentExecutor::IngestInto(const std::string &table, const std::string &arrow, const std::string &schema,
                                  bool named_columns) {
	auto &context = *connection_.context;
	auto reader = std::make_unique<IpcStreamReader>(context);
	// Borrowed, not copied (it can be tens of MiB): the reader, its batches and the statement
	// that reads them all end within this call, while request_ lives on.
	reader->Feed(std::shared_ptr<const std::string>(&arrow, [](const std::string *) {}));
	if (!reader->HasSchema()) {
		throw duckdb::InvalidInputException("ingest payload for '%s' has no Arrow schema", table);
	}
	auto quoted_table = duckdb::KeywordHelper::WriteQuoted(table, '"');
	std::string target;
	if (!schema.empty()) {
		// Straight into the target: the rows are inserted once, and row groups are compressed
		// as they fill while the host is still sending the next batches.
		target = duckdb::KeywordHelper::WriteQuoted(schema, '"') + "." + quoted_table;
	} else {
		auto &types = reader->Types();
		auto &names = reader->Names();
		std::string columns;
		for (size_t i = 0; i < types.size(); i++) {
			auto name = named_columns ? names[i] : "c" + std::to_string(i);
			// With its collation, so the worker compares an uploaded column as the host would.
			auto type = ExactTypeText(types[i]);
			columns += (i ? ", " : "") + duckdb::KeywordHelper::WriteQuoted(name, '"') + " " +
			           (type.empty() ? types[i].ToString() : type);
		}
		auto created = connection_.Query("CREATE TEMPORARY TABLE IF NOT EXISTS " + quoted_table + " (" + columns + ")");
		if (created->HasError()) {
			created->ThrowError();
		}
		target = "temp.main." + quoted_table;
	}
	IngestScan::EnsureRegistered(*context.db);
	IngestScan scan(context, std::move(reader));
	if (scan.RowCount() == 0) {
		return;
	}
	auto pending = connection_.PendingQuery("INSERT INTO " + target + " SELECT * FROM " + scan.TableFunctionSQL(), false);
	if (!pending->HasError() && Complete(*pending) != Completion::kEnded) {
		throw duckdb::InterruptException();
	}
	if (pending->HasError()) {
		pending->ThrowError();
	}
	auto result = pending->Execute();
	if (result->HasError()) {
		result->ThrowError();
	}
}

void FragmentExecutor::Cancel(const std::string &reason) {
	// The flag catches a cancel that lands before the statement started (DuckDB clears its own
	// interrupt flag when a query begins); Interrupt stops one that is running.
	std::lock_guard<std::mutex> guard(cancel_lock_);
	if (!cancelled_) {
		cancel_reason_ = reason;
	}
	cancelled_ = true;
	if (may_interrupt_) {
		connection_.Interrupt();
	}
}

void FragmentExecutor::AllowInterrupts(bool allowed) {
	std::lock_guard<std::mutex> guard(cancel_lock_);
	may_interrupt_ = allowed;
}

bool FragmentExecutor::SendError(const ResponseSink &sink, const std::string &type, const std::string &message) {
	pb::ExecuteFragmentResponse response;
	response.mutable_error()->set_type(type);
	response.mutable_error()->set_message(message);
	return sink(response);
}

static const char *kInterruptType = "INTERRUPT";

// Waits for DuckDB's background threads, which hold every task: asking again at once would spin
// this thread on a core those threads need. Yields a few times, then sleeps up to 1 ms, woken
// early when `outbox` (if any) receives a batch or the result is complete.
static void WaitForThreads(uint32_t idle, ResultOutbox *outbox) {
	if (idle < 16) {
		std::this_thread::yield();
		return;
	}
	auto timeout = std::chrono::microseconds(std::min<uint32_t>(1000, 50 * (idle - 15)));
	if (outbox) {
		outbox->Wait(timeout);
	} else {
		std::this_thread::sleep_for(timeout);
	}
}

// Runs the pending query's tasks until it ends (a result or an error) or `stop` says so; true if
// it ended.
template <class STOP>
static bool RunTasks(duckdb::PendingQueryResult &pending, ResultOutbox *outbox, const STOP &stop) {
	for (uint32_t idle = 0; !stop() && !pending.HasError();) {
		auto state = pending.ExecuteTask();
		if (state == duckdb::PendingExecutionResult::NO_TASKS_AVAILABLE ||
		    state == duckdb::PendingExecutionResult::BLOCKED) {
			// BLOCKED: every task left waits, e.g. for the outbox to make room.
			WaitForThreads(idle++, outbox);
			continue;
		}
		if (state != duckdb::PendingExecutionResult::RESULT_NOT_READY) {
			return true;
		}
		idle = 0;
	}
	return pending.HasError();
}

FragmentExecutor::Completion FragmentExecutor::Complete(duckdb::PendingQueryResult &pending, ResultOutbox *outbox,
                                                        const std::function<bool()> &deliver) {
	// DuckDB clears a pending interrupt when a query begins (in PendingQuery), so a cancel that
	// landed before is seen by this check, and one after it interrupts the query.
	bool caller_gone = false;
	auto stop = [&] {
		if (cancelled_) {
			return true;
		}
		caller_gone = deliver && !deliver();
		return caller_gone;
	};
	if (RunTasks(pending, outbox, stop)) {
		return Completion::kEnded;
	}
	if (outbox) {
		// Its parked producers must run on to the interrupt.
		outbox->Close();
	}
	// PendingQuery cleared the interrupt of a cancel that came first; the tasks it scheduled
	// must see one, or tearing the query down waits for them to finish.
	connection_.Interrupt();
	// Run the query to its interrupt error before the result is dropped. DuckDB 1.4.4 leaks the
	// physical plan now and then (about 1 KiB, operator destructors never run) when a pending
	// result is destroyed while its interrupted tasks are still on DuckDB's threads: 4 of 30 in a
	// bare-DuckDB reproduction, 0 of 60 with this drain. The tasks stop at their next chunk.
	RunTasks(pending, outbox, [] { return false; });
	return caller_gone ? Completion::kCallerGone : Completion::kCancelled;
}

FragmentOutcome FragmentExecutor::Describe(duckdb::vector<duckdb::unique_ptr<duckdb::SQLStatement>> statements,
                                           const ResponseSink &sink) {
	FragmentOutcome outcome;
	if (statements.size() != 1) {
		outcome.failed = true;
		outcome.delivered = SendError(sink, "Invalid Input",
		                              "cannot describe " + std::to_string(statements.size()) +
		                                  " statements at once: send one statement per request");
		return outcome;
	}
	// Preparing binds the statement without running it: no side effects.
	auto prepared = connection_.Prepare(std::move(statements[0]));
	if (prepared->HasError()) {
		auto &error = prepared->GetErrorObject();
		outcome.failed = true;
		outcome.delivered = SendError(sink, duckdb::Exception::ExceptionTypeToString(error.Type()), error.RawMessage());
		return outcome;
	}
	IpcStreamWriter writer(prepared->GetTypes(), prepared->GetNames(),
	                       IpcStreamWriter::WireProperties(*connection_.context));
	pb::ExecuteFragmentResponse response;
	response.set_arrow_batch(writer.SchemaMessage() + IpcStreamWriter::EndOfStream());
	outcome.bytes = response.arrow_batch().size();
	if (!sink(response)) {
		outcome.delivered = false;
		return outcome;
	}
	pb::ExecuteFragmentResponse finished;
	finished.mutable_finished()->set_bytes(outcome.bytes);
	outcome.delivered = sink(finished);
	return outcome;
}

FragmentOutcome FragmentExecutor::Run(const ResponseSink &sink) {
	FragmentOutcome outcome;
	auto fail = [&](const duckdb::ErrorData &raw_error) {
		auto error = ReadOnlyRefusal(raw_error, read_only_token_);
		outcome.failed = true;
		if (cancelled_) {
			std::lock_guard<std::mutex> guard(cancel_lock_);
			outcome.delivered =
			    SendError(sink, kInterruptType,
			              "execution '" + request_.execution_id() + "' was " +
			                  (cancel_reason_.empty() ? std::string("cancelled") : cancel_reason_));
		} else {
			outcome.delivered =
			    SendError(sink, duckdb::Exception::ExceptionTypeToString(error.Type()), error.RawMessage());
		}
		return outcome;
	};
	auto send_payload = [&](std::string &payload) {
		if (payload.size() > kMaxPayloadBytes) {
			throw duckdb::InvalidInputException(
			    "a result batch of %llu bytes (one row that wide) is larger than the %llu bytes OpenDuck sends at once",
			    (unsigned long long)payload.size(), (unsigned long long)kMaxPayloadBytes);
		}
		outcome.bytes += payload.size();
		// Batches end by size, so only a single row wider than a message gets here: it travels
		// in pieces the host joins.
		size_t sent = 0;
		while (payload.size() - sent > kMaxPayloadPieceBytes) {
			pb::ExecuteFragmentResponse piece;
			piece.set_arrow_part(payload.substr(sent, kMaxPayloadPieceBytes));
			sent += kMaxPayloadPieceBytes;
			if (!sink(piece)) {
				return false;
			}
		}
		pb::ExecuteFragmentResponse response;
		if (sent == 0) {
			response.set_arrow_batch(std::move(payload));
		} else {
			response.set_arrow_batch(payload.substr(sent));
		}
		payload.clear();
		return sink(response);
	};
	// Checked before anything runs: a write must not commit and then fail on a bad option.
	std::unique_ptr<AdaptiveCompression> compression;
	try {
		compression = std::make_unique<AdaptiveCompression>(request_.compression());
	} catch (std::invalid_argument &ex) {
		return fail(duckdb::ErrorData(duckdb::ExceptionType::INVALID_INPUT, ex.what()));
	}
	std::unique_lock<std::mutex> session_guard;
	// Destroyed before session_guard: a session's connection stops being interruptible by this
	// executor before the next statement can take the session lock.
	struct InterruptWindow {
		FragmentExecutor *executor = nullptr;
		void Close() {
			if (executor) {
				executor->AllowInterrupts(false);
				executor = nullptr;
			}
		}
		~InterruptWindow() {
			Close();
		}
	} interruptible;
	if (session_) {
		session_guard = std::unique_lock<std::mutex>(session_->lock);
		AllowInterrupts(true);
		interruptible.executor = this;
	}
	try {
		if (session_ && (session_->ended || session_->final_read)) {
			// A request that found the session just before its end or final read took it.
			return fail(duckdb::ErrorData(duckdb::ExceptionType::TRANSACTION,
			                              "session '" + request_.session_id() + "' has ended"));
		}
		if (!read_only_token_.empty() && !session_ && !final_read_) {
			// Rolled back with the connection when the executor ends; nothing in it may write.
			auto begin = connection_.Query("BEGIN TRANSACTION READ ONLY");
			if (begin->HasError()) {
				return fail(begin->GetErrorObject());
			}
		}
		if (!request_.setup_sql().empty() || (session_settings_ && !session_settings_->empty())) {
			// The host session's settings and variables, before anything binds.
			ApplySetup();
		}
		if (!request_.ingest_table().empty()) {
			Ingest();
			if (request_.plan().empty()) {
				pb::ExecuteFragmentResponse response;
				IpcStreamWriter writer({}, {}, IpcStreamWriter::WireProperties(*connection_.context));
				std::string payload = writer.SchemaMessage() + IpcStreamWriter::EndOfStream();
				if (!send_payload(payload)) {
					outcome.delivered = false;
					return outcome;
				}
				pb::ExecuteFragmentResponse finished;
				finished.mutable_finished();
				outcome.delivered = sink(finished);
				return outcome;
			}
		}
		if (request_.uploads_size() > 0) {
			Upload();
		}
		SetRequestJoinKeyFilters(*connection_.context, {request_.join_key_filters().begin(),
		                                                request_.join_key_filters().end()});
		auto statements = connection_.ExtractStatements(request_.plan());
		for (auto &statement : statements) {
			CheckClientStatement(*statement);
			if (final_read_ && statement->type != duckdb::StatementType::SELECT_STATEMENT) {
				// Its transaction ends after the result was sent: a write's commit could fail
				// after the host was told it succeeded.
				return fail(duckdb::ErrorData(duckdb::ExceptionType::INVALID_INPUT,
				                              "a session's final read (SESSION_ACTION_FINAL_READ) runs only SELECT "
				                              "statements; send writes as statements of the session"));
			}
		}
		if (statements.empty()) {
			outcome.failed = true;
			outcome.delivered = SendError(sink, "Parser", "no SQL statement to execute");
			return outcome;
		}
		// An auto-commit statement the host bound against its cached catalog runs only against
		// that catalog (expected_catalog_version.hpp).
		ExpectedCatalogVersion::Guard expected_catalog(*connection_.context, request_.expected_catalog_version());
		if (request_.describe_only()) {
			return Describe(std::move(statements), sink);
		}
		// Leading statements run to completion (their results are discarded); the last one
		// streams, so its first batches leave while later ones are still being computed.
		for (size_t i = 0; i + 1 < statements.size(); i++) {
			auto result = connection_.Query(std::move(statements[i]));
			if (result->HasError()) {
				return fail(result->GetErrorObject());
			}
			if (cancelled_) {
				return fail(duckdb::ErrorData(duckdb::ExceptionType::INTERRUPT, "cancelled"));
			}
		}
		// A session's result is complete before anything is sent, so the session lock can be
		// released first. So is any write's: outside a session its transaction commits when the
		// result is complete, and a failed commit must reach the host as the statement's error.
		bool stream = !session_ && statements.back()->type == duckdb::StatementType::SELECT_STATEMENT;
		uint64_t max_bytes = request_.max_batch_bytes() ? request_.max_batch_bytes() : kDefaultMaxBatchBytes;
		// Readers refuse batches above kMaxIpcBatchRows; buffer-less columns (NULL type) never
		// reach max_bytes, so the row bound is what ends their batches.
		uint64_t max_rows = kMaxIpcBatchRows;
		if (request_.max_batch_rows() && request_.max_batch_rows() < max_rows) {
			max_rows = request_.max_batch_rows();
		}
		// DuckDB's threads encode the result into the outbox (ipc_result_collector.hpp). A
		// streamed one holds a few batches, so a slow reader holds back the query; a complete
		// one holds the whole result until it is sent.
		auto outbox = std::make_shared<ResultOutbox>(
		    stream ? std::min(kStreamedBatches * max_bytes, kMaxStreamedBytes) : std::numeric_limits<uint64_t>::max(),
		    *compression);
		struct CloseOnExit {
			ResultOutbox &outbox;
			~CloseOnExit() {
				outbox.Close();
			}
		} close_outbox {*outbox};
		auto wire = IpcStreamWriter::WireProperties(*connection_.context);
		duckdb::unique_ptr<duckdb::PendingQueryResult> pending;
		{
			// DuckDB asks for the collector while PendingQuery plans, for results it does not
			// stream itself.
			auto &config = duckdb::ClientConfig::GetConfig(*connection_.context);
			config.get_result_collector =
			    IpcResultCollector::Factory(outbox, wire, {max_rows, max_bytes}, request_.any_row_order());
			pending = connection_.PendingQuery(std::move(statements.back()), false);
			config.get_result_collector = nullptr;
		}
		if (pending->HasError()) {
			return fail(pending->GetErrorObject());
		}
		IpcStreamWriter schema_writer(pending->types, pending->names, wire);
		// The last batch taken from the outbox is held back, so that a small result's schema,
		// batch and end of stream travel as one message.
		std::string held = schema_writer.SchemaMessage();
		bool holds_batch = false;
		// The held batch's codec and size (its payload is in `held`).
		ResultOutbox::Batch held_batch;
		// Each batch's wall time, producing through sending, tells "auto" what compression buys.
		auto batch_started = std::chrono::steady_clock::now();
		auto send_queued = [&]() {
			ResultOutbox::Batch batch;
			while (outbox->Pop(batch)) {
				outcome.rows += batch.rows;
				if (!holds_batch) {
					held += batch.payload;
				} else {
					if (!send_payload(held)) {
						return false;
					}
					auto now = std::chrono::steady_clock::now();
					outbox->Delivered(held_batch, now - batch_started);
					batch_started = now;
					held = std::move(batch.payload);
				}
				holds_batch = true;
				batch.payload.clear();
				held_batch = std::move(batch);
			}
			return true;
		};
		auto completion = stream ? Complete(*pending, outbox.get(), send_queued) : Complete(*pending, outbox.get());
		if (completion == Completion::kCallerGone) {
			outcome.delivered = false;
			return outcome;
		}
		if (completion == Completion::kCancelled) {
			return fail(duckdb::ErrorData(duckdb::ExceptionType::INTERRUPT, "cancelled"));
		}
		if (pending->HasError()) {
			return fail(pending->GetErrorObject());
		}
		// Ends the statement: an auto-commit write commits here.
		auto result = pending->Execute();
		if (result->HasError()) {
			return fail(result->GetErrorObject());
		}
		if (session_guard.owns_lock()) {
			interruptible.Close();
			session_guard.unlock();
		}
		if (!send_queued()) {
			outcome.delivered = false;
			return outcome;
		}
		held += IpcStreamWriter::EndOfStream();
		if (!send_payload(held)) {
			outcome.delivered = false;
			return outcome;
		}
	} catch (std::exception &ex) {
		return fail(duckdb::ErrorData(ex));
	}
	pb::ExecuteFragmentResponse finished;
	finished.mutable_finished()->set_rows(outcome.rows);
	finished.mutable_finished()->set_bytes(outcome.bytes);
	outcome.delivered = sink(finished);
	return outcome;
}

} // namespace openduck
