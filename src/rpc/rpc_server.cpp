#include "rpc/rpc_server.hpp"

#include "rpc/channel_factory.hpp"
#include "rpc/log.hpp"
#include "rpc/tls_connection.hpp"

#include <grpcpp/server_builder.h>
#include <grpcpp/server_posix.h>

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <limits>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdexcept>
#include <system_error>
#include <sys/socket.h>
#include <unistd.h>

namespace openduck {

// Clients that connect but send nothing (or trickle a request) are dropped after this long.
static constexpr int kClassifyTimeoutMs = 5000;
static const char kHttp2Preface[] = "PRI * HTTP/2.0";
static constexpr size_t kHttp2PrefaceLength = sizeof(kHttp2Preface) - 1;

RpcServer::RpcServer(std::string host, int port, HttpResponder http, std::unique_ptr<TlsServerContext> tls)
    : host_(std::move(host)), requested_port_(port), http_(std::move(http)), tls_(std::move(tls)) {
}

namespace {

// Fails every call of a plaintext gRPC client on a TLS port with a message saying what to do.
class TlsRequiredService final : public grpc::CallbackGenericService {
public:
	explicit TlsRequiredService(std::string url) : url_(std::move(url)) {
	}
	grpc::ServerGenericBidiReactor *CreateReactor(grpc::GenericCallbackServerContext *) override {
		class Refusal : public grpc::ServerGenericBidiReactor {
		public:
			explicit Refusal(const std::string &message) {
				Finish(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, message));
			}
			void OnDone() override {
				delete this;
			}
		};
		return new Refusal("this OpenDuck server accepts only TLS connections: use the endpoint " + url_ +
		                   " (https://, with ca=... or OPENDUCK_CA when its certificate is not from a "
		                   "system-trusted CA)");
	}

private:
	const std::string url_;
};

} // namespace

RpcServer::~RpcServer() {
	Shutdown(0);
}

static int BindListener(const std::string &host, int port, int &bound_port) {
	addrinfo hints;
	std::memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	addrinfo *addresses = nullptr;
	std::string port_text = std::to_string(port);
	int rc = getaddrinfo(host.c_str(), port_text.c_str(), &hints, &addresses);
	if (rc != 0) {
		throw std::runtime_error("cannot listen on " + host + ":" + port_text + ": " + gai_strerror(rc));
	}
	std::string last_error = "no usable address";
	int fd = -1;
	for (auto *address = addresses; address; address = address->ai_next) {
		fd = socket(address->ai_family, address->ai_socktype | SOCK_CLOEXEC, address->ai_protocol);
		if (fd < 0) {
			last_error = std::strerror(errno);
			continue;
		}
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, address->ai_addr, address->ai_addrlen) == 0 && listen(fd, 128) == 0) {
			break;
		}
		last_error = std::strerror(errno);
		close(fd);
		fd = -1;
	}
	freeaddrinfo(addresses);
	if (fd < 0) {
		throw std::runtime_error("cannot listen on " + host + ":" + port_text + ": " + last_error);
	}
	sockaddr_storage bound;
	socklen_t length = sizeof(bound);
	getsockname(fd, reinterpret_cast<sockaddr *>(&bound), &length);
	bound_port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6 *>(&bound)->sin6_port
	                                               : reinterpret_cast<sockaddr_in *>(&bound)->sin_port);
	return fd;
}

void RpcServer::Bind() {
	if (listen_fd_ < 0) {
		listen_fd_ = BindListener(host_, requested_port_, bound_port_);
	}
}

// Idle request threads kept by the gRPC server (see Start).
static constexpr int kMinIdleThreads = 2;
static constexpr int kMaxIdleThreads = 64;

