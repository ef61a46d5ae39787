// Keeps a stand-alone worker registered with its gateway: RegisterWorker at start, a Heartbeat
// at the interval the gateway asks for, registering again when the gateway answers that it no
// longer knows the worker (it restarted) and retrying, with a log line, while it is down.
// Every heartbeat carries the worker's current database list, so the gateway learns databases
// created or cloned while the worker runs within one interval, and a replica's positions.
//
// Runs on its own thread between Start and Stop (or destruction).
#pragma once

#include "common/endpoint.hpp"
#include "common/tls_client_files.hpp"
#include "common/commit_position.hpp"

#include <grpcpp/channel.h>

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace openduck {

struct WorkerIdentity {
	std::string id;
	// host:port where the gateway reaches this worker (https://host:port when it serves TLS).
	std::string address;
	// The databases served now; called from the registration thread before every call.
	std::function<std::vector<std::string>()> databases;
	// A read replica: sends `positions` (each open database's) with every call, so the gateway
	// routes a host's reads here only once the replica holds the host's own commits.
	bool replica = false;
	std::function<std::map<std::string, CommitPosition>()> positions;
};

class GatewayRegistration {
public:
	// `cluster_secret`: what the gateway expects of workers (never a client token); `tls`: how
	// to verify an https:// gateway. Throws std::invalid_argument for unusable TLS files.
	GatewayRegistration(Endpoint gateway, const TlsClientFiles &tls, std::string cluster_secret,
	                    WorkerIdentity identity);
	~GatewayRegistration();
	GatewayRegistration(const GatewayRegistration &) = delete;
	GatewayRegistration &operator=(const GatewayRegistration &) = delete;

	void Start();
	void Stop();
	// Sends the next heartbeat (with the current database list) now instead of at the interval:
	// after a takeover, so the gateway routes the database here at once.
	void HeartbeatNow();

private:
	void Run();
	// Waits up to `millis` (less after HeartbeatNow); false when Stop was called meanwhile.
	bool Sleep(int millis);
	// Logs a failure, but repeats an unchanged message at most every 30 s so a long gateway
	// outage does not flood the log.
	void LogFailure(const std::string &message);

	const Endpoint gateway_;
	const std::shared_ptr<grpc::Channel> channel_;
	const std::string cluster_secret_;
	const WorkerIdentity identity_;
	std::mutex mutex_;
	std::condition_variable wake_;
	bool stopping_ = false;
	bool heartbeat_now_ = false;
	std::thread thread_;
	std::string last_failure_;
	int64_t last_failure_logged_ms_ = 0;
};

} // namespace openduck
