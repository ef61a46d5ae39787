#include "rpc/raw_results.hpp"

#include "common/wire_limits.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/slice.h>

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

// The message of a response that only holds `payload` in field `field`, as two slices: the
// field's tag and length, then the payload string itself, which gRPC frees once it is sent.
static grpc::ByteBuffer PayloadMessage(int field, std::string *payload) {
	// A tag byte and a varint of at most five bytes.
	uint8_t prefix[6];
	prefix[0] = static_cast<uint8_t>(google::protobuf::internal::WireFormatLite::MakeTag(
	    field, google::protobuf::internal::WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
	auto end = google::protobuf::io::CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(payload->size()),
	                                                                        prefix + 1);
	grpc::Slice slices[2] = {
	    grpc::Slice(prefix, static_cast<size_t>(end - prefix)),
	    grpc::Slice(payload->data(), payload->size(), [](void *owned) { delete static_cast<std::string *>(owned); },
	                payload)};
	return grpc::ByteBuffer(slices, 2);
}

static_assert(kMaxPayloadBytes <= UINT32_MAX, "a payload's length is written as a 32-bit varint");

bool WriteResponse(RawExecuteFragmentCall &call, pb::ExecuteFragmentResponse &response) {
	// An empty payload takes the plain path.
	switch (response.payload_case()) {
	case pb::ExecuteFragmentResponse::kArrowBatch:
		if (!response.arrow_batch().empty()) {
			return call.Write(PayloadMessage(pb::ExecuteFragmentResponse::kArrowBatchFieldNumber,
			                                 new std::string(std::move(*response.mutable_arrow_batch()))));
		}
		break;
	case pb::ExecuteFragmentResponse::kArrowPart:
		if (!response.arrow_part().empty()) {
			return call.Write(PayloadMessage(pb::ExecuteFragmentResponse::kArrowPartFieldNumber,
			                                 new std::string(std::move(*response.mutable_arrow_part()))));
		}
		break;
	default:
		break;
	}
	grpc::ByteBuffer buffer;
	bool own_buffer;
	return grpc::SerializationTraits<pb::ExecuteFragmentResponse>::Serialize(response, &buffer, &own_buffer).ok() &&
	       call.Write(buffer);
}

} // namespace openduck
