#include "extension/client/remote_client.hpp"
#include "extension/client/read_positions.hpp"
#include "rpc/commit_position_wire.hpp"

#include <algorithm>

#include "common/token.hpp"
#include "common/version.hpp"
#include "common/wire_limits.hpp"
#include "duckdb/common/error_data.hpp"
#include "duckdb/common/exception.hpp"
#include "duckdb/common/exception/binder_exception.hpp"
#include "duckdb/common/exception/catalog_exception.hpp"
#include "rpc/channel_factory.hpp"
#include "rpc/tls_client.hpp"

#include <cerrno>
#include <cstring>
#include <sys/random.h>

namespace openduck {

using duckdb::ErrorData;
using duckdb::Exception;

// Wider than the servers' own limit (rpc/channel_factory.hpp): a host takes what any server sends.
static constexpr int kMaxHostMessageBytes = 256 * 1024 * 1024;

std::string NewExecutionId() {
	// Straight from the kernel for every id: a generator seeded once would hand the same sequence
	// to every child of a host process that forks after using the extension (Python
	// multiprocessing, preforking servers), and their ids would collide on the worker.
	unsigned char bytes[16];
	size_t filled = 0;
	while (filled < sizeof(bytes)) {
		auto got = getrandom(bytes + filled, sizeof(bytes) - filled, 0);
		if (got < 0) {
			if (errno == EINTR) {
				continue;
			}
			throw duckdb::IOException("cannot draw a random execution id: %s", std::strerror(errno));
		}
		filled += static_cast<size_t>(got);
	}
	static const char *hex = "0123456789abcdef";
	std::string id;
	for (auto byte : bytes) {
		id += hex[byte >> 4];
		id += hex[byte & 15];
	}
	return id;
}

void ThrowRpcError(const grpc::Status &status, const AttachConfig &config, const std::string &action) {
	const std::string endpoint = config.endpoint.ToString();
	const std::string &message = status.error_message();
	switch (status.error_code()) {
	case grpc::StatusCode::UNAUTHENTICATED:
		throw duckdb::PermissionException(
		    "OpenDuck authentication failed at %s for database '%s': %s. Pass the server's token with "
		    "?token=..., the TOKEN attach option or OPENDUCK_TOKEN",
		    endpoint, config.database, message);
	case grpc::StatusCode::NOT_FOUND:
		throw duckdb::CatalogException("%s", message);
	case grpc::StatusCode::FAILED_PRECONDITION:
	case grpc::StatusCode::INVALID_ARGUMENT:
	case grpc::StatusCode::RESOURCE_EXHAUSTED:
		throw duckdb::InvalidInputException("OpenDuck server at %s refused to %s: %s", endpoint, action, message);
	case grpc::StatusCode::CANCELLED:
		throw duckdb::InterruptException();
	case grpc::StatusCode::UNAVAILABLE:
		// The gateway reports an unreachable worker itself; anything else is the channel failing
		// to reach the gateway.
		if (message.rfind("worker ", 0) == 0) {
			throw duckdb::IOException("%s", message);
		}
		if (config.endpoint.tls) {
			throw duckdb::IOException(
			    "cannot reach OpenDuck gateway at %s: %s. With https://, the server must run with --tls-cert "
			    "(a plaintext server needs http://), and its certificate must name the host you connect to and be "
			    "signed by a CA you trust: the system's, or the one given with ca=... or OPENDUCK_CA",
			    endpoint, message);
		}
		throw duckdb::IOException("cannot reach OpenDuck gateway at %s: %s", endpoint, message);
	default:
		throw duckdb::IOException("OpenDuck request to %s (%s, database '%s') failed with %d: %s", endpoint, action,
		                          config.database, static_cast<int>(status.error_code()), message);
	}
}

// Payloads are ~1 MiB: a few in flight keep the pipe full without unbounded buffering.
static constexpr size_t kMaxQueuedMessages = 4;

std::chrono::steady_clock::time_point FailoverEpisode::Begin(std::chrono::steady_clock::time_point now) {
	auto open = std::chrono::steady_clock::rep(0); // no episode: this call's failure begins one
	if (began_.compare_exchange_strong(open, now.time_since_epoch().count())) {
		return now;
	}
	return std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(open));
}

void FailoverEpisode::End() {
	began_ = 0;
}

