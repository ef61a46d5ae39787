#include "rpc/rpc_server.hpp"

#include "rpc/channel_factory.hpp"
#include "rpc/log.hpp"

#include <grpcpp/server_builder.h>
#include <grpcpp/server_posix.h>

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
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

RpcServer::RpcServer(std::string host, int port, HttpResponder http)
    : host_(std::move(host)), requested_port_(port), http_(std::move(http)) {
}

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

void RpcServer::Start(grpc::Service &service) {
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
	builder.RegisterService(&service);
	grpc_server_ = builder.BuildAndStart();
	if (!grpc_server_) {
		throw std::runtime_error("cannot start the gRPC server for " + Address());
	}
	accept_thread_ = std::thread([this] { AcceptLoop(); });
}

std::string RpcServer::Address() const {
	if (host_.find(':') != std::string::npos) {
		return "[" + host_ + "]:" + std::to_string(bound_port_);
	}
	return host_ + ":" + std::to_string(bound_port_);
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
			std::thread([this, fd, peer] {
				HandleConnection(fd);
				ConnectionClassified(peer);
			}).detach();
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

void RpcServer::NoteRefused(const std::string &peer) {
	auto now = std::chrono::steady_clock::now();
	uint64_t refused;
	{
		std::lock_guard<std::mutex> guard(mutex_);
		refused = ++refused_connections_;
		if (now - last_refusal_log_ < std::chrono::seconds(10)) {
			return;
		}
		last_refusal_log_ = now;
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

void RpcServer::HandleConnection(int fd) {
	auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kClassifyTimeoutMs);
	char head[kHttp2PrefaceLength];
	ssize_t peeked = 0;
	// Peek until the bytes seen so far can no longer be the HTTP/2 preface, or all of it is there.
	while (true) {
		pollfd readable = {fd, POLLIN, 0};
		auto left = MillisLeft(deadline);
		if (left <= 0 || poll(&readable, 1, static_cast<int>(left)) <= 0) {
			close(fd);
			return;
		}
		peeked = recv(fd, head, sizeof(head), MSG_PEEK);
		if (peeked <= 0) {
			close(fd);
			return;
		}
		if (static_cast<size_t>(peeked) == kHttp2PrefaceLength || std::memcmp(head, kHttp2Preface, peeked) != 0) {
			break;
		}
		// A partial preface: the rest is in flight. Data already queued makes poll return at once,
		// so wait a little instead of spinning.
		std::this_thread::sleep_for(std::chrono::milliseconds(2));
	}
	bool is_grpc = static_cast<size_t>(peeked) == kHttp2PrefaceLength && std::memcmp(head, kHttp2Preface, peeked) == 0;
	if (!is_grpc) {
		ServeHttp(fd);
		return;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	std::lock_guard<std::mutex> guard(mutex_);
	if (shutting_down_) {
		close(fd);
		return;
	}
	// gRPC owns the descriptor from here on and closes it with the connection.
	grpc::AddInsecureChannelFromFd(grpc_server_.get(), fd);
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

void RpcServer::ServeHttp(int fd) {
	auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kClassifyTimeoutMs);
	HttpRequestParser parser;
	char buffer[2048];
	while (parser.state() == HttpRequestParser::State::kIncomplete) {
		pollfd readable = {fd, POLLIN, 0};
		auto left = MillisLeft(deadline);
		if (left <= 0 || poll(&readable, 1, static_cast<int>(left)) <= 0) {
			close(fd);
			return;
		}
		ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
		if (n <= 0) {
			close(fd);
			return;
		}
		parser.Feed(buffer, static_cast<size_t>(n));
	}
	std::string response;
	switch (parser.state()) {
	case HttpRequestParser::State::kTooLarge:
		response = RenderHttpResponse(431, "text/plain", "request too large\n");
		break;
	case HttpRequestParser::State::kInvalid:
		response = RenderHttpResponse(400, "text/plain", "malformed HTTP request\n");
		break;
	default:
		if (parser.request().method != "GET") {
			response = RenderHttpResponse(405, "text/plain", "only GET is supported on this port\n");
		} else {
			response = http_(parser.request());
		}
	}
	SendAll(fd, response, deadline);
	shutdown(fd, SHUT_WR);
	close(fd);
}

} // namespace openduck
