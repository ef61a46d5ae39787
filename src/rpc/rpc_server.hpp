// One TCP port that speaks both gRPC and plain HTTP/1.1, optionally under TLS.
//
// We accept connections ourselves and peek at the first bytes: the HTTP/2 connection preface
// ("PRI * HTTP/2.0") means a gRPC client, and the socket is handed to a gRPC server that has no
// listening port of its own (grpc::AddInsecureChannelFromFd); anything else is read as an
// HTTP/1.1 request and answered by the HttpResponder (health and metrics probes), then closed.
//
// With TLS every connection must start with a TLS handshake (TlsConnection); ALPN then decides
// between gRPC, whose plaintext reaches gRPC through a socket pair and a relay thread, and
// HTTP. A plaintext client is told, in its own protocol, to use https://: gRPC clients by a
// second gRPC server that fails every call with that message, HTTP clients by a 400 response.
//
// Thread-safety: Start and Shutdown are called from one controlling thread. Each connection is
// classified on its own short-lived thread, so a slow or silent client never blocks accept; at
// most kMaxClassifying connections (kMaxClassifyingPerPeer per client address) wait to be
// classified at once, and the rest are closed at once, so a flood of idle connections cannot
// exhaust threads. A TLS gRPC connection keeps its thread for the relay; at most kMaxRelays run.
#pragma once

#include "rpc/http_request.hpp"
#include "rpc/tls_server_context.hpp"

#include <grpcpp/generic/async_generic_service.h>
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
	// `tls` null: plaintext. Otherwise every connection must use TLS with that context.
	RpcServer(std::string host, int port, HttpResponder http, std::unique_ptr<TlsServerContext> tls = nullptr);
	~RpcServer();
	RpcServer(const RpcServer &) = delete;
	RpcServer &operator=(const RpcServer &) = delete;

	// Binds host:port (port 0 picks a free port), so port() is known before serving starts.
	// Throws std::runtime_error naming the address when the port cannot be bound.
	void Bind();
	// What gRPC's request threads do when a burst of calls is over.
	enum class IdleThreads {
		// Those beyond a few dozen end (a gateway: its threads hold nothing).
		kEndExtra,
		// Every one stays. A thread that ran DuckDB leaves state behind that DuckDB never frees
		// (a producer in each of its lock-free queues, kept per thread id until the database
		// closes): under 64 clients a worker that ended and started threads with each burst
		// started 5 a second and held 2,888 such producers (1.4 MB) after 8 minutes
		// (test/reliability/soak.py, heaptrack). The threads a worker ever has are bounded by
		// its call limits.
		kKeepAll,
	};
	// Binds if not done yet, then starts gRPC with `service` and the accept thread. `service`
	// must outlive the server.
	void Start(grpc::Service &service, IdleThreads idle = IdleThreads::kEndExtra);
	// The bound port (after Start).
	int port() const {
		return bound_port_;
	}
	// "host:port" as bound.
	std::string Address() const;
	// The URL clients use: "http://host:port" or "https://host:port".
	std::string Url() const;
	// Stops accepting, lets in-flight calls finish for up to `grace_ms`, then cancels them.
	void Shutdown(int grace_ms = 2000);

	// Connections being classified at once, in all and per client address.
	static constexpr int kMaxClassifying = 256;
	static constexpr int kMaxClassifyingPerPeer = 64;
	// TLS gRPC connections relayed at once (each holds a thread).
	static constexpr int kMaxRelays = 1024;

private:
	void AcceptLoop();
	void ConnectionClassified(const std::string &peer);
	// Counts a refused connection; logs at most every 10 s.
	void NoteRefused(const std::string &peer);
	// A count of events that are logged at most every 10 s.
	struct RateLimitedCount {
		uint64_t total = 0;
		std::chrono::steady_clock::time_point last_logged;
	};
	// Counts an event; returns the count when it is time to log it (at most every 10 s), else 0.
	uint64_t CountForLog(RateLimitedCount &count);
	// Logs a failed TLS handshake, at most every 10 s.
	void NoteTlsFailure(const std::string &peer, const std::string &why);
	static std::string PeerHost(const sockaddr_storage &address);
	class ClassifyingSlot;
	// Classifies and serves one connection; calls ConnectionClassified(peer) once it is known.
	void HandleConnection(int fd, const std::string &peer);
	// Handshakes under the classification `slot`, then serves HTTP or relays gRPC.
	void HandleTlsConnection(int fd, const std::string &peer, ClassifyingSlot &slot);
	// Gives a plaintext gRPC connection to `server`; false when shutting down (fd closed).
	bool HandToGrpc(grpc::Server &server, int fd);
	// Reads one HTTP request with `read(buffer, size)` and writes `respond`'s answer with
	// `write(response)`.
	template <class READ, class WRITE>
	void ServeHttp(READ read, WRITE write, const HttpResponder &respond);

	const std::string host_;
	const int requested_port_;
	HttpResponder http_;
	const std::unique_ptr<TlsServerContext> tls_;
	// With TLS: answers plaintext gRPC clients that they must use TLS.
	std::unique_ptr<grpc::Server> refusal_server_;
	std::unique_ptr<grpc::CallbackGenericService> refusal_service_;
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
	int open_relays_ = 0;
	RateLimitedCount refused_connections_;
	RateLimitedCount tls_failures_;
	bool shutting_down_ = false;
};

} // namespace openduck