std::optional<std::chrono::milliseconds> FailoverRetry::Next(const grpc::Status &status) {
	// A gateway reporting that the database's worker is unreachable or gone
	// (gateway_service.cpp): a standby may be taking the database over. A server that cannot be
	// reached at all fails at once instead: nothing would take its place.
	if (status.error_code() != grpc::StatusCode::UNAVAILABLE || status.error_message().rfind("worker ", 0) != 0) {
		return std::nullopt;
	}
	auto now = std::chrono::steady_clock::now();
	if (now - episode_.Begin(now) > kFailoverRetryBudget) {
		return std::nullopt;
	}
	return std::chrono::milliseconds(std::min(1000, 100 << std::min(attempts_++, 4)));
}

RemoteQuery::RemoteQuery(const AttachConfig &config, FailoverEpisode &failover, std::unique_ptr<grpc::ClientContext> rpc,
                         std::unique_ptr<Reader> reader, Reissue reissue)
    : config_(config), failover_(failover), rpc_(std::move(rpc)), reader_(std::move(reader)),
      reissue_(std::move(reissue)) {
	receiver_ = ReceiverPool::Start([this]() { Receive(); });
}

bool RemoteQuery::RetryLocked(std::unique_lock<std::mutex> &guard, const std::function<bool()> &interrupted) {
	if (!reissue_ || received_any_) {
		return false;
	}
	auto wait = retry_.Next(status_);
	if (!wait) {
		return false;
	}
	guard.unlock();
	receiver_->Join();
	auto until = std::chrono::steady_clock::now() + *wait;
	while (std::chrono::steady_clock::now() < until) {
		if (interrupted && interrupted()) {
			guard.lock();
			throw duckdb::InterruptException();
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
	}
	reissue_(rpc_, reader_);
	guard.lock();
	stream_ended_ = false;
	status_ = grpc::Status::OK;
	receiver_ = ReceiverPool::Start([this]() { Receive(); });
	return true;
}

// How long a query whose server sent `finished` waits for the call's status before cancelling it.
static constexpr std::chrono::seconds kFinishedCallGrace {1};

// Set when a RemoteQuery is destroyed on its own receiving thread, from the wake-up it delivered
// (WakeWaiter): the receiver must then leave without touching the query.
static thread_local bool destroyed_by_wake = false;

RemoteQuery::~RemoteQuery() {
	// The receiving thread itself destroys the query when the wake-up it delivered rescheduled
	// DuckDB's task, which finished meanwhile, and the thread then dropped the task's last
	// reference (and with it the plan that owns this query). It is between reads then.
	bool on_receiver = receiver_->OnThisThread();
	bool cancel;
	{
		std::unique_lock<std::mutex> guard(lock_);
		if (finished_ && !on_receiver) {
			// Only the call's status is still on its way; a cancel now would reach a server that
			// already did everything.
			changed_.wait_for(guard, kFinishedCallGrace, [&]() { return stream_ended_; });
		}
		cancel = !stream_ended_ && !(finished_ && on_receiver);
		if (cancel) {
			rpc_->TryCancel();
		}
		// Unblock a receiver waiting for queue space.
		done_ = true;
		queue_.clear();
		waiter_ = nullptr;
	}
	changed_.notify_all();
	if (!on_receiver) {
		receiver_->Join();
		return;
	}
	if (!stream_ended_) {
		reader_->Finish();
	}
	// The receiver returns from its job as soon as it sees this; the pool keeps the job until then.
	destroyed_by_wake = true;
}

void RemoteQuery::Receive() {
	while (true) {
		v1::ExecuteFragmentResponse response;
		bool more = reader_->Read(&response);
		std::unique_lock<std::mutex> guard(lock_);
		if (!more) {
			break;
		}
		changed_.wait(guard, [&]() { return queue_.size() < kMaxQueuedMessages || done_; });
		if (!done_) {
			queue_.push_back(std::move(response));
			changed_.notify_all();
		}
		if (WakeWaiter(guard)) {
			return;
		}
	}
	auto status = reader_->Finish();
	std::unique_lock<std::mutex> guard(lock_);
	status_ = status;
	stream_ended_ = true;
	changed_.notify_all();
	WakeWaiter(guard);
}

bool RemoteQuery::WakeWaiter(std::unique_lock<std::mutex> &guard) {
	auto wake = std::move(waiter_);
	waiter_ = nullptr;
	if (!wake) {
		guard.unlock();
		return false;
	}
	waking_ = true;
	// Outside the lock: waking reschedules a DuckDB task, which may poll this query at once.
	guard.unlock();
	destroyed_by_wake = false;
	wake();
	if (destroyed_by_wake) {
		return true;
	}
	guard.lock();
	waking_ = false;
	changed_.notify_all();
	guard.unlock();
	return false;
}

void RemoteQuery::AwaitWakeDone() {
	std::unique_lock<std::mutex> guard(lock_);
	changed_.wait(guard, [&]() { return !waking_; });
}

void RemoteQuery::Cancel() {
	rpc_->TryCancel();
}

bool RemoteQuery::Ended(std::string &failure) {
	std::lock_guard<std::mutex> guard(lock_);
	failure = status_.ok() ? "" : status_.error_message();
	return stream_ended_;
}

bool RemoteQuery::NextPayload(std::string &payload, const std::function<bool()> &interrupted) {
	return Advance(payload, interrupted, nullptr) == Poll::kPayload;
}

RemoteQuery::Poll RemoteQuery::PollPayload(std::string &payload, std::function<void()> wake) {
	return Advance(payload, nullptr, &wake);
}

RemoteQuery::Poll RemoteQuery::Advance(std::string &payload, const std::function<bool()> &interrupted,
                                       std::function<void()> *wake) {
	while (true) {
		v1::ExecuteFragmentResponse response;
		{
			std::unique_lock<std::mutex> guard(lock_);
			if (done_) {
				return Poll::kEnded;
			}
			while (queue_.empty() && !stream_ended_) {
				if (wake) {
					waiter_ = std::move(*wake);
					return Poll::kWaiting;
				}
				changed_.wait_for(guard, std::chrono::milliseconds(50));
				if (interrupted && interrupted()) {
					rpc_->TryCancel();
					throw duckdb::InterruptException();
				}
			}
			if (queue_.empty()) {
				if (RetryLocked(guard, interrupted)) {
					continue;
				}
				done_ = true;
				if (!status_.ok()) {
					ThrowRpcError(status_, config_, "run a query");
				}
				return Poll::kEnded;
			}
			response = std::move(queue_.front());
			queue_.pop_front();
			if (!received_any_) {
				received_any_ = true;
				failover_.End(); // the database's worker answered
			}
		}
		changed_.notify_all();
		switch (response.payload_case()) {
		case v1::ExecuteFragmentResponse::kArrowPart:
			bytes_received_ += response.arrow_part().size();
			if (partial_.size() + response.arrow_part().size() > kMaxPayloadBytes) {
				rpc_->TryCancel();
				throw duckdb::IOException("OpenDuck worker at %s sent a result batch of more than %llu bytes",
				                  config_.endpoint.ToString(), (unsigned long long)kMaxPayloadBytes);
			}
			partial_ += response.arrow_part();
			break;
		case v1::ExecuteFragmentResponse::kArrowBatch:
			bytes_received_ += response.arrow_batch().size();
			if (partial_.empty()) {
				payload = std::move(*response.mutable_arrow_batch());
			} else {
				partial_ += response.arrow_batch();
				payload = std::move(partial_);
				partial_.clear();
			}
			return Poll::kPayload;
		case v1::ExecuteFragmentResponse::kError: {
			{
				std::lock_guard<std::mutex> guard(lock_);
				done_ = true;
			}
			rpc_->TryCancel();
			auto type = Exception::StringToExceptionType(response.error().type());
			if (type == duckdb::ExceptionType::FATAL || type == duckdb::ExceptionType::INTERNAL) {
				// Raised as it came, it would invalidate this host's own DuckDB: the failure is the
				// server's database's (which its worker reopens), not this one's.
				ErrorData(duckdb::ExceptionType::IO, "OpenDuck server: its database failed with a " +
				                                         response.error().type() +
				                                         " error (this DuckDB is unaffected; retry): " +
				                                         response.error().message())
				    .Throw();
			}
			ErrorData(type, response.error().message()).Throw();
		}
		case v1::ExecuteFragmentResponse::kFinished: {
			if (response.finished().has_position()) {
				ObservePosition(config_, response.finished().position());
			}
			// The server's last message: the statement is done (committed, for a write) and only the
			// call's OK status follows. Waiting for it would cost an auto-commit statement one more
			// wake-up of its waiting thread.
			std::lock_guard<std::mutex> guard(lock_);
			done_ = true;
			finished_ = true;
			return Poll::kEnded;
		}
		case v1::ExecuteFragmentResponse::PAYLOAD_NOT_SET:
			break;
		}
	}
}

RemoteClient::RemoteClient(AttachConfig config) : config_(std::move(config)) {
	grpc::ChannelArguments args;
	args.SetMaxReceiveMessageSize(kMaxHostMessageBytes);
	args.SetMaxSendMessageSize(kMaxHostMessageBytes);
	// Each attachment gets its own connection so that big scans of one database do not
	// queue behind another's on a shared HTTP/2 connection.
	args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
	// Keepalive and re-resolution as on the servers' own channels (rpc/channel_factory.hpp): a
	// gateway that goes silent while a call is open (a stalled network, a hung process) fails the
	// statement with UNAVAILABLE after about 20 s, where it waited forever; after a network blip
	// the next statement connects within about a second (test/e2e/test_network_faults.py).
	SetPeerLiveness(args);
	std::shared_ptr<grpc::ChannelCredentials> credentials;
	try {
		credentials = ChannelCredentialsFor(config_.endpoint, config_.tls);
	} catch (std::invalid_argument &ex) {
		throw duckdb::InvalidInputException("cannot connect to OpenDuck at %s: %s (the ca, client_cert and client_key "
		                                    "options, or OPENDUCK_CA, OPENDUCK_CLIENT_CERT and OPENDUCK_CLIENT_KEY)",
		                                    config_.endpoint.ToString(), ex.what());
	}
	channel_ = grpc::CreateCustomChannel(config_.endpoint.Target(), credentials, args);
	stub_ = v1::ExecutionService::NewStub(channel_);
}

std::unique_ptr<grpc::ClientContext> RemoteClient::NewContext() const {
	auto context = std::make_unique<grpc::ClientContext>();
	context->AddMetadata("authorization", BearerHeader(config_.token));
	return context;
}

void RemoteClient::Handshake() {
	v1::HandshakeRequest request;
	request.set_protocol_version(kProtocolVersion);
	request.set_duckdb_version(kDuckDBVersion);
	request.set_database(config_.database);
	request.set_client(std::string("openduck-extension ") + kVersion);
	request.set_replica_allowed(config_.read_only);
	v1::HandshakeResponse response;
	auto context = NewContext();
	context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
	auto status = stub_->Handshake(context.get(), request, &response);
	if (!status.ok()) {
		ThrowRpcError(status, config_, "attach database '" + config_.database + "'");
	}
	server_codecs_.assign(response.compression_codecs().begin(), response.compression_codecs().end());
}

std::string RemoteClient::UsableCompression(const std::string &setting) const {
	auto listed = [this](const char *codec) {
		return std::find(server_codecs_.begin(), server_codecs_.end(), codec) != server_codecs_.end();
	};
	bool usable = setting == "auto" ? listed("lz4") && listed("zstd") : listed(setting.c_str());
	return usable ? setting : "none";
}

// A READ_ONLY attachment's reads may be served by a read replica holding everything this
// process already committed or read (read_positions.hpp).
template <class REQUEST>
static void AllowReplicas(const AttachConfig &config, REQUEST &request) {
	if (config.read_only) {
		request.set_replica_allowed(true);
		*request.mutable_min_position() = NewestPosition(config);
	}
}

v1::GetCatalogResponse RemoteClient::GetCatalog(const std::string &session_id, const std::string &known_version,
                                                const std::string &snapshot, bool session_statistics,
                                                const std::string &only_schema, const std::string &only_table) {
	v1::GetCatalogRequest request;
	request.set_statistics_schema(only_schema);
	request.set_statistics_table(only_table);
	request.set_known_version(known_version);
	request.set_session_id(session_id);
	request.set_with_statistics(session_statistics);
	request.set_database(config_.database);
	request.set_snapshot_id(snapshot.empty() ? config_.snapshot : snapshot);
	AllowReplicas(config_, request);
	v1::GetCatalogResponse response;
	FailoverRetry retry(failover_);
	while (true) {
		auto context = NewContext();
		auto status = stub_->GetCatalog(context.get(), request, &response);
		if (status.ok()) {
			failover_.End();
			return response;
		}
		// Outside a session a catalog read is safe to repeat while the database moves to
		// another worker (RemoteQuery retries reads the same way).
		auto wait = session_id.empty() ? retry.Next(status) : std::nullopt;
		if (!wait) {
			ThrowRpcError(status, config_, "list the catalog of database '" + config_.database + "'");
		}
		std::this_thread::sleep_for(*wait);
	}
}

std::unique_ptr<RemoteQuery> RemoteClient::Execute(const std::string &sql, ExecuteOptions options) {
	auto &ingest = options.ingest_arrow;
	if (ingest.size() > kMaxPayloadBytes) {
		throw duckdb::InvalidInputException("cannot send %llu bytes of rows at once to OpenDuck (one row that wide): at most "
		                            "%llu bytes travel in one request",
		                            (unsigned long long)ingest.size(), (unsigned long long)kMaxPayloadBytes);
	}
	uint64_t pieces_sent = 0;
	if (ingest.size() > kMaxPayloadPieceBytes) {
		// A single row wider than a message: the worker keeps the leading pieces with the session
		// and runs the statement when the last piece arrives.
		size_t sent = 0;
		while (ingest.size() - sent > kMaxPayloadPieceBytes) {
			ExecuteOptions piece;
			piece.session_id = options.session_id;
			piece.ingest_table = options.ingest_table;
			piece.ingest_schema = options.ingest_schema;
			piece.ingest_arrow = ingest.substr(sent, kMaxPayloadPieceBytes);
			piece.ingest_continues = true;
			std::string ignored;
			auto query = Execute("", std::move(piece));
			while (query->NextPayload(ignored)) {
			}
			sent += kMaxPayloadPieceBytes;
		}
		ingest.erase(0, sent);
		pieces_sent = sent;
	}
	// Shared with the reissue below: a copy would copy the uploads, megabytes each.
	auto request = std::make_shared<v1::ExecuteFragmentRequest>();
	request->set_plan(sql);
	request->set_database(config_.database);
	request->set_snapshot_id(options.snapshot.empty() ? config_.snapshot : options.snapshot);
	request->set_execution_id(NewExecutionId());
	request->set_query_id(options.query_id);
	request->set_describe_only(options.describe_only);
	request->set_session_id(options.session_id);
	request->set_session_action(options.session_action);
	request->set_ingest_table(options.ingest_table);
	request->set_ingest_arrow(std::move(options.ingest_arrow));
	request->set_ingest_schema(options.ingest_schema);
	request->set_setup_sql(options.setup_sql);
	request->set_ingest_continues(options.ingest_continues);
	request->set_max_batch_bytes(options.max_batch_bytes);
	request->set_max_batch_rows(options.max_batch_rows);
	request->set_any_row_order(options.any_row_order);
	request->set_expected_catalog_version(options.expected_catalog_version);
	if (!options.compression.empty()) {
		request->set_compression(UsableCompression(options.compression));
	}
	AllowReplicas(config_, *request);
	if (options.diff) {
		*request->mutable_diff() = *options.diff;
		request->set_replica_allowed(false);
	}
	if (options.uploads) {
		request->mutable_uploads()->Add(options.uploads->begin(), options.uploads->end());
	}
	if (options.join_key_filters) {
		request->mutable_join_key_filters()->Add(options.join_key_filters->begin(), options.join_key_filters->end());
	}
	if (options.exact_position) {
		*request->mutable_exact_position() = PositionToWire(*options.exact_position);
		request->set_split_index(options.split_index);
	}
	auto context = NewContext();
	auto reader = stub_->ExecuteFragment(context.get(), *request);
	RemoteQuery::Reissue reissue;
	if (options.read_only && options.session_id.empty()) {
		reissue = [this, request](std::unique_ptr<grpc::ClientContext> &context,
		                          std::unique_ptr<RemoteQuery::Reader> &reader) {
			request->set_execution_id(NewExecutionId());
			context = NewContext();
			reader = stub_->ExecuteFragment(context.get(), *request);
		};
	}
	auto query = std::make_unique<RemoteQuery>(config_, failover_, std::move(context), std::move(reader),
	                                           std::move(reissue));
	query->bytes_sent = pieces_sent + request->ByteSizeLong();
	return query;
}

} // namespace openduck
