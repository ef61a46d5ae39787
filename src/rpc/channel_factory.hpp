// gRPC channels to other OpenDuck processes (gateway -> worker, worker -> gateway), with the
// message-size limits every OpenDuck endpoint uses, plaintext or TLS as the endpoint says.
#pragma once

#include "common/endpoint.hpp"
#include "common/tls_client_files.hpp"

#include <grpcpp/channel.h>
#include <grpcpp/support/channel_arguments.h>

#include <memory>
#include <string>

namespace openduck {

// Result payloads are ~1 MiB by default, but a single row (a > 1 MiB VARCHAR or a large LIST)
// can make one batch much bigger; both directions accept up to this size.
constexpr int kMaxMessageBytes = 64 * 1024 * 1024;

// Keepalive: a peer that stops answering (host gone, process hung) while a call is open is
// detected after about kKeepaliveTimeMs + kKeepaliveTimeoutMs, failing the call with
// UNAVAILABLE instead of blocking it forever. Servers accept pings this often (RpcServer).
constexpr int kKeepaliveTimeMs = 10000;
constexpr int kKeepaliveTimeoutMs = 10000;
// After a connection failed, gRPC's resolver waits this long before it resolves the endpoint
// again (its default, 30 s, kept a host failing with "failed to connect to all addresses" for
// about 19 s after a network blip ended; now about 1 s: test/e2e/test_network_faults.py).
constexpr int kMinTimeBetweenResolutionsMs = 1000;

// Sets on `args` how an OpenDuck client channel notices a silent peer (keepalive) and finds a
// peer again after a failed connection (re-resolution): the same for hosts' channels and the
// servers' own.
void SetPeerLiveness(grpc::ChannelArguments &args);

// A channel to `endpoint`, using `tls` when it is an https:// endpoint. Throws
// std::invalid_argument when a TLS file cannot be used (see ChannelCredentialsFor).
// `connection`: channels made with different values use separate TCP connections to the same
// endpoint (gRPC otherwise shares one subchannel between equal channels).
std::shared_ptr<grpc::Channel> CreateOpenDuckChannel(const Endpoint &endpoint, const TlsClientFiles &tls,
                                                     int connection = 0);

} // namespace openduck
