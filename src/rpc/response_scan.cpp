#include "rpc/response_scan.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpcpp/support/proto_buffer_reader.h>

namespace openduck {

ResponseScan ScanResponse(const grpc::ByteBuffer &response) {
	using google::protobuf::internal::WireFormatLite;
	using Response = openduck::v1::ExecuteFragmentResponse;
	ResponseScan scan;
	grpc::ByteBuffer slices(response); // shares the slices: the reader needs a mutable buffer
	grpc::ProtoBufferReader reader(&slices);
	google::protobuf::io::CodedInputStream in(&reader);
	for (uint32_t tag = in.ReadTag(); tag != 0; tag = in.ReadTag()) {
		auto field = WireFormatLite::GetTagFieldNumber(tag);
		bool delimited = WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
		uint32_t length = 0;
		if (delimited && (field == Response::kArrowBatchFieldNumber || field == Response::kArrowPartFieldNumber)) {
			if (!in.ReadVarint32(&length) || !in.Skip(static_cast<int>(length))) {
				break;
			}
			scan.arrow_bytes += length;
		} else if (delimited && field == Response::kErrorFieldNumber) {
			scan.has_error = true;
			if (!WireFormatLite::ReadMessage(&in, &scan.error)) {
				break;
			}
		} else if (!WireFormatLite::SkipField(&in, tag)) {
			break;
		}
	}
	return scan;
}

} // namespace openduck
