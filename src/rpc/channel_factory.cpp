#include "rpc/channel_factory.hpp"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

namespace openduck {

std::shared_ptr<grpc::Channel> CreateOpenDuckChannel(const std::string &target) {
	grpc::ChannelArguments args;
	args.SetMaxReceiveMessageSize(kMaxMessageBytes);
	args.SetMaxSendMessageSize(kMaxMessageBytes);
	// Reconnect quickly after a worker or gateway restart instead of backing off for minutes.
	args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
	args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, kKeepaliveTimeMs);
	args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kKeepaliveTimeoutMs);
	return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

} // namespace openduck
