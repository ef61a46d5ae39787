#include "rpc/channel_factory.hpp"

#include "rpc/tls_client.hpp"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

namespace openduck {

void SetPeerLiveness(grpc::ChannelArguments &args) {
	args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, kKeepaliveTimeMs);
	args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kKeepaliveTimeoutMs);
	args.SetInt(GRPC_ARG_DNS_MIN_TIME_BETWEEN_RESOLUTIONS_MS, kMinTimeBetweenResolutionsMs);
}

std::shared_ptr<grpc::Channel> CreateOpenDuckChannel(const Endpoint &endpoint, const TlsClientFiles &tls,
                                                     int connection) {
	grpc::ChannelArguments args;
	if (connection > 0) {
		args.SetInt("openduck.connection", connection);
		args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
	}
	args.SetMaxReceiveMessageSize(kMaxMessageBytes);
	args.SetMaxSendMessageSize(kMaxMessageBytes);
	// Reconnect quickly after a worker or gateway restart instead of backing off for minutes.
	args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
	SetPeerLiveness(args);
	return grpc::CreateCustomChannel(endpoint.Target(), ChannelCredentialsFor(endpoint, tls), args);
}

} // namespace openduck
