// Requests reach the worker's handlers from any client holding a token, with every field under
// the client's control. This target drives the Worker (worker/worker.hpp) with hostile requests:
// a script of up to kMaxSteps protobuf messages (Handshake, ExecuteFragment as an admin and as a
// read-only token, GetCatalog, CancelExecution, ManageDatabase), decoded from the input, against
// one persistent worker on the embedded stores in a temporary directory. Errors are answers
// (a status or an Error response); a crash, a sanitizer report or a hang is a bug.
//
// Input: records of [kind: 1 byte][length: 2 bytes, little-endian][message bytes]. The kind's low
// bits pick the message; its 0x80 bit makes the caller go away after the first response.
//
// Sessions are opened on a thread of their own (an OPEN call lasts as long as its session), and
// every session the script opened is rolled back when the script ends, so inputs do not leak
// open transactions into later ones. The worker's state otherwise carries over between inputs
// (tables created stay), as on a real server; names of databases and snapshots the script
// creates are folded onto a few, so the stores stay small over millions of inputs.
//
// OPENDUCK_FUZZ_WRITE_SEEDS=DIR writes the seed corpus (valid scripts of each kind) to DIR and
// exits: test/fuzz/corpus/request_handler_fuzzer is made that way.
#include "auth/principal.hpp"
#include "rpc/cancellation_watcher.hpp"
#include "storage/storage_engine.hpp"
#include "worker/database_set.hpp"
#include "worker/worker.hpp"

#include <google/protobuf/stubs/logging.h>
#include <grpcpp/server_context.h>

#include <atomic>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace pb = openduck::v1;