void RpcServer::Start(grpc::Service &service, IdleThreads idle) {
	Bind();
	if (pipe2(wake_pipe_, O_CLOEXEC) != 0) {
		throw std::runtime_error(std::string("cannot create the listener's wake-up pipe: ") + std::strerror(errno));
	}
	grpc::ServerBuilder builder;
	builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
	builder.SetMaxSendMessageSize(kMaxMessageBytes);
	// Allow the keepalive pings our own channels send during long calls (the default policy
	// answers pings more frequent than every 5 minutes with GOAWAY).
	builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, kKeepaliveTimeMs / 2);
	// Keepalive towards callers too, also through long quiet calls (an idle session): a caller
	// gone silent while its call is open (a stalled network, a vanished host) has the call
	// cancelled after about 20 s, which rolls its session back and frees its connection, instead
	// of holding them until the network heals (test/e2e/test_network_faults.py).
	builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, kKeepaliveTimeMs);
	builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kKeepaliveTimeoutMs);
	builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
	// gRPC's sync server keeps at most MAX_POLLERS idle threads (default 2): under concurrent
	// calls every other call then started a thread and ended it, which cost a gateway about as
	// much CPU as forwarding the call (bench/gateway_bench.py, perf). Idle threads only wait.
	builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, kMinIdleThreads);
	builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
	                            idle == IdleThreads::kKeepAll ? std::numeric_limits<int>::max() : kMaxIdleThreads);
	builder.RegisterService(&service);
	grpc_server_ = builder.BuildAndStart();
	if (!grpc_server_) {
		throw std::runtime_error("cannot start the gRPC server for " + Address());
	}
	if (tls_) {
		refusal_service_ = std::make_unique<TlsRequiredService>(Url());
		grpc::ServerBuilder refusal_builder;
		refusal_builder.RegisterCallbackGenericService(refusal_service_.get());
		refusal_server_ = refusal_builder.BuildAndStart();
		if (!refusal_server_) {
			throw std::runtime_error("cannot start the gRPC server that refuses plaintext on " + Address());
		}
	}
	accept_thread_ = std::thread([this] { AcceptLoop(); });
}

std::string RpcServer::Address() const {
	if (host_.find(':') != std::string::npos) {
		return "[" + host_ + "]:" + std::to_string(bound_port_);
	}
	return host_ + ":" + std::to_string(bound_port_);
}

std::string RpcServer::Url() const {
	return (tls_ ? "https://" : "http://") + Address();
}

void RpcServer::Shutdown(int grace_ms) {
	{
		std::lock_guard<std::mutex> guard(mutex_);
		if (shutting_down_ || !grpc_server_) {
			if (listen_fd_ >= 0 && !grpc_server_) {
				close(listen_fd_);
				listen_fd_ = -1;
			}
			return;
		}
		shutting_down_ = true;
	}
	char byte = 0;
	if (write(wake_pipe_[1], &byte, 1) < 0) {
		Log(std::string("cannot wake the accept thread: ") + std::strerror(errno));
	}
	accept_thread_.join();
	close(listen_fd_);
	close(wake_pipe_[0]);
	close(wake_pipe_[1]);
	{
		std::unique_lock<std::mutex> lock(mutex_);
		connections_done_.wait(lock, [this] { return open_connection_threads_ == 0; });
	}
	grpc_server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(grace_ms));
	grpc_server_->Wait();
	if (refusal_server_) {
		refusal_server_->Shutdown(std::chrono::system_clock::now());
		refusal_server_->Wait();
	}
	// gRPC closed its ends of the relays' socket pairs, so every relay is ending.
	std::unique_lock<std::mutex> lock(mutex_);
	connections_done_.wait(lock, [this] { return open_relays_ == 0; });
}

void RpcServer::AcceptLoop() {
	while (true) {
		pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR) {
				continue;
			}
			Log(std::string("accept loop stopped: poll failed: ") + std::strerror(errno));
			return;
		}
		if (fds[1].revents != 0) {
			return;
		}
		sockaddr_storage peer_address;
		socklen_t peer_length = sizeof(peer_address);
		int fd = accept4(listen_fd_, reinterpret_cast<sockaddr *>(&peer_address), &peer_length, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED) {
				Log(std::string("accept on ") + Address() + " failed: " + std::strerror(errno));
				// Out of descriptors and similar: back off instead of spinning.
				std::this_thread::sleep_for(std::chrono::milliseconds(100));
			}
			continue;
		}
		auto peer = PeerHost(peer_address);
		bool admitted = false;
		{
			std::lock_guard<std::mutex> guard(mutex_);
			auto &from_peer = classifying_per_peer_[peer];
			// Connections that have not yet said what they are: a flood of silent ones must not
			// pile up threads. A client refused here simply reconnects.
			admitted = open_connection_threads_ < kMaxClassifying && from_peer < kMaxClassifyingPerPeer;
			if (admitted) {
				open_connection_threads_++;
				from_peer++;
			} else if (from_peer == 0) {
				classifying_per_peer_.erase(peer);
			}
		}
		if (!admitted) {
			close(fd);
			NoteRefused(peer);
			continue;
		}
		try {
			std::thread([this, fd, peer] { HandleConnection(fd, peer); }).detach();
		} catch (std::system_error &ex) {
			close(fd);
			ConnectionClassified(peer);
			NoteRefused(peer);
		}
	}
}

