#include "rpc/raw_results.hpp"

#include <grpcpp/impl/codegen/proto_utils.h>

namespace openduck {

namespace pb = openduck::v1;

static const google::protobuf::MethodDescriptor &ExecuteFragmentMethod() {
	static const auto *method = pb::ExecuteFragmentRequest::descriptor()
	                                ->file()
	                                ->FindServiceByName("ExecutionService")
	                                ->FindMethodByName("ExecuteFragment");
	return *method;
}

int ExecuteFragmentMethodIndex() {
	return ExecuteFragmentMethod().index();
}

std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>>
CallRawResults(const std::shared_ptr<grpc::Channel> &channel, grpc::ClientContext &context,
               const pb::ExecuteFragmentRequest &request) {
	// The path the generated stub calls: "/openduck.v1.ExecutionService/ExecuteFragment".
	static const std::string path =
	    "/" + ExecuteFragmentMethod().service()->full_name() + "/" + ExecuteFragmentMethod().name();
	// Registering the method with the channel again is a lookup (gRPC keeps one entry per path).
	grpc::internal::RpcMethod method(path.c_str(), grpc::internal::RpcMethod::SERVER_STREAMING, channel);
	return std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>>(
	    grpc::internal::ClientReaderFactory<grpc::ByteBuffer>::Create(channel.get(), method, &context, request));
}

bool WriteResponse(RawExecuteFragmentCall &call, const pb::ExecuteFragmentResponse &response) {
	grpc::ByteBuffer buffer;
	bool own_buffer;
	return grpc::SerializationTraits<pb::ExecuteFragmentResponse>::Serialize(response, &buffer, &own_buffer).ok() &&
	       call.Write(buffer);
}

} // namespace openduck
