// One TCP port that speaks both gRPC and plain HTTP/1.1.
//
// We accept connections ourselves and peek at the first bytes: the HTTP/2 connection preface
// ("PRI * HTTP/2.0") means a gRPC client, and the socket is handed to a gRPC server that has no
// listening port of its own (grpc::AddInsecureChannelFromFd); anything else is read as an
// HTTP/1.1 request and answered by the HttpResponder (health and metrics probes), then closed.
//
// Thread-safety: Start and Shutdown are called from one controlling thread. Each connection is
// classified on its own short-lived thread, so a slow or silent client never blocks accept; at
// most kMaxClassifying connections (kMaxClassifyingPerPeer per client address) wait to be
// classified at once, and the rest are closed at once, so a flood of idle connections cannot
// exhaust threads.
#pragma once

#include "rpc/http_request.hpp"

#include <grpcpp/server.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <sys/socket.h>

namespace openduck {

// Returns a complete HTTP response (see RenderHttpResponse) for a parsed GET request.
using HttpResponder = std::function<std::string(const HttpRequest &)>;

class RpcServer {
public:
	RpcServer(std::string host, int port, HttpResponder http);
	~RpcServer();
	RpcServer(const RpcServer &) = delete;
	RpcServer &operator=(const RpcServer &) = delete;

	// Binds host:port (port 0 picks a free port), so port() is known before serving starts.
	// Throws std::runtime_error naming the address when the port cannot be bound.
	void Bind();
	// Binds if not done yet, then starts gRPC with `service` and the accept thread. `service`
	// must outlive the server.
	void Start(grpc::Service &service);
	// The bound port (after Start).
	int port() const {
		return bound_port_;
	}
	// "host:port" as bound.
	std::string Address() const;
	// Stops accepting, lets in-flight calls finish for up to `grace_ms`, then cancels them.
	void Shutdown(int grace_ms = 2000);

	// Connections being classified at once, in all and per client address.
	static constexpr int kMaxClassifying = 256;
	static constexpr int kMaxClassifyingPerPeer = 64;

private:
	void AcceptLoop();
	void ConnectionClassified(const std::string &peer);
	// Counts a refused connection; logs at most every 10 s.
	void NoteRefused(const std::string &peer);
	static std::string PeerHost(const sockaddr_storage &address);
	void HandleConnection(int fd);
	void ServeHttp(int fd);

	const std::string host_;
	const int requested_port_;
	HttpResponder http_;
	int bound_port_ = 0;
	int listen_fd_ = -1;
	int wake_pipe_[2] = {-1, -1};
	std::unique_ptr<grpc::Server> grpc_server_;
	std::thread accept_thread_;

	// Guards handing sockets to grpc_server_ against Shutdown, and counts connection threads.
	std::mutex mutex_;
	std::condition_variable connections_done_;
	int open_connection_threads_ = 0;
	std::map<std::string, int> classifying_per_peer_;
	uint64_t refused_connections_ = 0;
	std::chrono::steady_clock::time_point last_refusal_log_;
	bool shutting_down_ = false;
};

} // namespace openduck