void RpcServer::ConnectionClassified(const std::string &peer) {
	std::lock_guard<std::mutex> guard(mutex_);
	open_connection_threads_--;
	if (--classifying_per_peer_[peer] == 0) {
		classifying_per_peer_.erase(peer);
	}
	connections_done_.notify_all();
}

uint64_t RpcServer::CountForLog(RateLimitedCount &count) {
	auto now = std::chrono::steady_clock::now();
	std::lock_guard<std::mutex> guard(mutex_);
	count.total++;
	if (now - count.last_logged < std::chrono::seconds(10)) {
		return 0;
	}
	count.last_logged = now;
	return count.total;
}

void RpcServer::NoteTlsFailure(const std::string &peer, const std::string &why) {
	if (auto failures = CountForLog(tls_failures_)) {
		Log("TLS connection from " + peer + " to " + Address() + " refused: " + why + " (" +
		    std::to_string(failures) + " so far; logged at most every 10 s)");
	}
}

void RpcServer::NoteRefused(const std::string &peer) {
	auto refused = CountForLog(refused_connections_);
	if (!refused) {
		return;
	}
	Log("refusing new connections on " + Address() + ": too many not yet identified (" +
	    std::to_string(kMaxClassifying) + " in all, " + std::to_string(kMaxClassifyingPerPeer) +
	    " per client address; latest from " + peer + "; " + std::to_string(refused) + " refused so far)");
}

std::string RpcServer::PeerHost(const sockaddr_storage &address) {
	char text[INET6_ADDRSTRLEN] = "?";
	if (address.ss_family == AF_INET) {
		inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in &>(address).sin_addr, text, sizeof(text));
	} else if (address.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6 &>(address).sin6_addr, text, sizeof(text));
	}
	return text;
}

static int64_t MillisLeft(std::chrono::steady_clock::time_point deadline) {
	return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
}

// Calls RpcServer::ConnectionClassified once, when the connection's kind is settled or its
// thread ends, whichever comes first.
class RpcServer::ClassifyingSlot {
public:
	explicit ClassifyingSlot(std::function<void()> release) : release_(std::move(release)) {
	}
	~ClassifyingSlot() {
		Release();
	}
	void Release() {
		if (release_) {
			release_();
			release_ = nullptr;
		}
	}

private:
	std::function<void()> release_;
};

// Peeks at the first bytes until they can no longer be the HTTP/2 preface or all of it is there.
// Returns the number of bytes peeked into `head`, 0 when the client closed or stayed silent.
static size_t PeekHead(int fd, char (&head)[kHttp2PrefaceLength], std::chrono::steady_clock::time_point deadline) {
	while (true) {
		pollfd readable = {fd, POLLIN, 0};
		auto left = MillisLeft(deadline);
		if (left <= 0 || poll(&readable, 1, static_cast<int>(left)) <= 0) {
			return 0;
		}
		ssize_t peeked = recv(fd, head, sizeof(head), MSG_PEEK);
		if (peeked <= 0) {
			return 0;
		}
		if (static_cast<size_t>(peeked) == kHttp2PrefaceLength || std::memcmp(head, kHttp2Preface, peeked) != 0) {
			return static_cast<size_t>(peeked);
		}
		// A partial preface: the rest is in flight. Data already queued makes poll return at once,
		// so wait a little instead of spinning.
		std::this_thread::sleep_for(std::chrono::milliseconds(2));
	}
}

static void SendAll(int fd, const std::string &data, std::chrono::steady_clock::time_point deadline) {
	size_t sent = 0;
	while (sent < data.size()) {
		pollfd writable = {fd, POLLOUT, 0};
		auto left = MillisLeft(deadline);
		if (left <= 0 || poll(&writable, 1, static_cast<int>(left)) <= 0) {
			return;
		}
		ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
		if (n <= 0) {
			return;
		}
		sent += static_cast<size_t>(n);
	}
}

// A TLS record of type handshake (22) starts every TLS connection.
static constexpr char kTlsHandshakeRecord = 0x16;