namespace {

constexpr size_t kMaxSteps = 8;
constexpr const char *kDatabase = "fuzzdb";

enum Kind : uint8_t { kHandshake, kExecute, kExecuteReadOnly, kCatalog, kCancel, kManage, kKinds };
constexpr uint8_t kCallerLeaves = 0x80;

struct Harness {
	std::string directory;
	std::unique_ptr<openduck::StorageEngine> storage;
	std::unique_ptr<openduck::CancellationWatcher> watcher;
	std::unique_ptr<openduck::Worker> worker;
};

// Never destroyed: DuckDB instances and the watcher thread live until the process exits, as
// they do in a server (destroying them from an atexit handler races libFuzzer's own exit).
Harness *harness = nullptr;

const openduck::Principal &Admin() {
	static const openduck::Principal admin = openduck::Principal::Bootstrap();
	return admin;
}

const openduck::Principal &Reader() {
	static const openduck::Principal reader {"fuzz-reader", kDatabase, openduck::Scope::kRead};
	return reader;
}

// Runs one ExecuteFragment; the sink refuses responses after the first when `leaves`.
void Execute(const pb::ExecuteFragmentRequest &request, const openduck::Principal &principal, bool leaves,
             std::vector<pb::ExecuteFragmentResponse> *collected = nullptr,
             const std::function<void()> &on_first_response = {}) {
	grpc::ServerContext call;
	int responses = 0;
	openduck::FragmentOutcome outcome;
	harness->worker->ExecuteFragment(call, request, principal,
	                                 [&](const pb::ExecuteFragmentResponse &response) {
		                                 if (responses++ == 0 && on_first_response) {
			                                 on_first_response();
		                                 }
		                                 if (collected) {
			                                 collected->push_back(response);
		                                 }
		                                 return !(leaves && responses > 1);
	                                 },
	                                 outcome);
}

// The Arrow IPC stream of `sql`'s result, as the worker sends it (and hosts send uploads).
std::string ArrowOf(const std::string &sql) {
	pb::ExecuteFragmentRequest request;
	request.set_database(kDatabase);
	request.set_plan(sql);
	std::vector<pb::ExecuteFragmentResponse> responses;
	Execute(request, Admin(), false, &responses);
	std::string stream;
	for (auto &response : responses) {
		if (response.has_error()) {
			std::fprintf(stderr, "request_handler_fuzzer: %s failed: %s\n", sql.c_str(),
			             response.error().message().c_str());
			std::abort();
		}
		if (response.has_arrow_batch()) {
			stream += response.arrow_batch();
		}
	}
	return stream;
}

// Folds a valid database or snapshot name onto one of a few, so the stores stay bounded; names
// the worker must refuse pass unchanged.
std::string Folded(const std::string &name) {
	bool plain = !name.empty() && name.size() < 64;
	for (char c : name) {
		plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
	}
	return plain ? "f" + std::to_string(std::hash<std::string> {}(name) % 3) : name;
}

// An OPEN call running on its own thread, rolled back when the script ends.
struct OpenSession {
	std::string id;
	const openduck::Principal *principal;
	std::thread thread;
};

void RunScript(const uint8_t *data, size_t size) {
	std::vector<OpenSession> sessions;
	size_t offset = 0;
	for (size_t step = 0; step < kMaxSteps && offset + 3 <= size; step++) {
		uint8_t kind_byte = data[offset];
		size_t length = data[offset + 1] | (size_t(data[offset + 2]) << 8);
		offset += 3;
		length = std::min(length, size - offset);
		std::string bytes(reinterpret_cast<const char *>(data + offset), length);
		offset += length;
		bool leaves = kind_byte & kCallerLeaves;
		switch ((kind_byte & ~kCallerLeaves) % kKinds) {
		case kHandshake: {
			pb::HandshakeRequest request;
			pb::HandshakeResponse response;
			if (request.ParseFromString(bytes)) {
				harness->worker->Handshake(request, response);
			}
			break;
		}
		case kExecute:
		case kExecuteReadOnly: {
			pb::ExecuteFragmentRequest request;
			if (!request.ParseFromString(bytes)) {
				break;
			}
			auto &principal = (kind_byte & ~kCallerLeaves) % kKinds == kExecute ? Admin() : Reader();
			if (request.session_action() == pb::SESSION_ACTION_OPEN) {
				// Wait for the OPEN call's first answer (or its end) before going on, so the
				// session exists when later steps (and the final rollback) name it.
				auto started = std::make_shared<std::promise<void>>();
				auto once = std::make_shared<std::atomic<bool>>(false);
				auto signal = [started, once] {
					if (!once->exchange(true)) {
						started->set_value();
					}
				};
				auto ready = started->get_future();
				std::thread thread([request, &principal, signal] {
					Execute(request, principal, false, nullptr, signal);
					signal();
				});
				ready.wait();
				sessions.push_back(OpenSession {request.session_id(), &principal, std::move(thread)});
				break;
			}
			Execute(request, principal, leaves);
			break;
		}
		case kCatalog: {
			pb::GetCatalogRequest request;
			pb::GetCatalogResponse response;
			if (request.ParseFromString(bytes)) {
				harness->worker->GetCatalog(request, response);
			}
			break;
		}
		case kCancel: {
			pb::CancelExecutionRequest request;
			pb::CancelExecutionResponse response;
			if (request.ParseFromString(bytes)) {
				harness->worker->CancelExecution(request, response);
			}
			break;
		}
		case kManage: {
			pb::ManageDatabaseRequest request;
			pb::ManageDatabaseResponse response;
			if (!request.ParseFromString(bytes)) {
				break;
			}
			request.set_target(Folded(request.target()));
			// The script may drop only databases it made itself: with the fuzzed database gone,
			// every later input would fail the same way.
			if (request.action() == pb::DATABASE_ACTION_DROP) {
				request.set_database(Folded(request.database()));
			}
			harness->worker->ManageDatabase(request, response);
			break;
		}
		}
	}
	// Through the fuzzed database, which always exists: sessions are found by id on any.
	for (auto &session : sessions) {
		pb::ExecuteFragmentRequest rollback;
		rollback.set_database(kDatabase);
		rollback.set_session_id(session.id);
		rollback.set_session_action(pb::SESSION_ACTION_ROLLBACK);
		Execute(rollback, *session.principal, false);
	}
	for (auto &session : sessions) {
		session.thread.join();
	}
}

// One record of a script.
std::string Record(Kind kind, const google::protobuf::MessageLite &message) {
	auto bytes = message.SerializeAsString();
	std::string record(1, char(kind));
	record += char(bytes.size() & 0xff);
	record += char((bytes.size() >> 8) & 0xff);
	return record + bytes.substr(0, 0xffff);
}

pb::ExecuteFragmentRequest Statement(const std::string &sql) {
	pb::ExecuteFragmentRequest request;
	request.set_database(kDatabase);
	request.set_plan(sql);
	return request;
}

void WriteSeeds(const std::string &directory) {
	std::filesystem::create_directories(directory);
	int count = 0;
	auto write = [&](const std::string &script) {
		std::ofstream(directory + "/seed" + std::to_string(count++), std::ios::binary) << script;
	};
	pb::HandshakeRequest handshake;
	handshake.set_protocol_version("1");
	handshake.set_duckdb_version("v1.4.4");
	handshake.set_database(kDatabase);
	write(Record(kHandshake, handshake));

	for (auto sql : {"SELECT * FROM t WHERE i < 5", "INSERT INTO t VALUES (7, 'x', [1, 2], {'a': 1})",
	                 "UPDATE t SET s = s || '!' WHERE i = 1", "CREATE TABLE IF NOT EXISTS u AS SELECT * FROM t",
	                 "SELECT sum(i), list(s) FROM t GROUP BY ALL", "SET TimeZone = 'UTC'"}) {
		write(Record(kExecute, Statement(sql)));
		write(Record(kExecuteReadOnly, Statement(sql)));
	}
	auto batched = Statement("SELECT * FROM range(5000) r(i)");
	batched.set_max_batch_rows(100);
	batched.set_compression("lz4");
	batched.set_execution_id("e1");
	write(Record(kExecute, batched) + Record(kCancel, [] {
		      pb::CancelExecutionRequest cancel;
		      cancel.set_execution_id("e1");
		      cancel.set_database(kDatabase);
		      return cancel;
	      }()));
	auto described = Statement("SELECT * FROM t");
	described.set_describe_only(true);
	described.set_setup_sql("SET VARIABLE v = 42");
	write(Record(kExecute, described));
	auto old = Statement("SELECT count(*) FROM t");
	old.set_snapshot_id("1");
	write(Record(kExecute, old));

	auto arrow = ArrowOf("SELECT * FROM t");
	auto uploaded = Statement("SELECT count(*) FROM t JOIN up USING (i)");
	auto *upload = uploaded.add_uploads();
	upload->set_table("up");
	upload->set_arrow(arrow);
	upload->set_source("memory.main.up");
	write(Record(kExecute, uploaded));
	auto diff = Statement("");
	diff.mutable_diff()->set_table("t");
	diff.mutable_diff()->set_schema("main");
	diff.mutable_diff()->set_from_snapshot("1");
	write(Record(kExecute, diff));

	// A session: OPEN, an ingest into the table, a piece of a wider payload, COMMIT.
	auto open = Statement("");
	open.set_session_id("s1");
	open.set_session_action(pb::SESSION_ACTION_OPEN);
	auto ingest = Statement("");
	ingest.set_session_id("s1");
	ingest.set_ingest_table("t");
	ingest.set_ingest_schema("main");
	ingest.set_ingest_arrow(arrow);
	auto temporary = Statement("INSERT INTO t SELECT * FROM ingested");
	temporary.set_session_id("s1");
	temporary.set_ingest_table("ingested");
	temporary.set_ingest_arrow(arrow.substr(0, arrow.size() / 2));
	temporary.set_ingest_continues(true);
	auto rest = temporary;
	rest.set_ingest_arrow(arrow.substr(arrow.size() / 2));
	rest.set_ingest_continues(false);
	auto commit = Statement("");
	commit.set_session_id("s1");
	commit.set_session_action(pb::SESSION_ACTION_COMMIT);
	write(Record(kExecute, open) + Record(kExecute, ingest) + Record(kExecute, temporary) + Record(kExecute, rest) +
	      Record(kExecute, commit));
	write(Record(kExecuteReadOnly, open) + Record(kExecuteReadOnly, Statement("SELECT 1")));

	pb::GetCatalogRequest catalog;
	catalog.set_database(kDatabase);
	write(Record(kCatalog, catalog));
	for (auto action : {pb::DATABASE_ACTION_CREATE, pb::DATABASE_ACTION_CLONE, pb::DATABASE_ACTION_SNAPSHOT,
	                    pb::DATABASE_ACTION_DROP, pb::DATABASE_ACTION_UNDROP, pb::DATABASE_ACTION_LIST}) {
		pb::ManageDatabaseRequest manage;
		manage.set_action(action);
		manage.set_database(action == pb::DATABASE_ACTION_DROP ? "copy" : kDatabase);
		manage.set_target(action == pb::DATABASE_ACTION_SNAPSHOT ? "nightly" : "copy");
		write(Record(kManage, manage));
	}
	std::printf("request_handler_fuzzer: %d seeds written to %s\n", count, directory.c_str());
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
	// Invalid UTF-8 in string fields is refused by the parser, which logs a line per message.
	google::protobuf::SetLogHandler([](google::protobuf::LogLevel, const char *, int, const std::string &) {});
	char directory[] = "/tmp/openduck-request-fuzz-XXXXXX";
	if (!mkdtemp(directory)) {
		std::perror("request_handler_fuzzer: mkdtemp");
		std::abort();
	}
	harness = new Harness;
	harness->directory = directory;
	auto config = openduck::StorageConfig::Defaults(harness->directory);
	// Bounded, so a statement asking for everything fails instead of reaching libFuzzer's limits.
	config.sandbox.memory_limit = "512MB";
	config.sandbox.max_temp_size = "256MB";
	harness->storage = std::make_unique<openduck::StorageEngine>(std::move(config));
	auto databases = std::make_unique<openduck::DatabaseSet>(*harness->storage, std::vector<std::string> {kDatabase});
	harness->watcher = std::make_unique<openduck::CancellationWatcher>();
	openduck::WorkerLimits limits;
	limits.statement_timeout_seconds = 2; // well inside the -timeout scripts/fuzz.sh gives an input
	harness->worker = std::make_unique<openduck::Worker>(std::move(databases), *harness->watcher, limits);
	// Removed at exit, after libFuzzer wrote its report; the instances still open hold no lock
	// another process waits for.
	std::atexit([] { std::filesystem::remove_all(harness->directory); });

	Execute(Statement("CREATE TABLE t (i INTEGER PRIMARY KEY, s VARCHAR, l INTEGER[], st STRUCT(a INTEGER))"),
	        Admin(), false);
	Execute(Statement("INSERT INTO t SELECT range, 'v' || range, [range], {'a': range} FROM range(10)"), Admin(),
	        false);
	if (const char *seeds = std::getenv("OPENDUCK_FUZZ_WRITE_SEEDS")) {
		WriteSeeds(seeds);
		std::exit(0);
	}
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	RunScript(data, size);
	return 0;
}
