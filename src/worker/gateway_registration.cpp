#include "worker/gateway_registration.hpp"

#include "common/token.hpp"
#include "common/version.hpp"
#include "openduck/v1/openduck.grpc.pb.h"
#include "rpc/channel_factory.hpp"
#include "rpc/commit_position_wire.hpp"
#include "rpc/log.hpp"

#include <grpcpp/client_context.h>

#include <algorithm>
#include <chrono>

namespace openduck {

namespace pb = openduck::v1;

static constexpr int kRetryDelayMs = 1000;
static constexpr int kCallTimeoutMs = 5000;
static constexpr int64_t kRepeatLogEveryMs = 30000;

static int64_t NowMs() {
	return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
	    .count();
}

static std::string Join(const std::vector<std::string> &names) {
	std::string text;
	for (auto &name : names) {
		text += (text.empty() ? "" : ", ") + name;
	}
	return text.empty() ? "none" : text;
}

GatewayRegistration::GatewayRegistration(Endpoint gateway, const TlsClientFiles &tls, std::string cluster_secret,
                                         WorkerIdentity identity)
    : gateway_(std::move(gateway)), channel_(CreateOpenDuckChannel(gateway_, tls)),
      cluster_secret_(std::move(cluster_secret)), identity_(std::move(identity)) {
}

GatewayRegistration::~GatewayRegistration() {
	Stop();
}

void GatewayRegistration::Start() {
	thread_ = std::thread([this] { Run(); });
}

void GatewayRegistration::Stop() {
	{
		std::lock_guard<std::mutex> guard(mutex_);
		stopping_ = true;
	}
	wake_.notify_all();
	if (thread_.joinable()) {
		thread_.join();
	}
}

void GatewayRegistration::HeartbeatNow() {
	{
		std::lock_guard<std::mutex> guard(mutex_);
		heartbeat_now_ = true;
	}
	wake_.notify_all();
}

bool GatewayRegistration::Sleep(int millis) {
	std::unique_lock<std::mutex> lock(mutex_);
	wake_.wait_for(lock, std::chrono::milliseconds(millis), [this] { return stopping_ || heartbeat_now_; });
	heartbeat_now_ = false;
	return !stopping_;
}

void GatewayRegistration::LogFailure(const std::string &message) {
	auto now = NowMs();
	if (message == last_failure_ && now - last_failure_logged_ms_ < kRepeatLogEveryMs) {
		return;
	}
	last_failure_ = message;
	last_failure_logged_ms_ = now;
	Log(message);
}

static void PrepareCall(grpc::ClientContext &context, const std::string &token) {
	context.AddMetadata("authorization", BearerHeader(token));
	context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(kCallTimeoutMs));
}

template <class REQUEST>
static void AddPositions(const WorkerIdentity &identity, REQUEST &request) {
	if (!identity.positions) {
		return;
	}
	for (auto &entry : identity.positions()) {
		(*request.mutable_positions())[entry.first] = PositionToWire(entry.second);
	}
}

void GatewayRegistration::Run() {
	auto stub = pb::ExecutionService::NewStub(channel_);
	auto gateway_name = gateway_.ToString();
	bool registered = false;
	int interval_ms = kRetryDelayMs;
	while (true) {
		if (!registered) {
			pb::RegisterWorkerRequest request;
			request.set_worker_id(identity_.id);
			request.set_address(identity_.address);
			auto databases = identity_.databases();
			for (auto &name : databases) {
				request.add_databases(name);
			}
			request.set_protocol_version(kProtocolVersion);
			request.set_duckdb_version(kDuckDBVersion);
			request.set_replica(identity_.replica);
			AddPositions(identity_, request);
			pb::RegisterWorkerResponse response;
			grpc::ClientContext context;
			PrepareCall(context, cluster_secret_);
			auto status = stub->RegisterWorker(&context, request, &response);
			if (status.ok()) {
				registered = true;
				// Guard against a zero or absurd interval from a misconfigured gateway.
				interval_ms = std::max<int>(100, static_cast<int>(response.heartbeat_interval_ms()));
				last_failure_.clear();
				Log("registered with gateway " + gateway_name + " as " + (identity_.replica ? "read replica " : "worker ") +
				    identity_.id + " at " +
				    identity_.address + " (databases: " + Join(databases) + "), heartbeat every " +
				    std::to_string(interval_ms) + " ms");
			} else {
				LogFailure("cannot register with gateway " + gateway_name + ": " + status.error_message() +
				           "; retrying every " + std::to_string(kRetryDelayMs) + " ms");
			}
		}
		if (!Sleep(registered ? interval_ms : kRetryDelayMs)) {
			return;
		}
		if (!registered) {
			continue;
		}
		pb::HeartbeatRequest request;
		request.set_worker_id(identity_.id);
		for (auto &name : identity_.databases()) {
			request.add_databases(name);
		}
		AddPositions(identity_, request);
		pb::HeartbeatResponse response;
		grpc::ClientContext context;
		PrepareCall(context, cluster_secret_);
		auto status = stub->Heartbeat(&context, request, &response);
		if (!status.ok()) {
			LogFailure("heartbeat to gateway " + gateway_name + " failed: " + status.error_message() +
			           "; will keep trying");
		} else if (!response.known()) {
			Log("gateway " + gateway_name + " no longer knows worker " + identity_.id +
			    " (it restarted or timed the worker out); registering again");
			registered = false;
		} else if (!last_failure_.empty()) {
			Log("gateway " + gateway_name + " reachable again");
			last_failure_.clear();
		}
	}
}

} // namespace openduck