void RpcServer::HandleConnection(int fd, const std::string &peer) {
	ClassifyingSlot slot([this, peer] { ConnectionClassified(peer); });
	auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kClassifyTimeoutMs);
	char head[kHttp2PrefaceLength];
	size_t peeked = PeekHead(fd, head, deadline);
	if (peeked == 0) {
		close(fd);
		return;
	}
	if (head[0] == kTlsHandshakeRecord) {
		if (tls_) {
			HandleTlsConnection(fd, peer, slot);
		} else {
			// Fail the client's handshake at once instead of waiting for an HTTP request that
			// never comes.
			close(fd);
			NoteTlsFailure(peer, "a TLS client on this plaintext port (clients must use http://, or start the "
			                     "server with --tls-cert)");
		}
		return;
	}
	bool is_grpc = peeked == kHttp2PrefaceLength && std::memcmp(head, kHttp2Preface, peeked) == 0;
	if (is_grpc) {
		// Without TLS this is a client; with TLS it is told to use https:// by the refusal server.
		HandToGrpc(tls_ ? *refusal_server_ : *grpc_server_, fd);
		return;
	}
	auto read = [&](char *buffer, size_t size) -> ssize_t {
		pollfd readable = {fd, POLLIN, 0};
		auto left = MillisLeft(deadline);
		if (left <= 0 || poll(&readable, 1, static_cast<int>(left)) <= 0) {
			return -1;
		}
		return recv(fd, buffer, size, 0);
	};
	auto write = [&](const std::string &response) { SendAll(fd, response, deadline); };
	if (tls_) {
		ServeHttp(read, write, [this](const HttpRequest &) {
			return RenderHttpResponse(400, "text/plain",
			                          "this OpenDuck server accepts only TLS connections: use " + Url() + "\n");
		});
	} else {
		ServeHttp(read, write, http_);
	}
	shutdown(fd, SHUT_WR);
	close(fd);
}

void RpcServer::HandleTlsConnection(int fd, const std::string &peer, ClassifyingSlot &slot) {
	// The handshake runs under the classification limits: it is still an unidentified client.
	std::unique_ptr<TlsConnection> connection;
	try {
		connection = std::make_unique<TlsConnection>(*tls_, fd);
	} catch (std::exception &ex) {
		NoteTlsFailure(peer, ex.what());
		return;
	}
	auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kClassifyTimeoutMs);
	auto failure = connection->Handshake(deadline);
	if (!failure.empty()) {
		NoteTlsFailure(peer, failure);
		return;
	}
	if (connection->application() == TlsApplication::kHttp) {
		ServeHttp([&](char *buffer, size_t size) { return connection->Read(buffer, size, deadline); },
		          [&](const std::string &response) { connection->WriteAll(response, deadline); }, http_);
		return;
	}
	slot.Release();
	int pair[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
		Log(std::string("cannot relay a TLS connection from ") + peer + ": socketpair failed: " + std::strerror(errno));
		return;
	}
	// Room for a few result messages in the pair, so gRPC and the relay hand over large pieces
	// and wake each other less often.
	int buffer_bytes = 4 * 1024 * 1024;
	for (int fd_end : pair) {
		setsockopt(fd_end, SOL_SOCKET, SO_SNDBUF, &buffer_bytes, sizeof(buffer_bytes));
		setsockopt(fd_end, SOL_SOCKET, SO_RCVBUF, &buffer_bytes, sizeof(buffer_bytes));
	}
	{
		std::lock_guard<std::mutex> guard(mutex_);
		if (open_relays_ >= kMaxRelays) {
			close(pair[0]);
			close(pair[1]);
			NoteRefused(peer);
			return;
		}
		open_relays_++;
	}
	if (HandToGrpc(*grpc_server_, pair[1])) {
		connection->Relay(pair[0]);
	} else {
		close(pair[0]);
	}
	connection.reset();
	std::lock_guard<std::mutex> guard(mutex_);
	open_relays_--;
	connections_done_.notify_all();
}

bool RpcServer::HandToGrpc(grpc::Server &server, int fd) {
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	std::lock_guard<std::mutex> guard(mutex_);
	if (shutting_down_) {
		close(fd);
		return false;
	}
	// gRPC owns the descriptor from here on and closes it with the connection.
	grpc::AddInsecureChannelFromFd(&server, fd);
	return true;
}

template <class READ, class WRITE>
void RpcServer::ServeHttp(READ read, WRITE write, const HttpResponder &respond) {
	HttpRequestParser parser;
	char buffer[2048];
	while (parser.state() == HttpRequestParser::State::kIncomplete) {
		ssize_t n = read(buffer, sizeof(buffer));
		if (n <= 0) {
			return;
		}
		parser.Feed(buffer, static_cast<size_t>(n));
	}
	switch (parser.state()) {
	case HttpRequestParser::State::kTooLarge:
		write(RenderHttpResponse(431, "text/plain", "request too large\n"));
		break;
	case HttpRequestParser::State::kInvalid:
		write(RenderHttpResponse(400, "text/plain", "malformed HTTP request\n"));
		break;
	default:
		if (parser.request().method != "GET") {
			write(RenderHttpResponse(405, "text/plain", "only GET is supported on this port\n"));
		} else {
			write(respond(parser.request()));
		}
	}
}

} // namespace openduck
