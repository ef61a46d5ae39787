// ExecuteFragment's results as the bytes on the wire, for a server that forwards another
// server's results (the gateway): it neither parses a worker's responses nor serialises them
// again, so a result byte is not copied into a message and back out of it.
//
// Server side: WithRawResults<BASE> answers ExecuteFragment with grpc::ByteBuffers, each one
// serialised ExecuteFragmentResponse, instead of the generated typed stream; the request is
// still read typed, and only after the caller was admitted (rpc/streamed_calls.hpp). Client
// side: CallRawResults calls ExecuteFragment and hands over each response as it arrived. The
// wire does not change, and neither does gRPC's enforcement of message sizes on either end.
#pragma once

#include "openduck/v1/openduck.grpc.pb.h"
#include "rpc/streamed_calls.hpp"

#include <grpcpp/channel.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/sync_stream.h>

#include <memory>

namespace openduck {

using RawExecuteFragmentCall = grpc::ServerSplitStreamer<openduck::v1::ExecuteFragmentRequest, grpc::ByteBuffer>;

// ExecuteFragment's position among ExecutionService's methods, the index gRPC registers its
// handler under; read from the proto's descriptor rather than written down a second time.
int ExecuteFragmentMethodIndex();

// BASE is the generated StreamedService: every other method stays as generated. Thread-safety
// is the derived service's (gRPC calls the handler concurrently).
template <class BASE>
class WithRawResults : public BASE {
public:
	WithRawResults() {
		grpc::Service::MarkMethodStreamed(
		    ExecuteFragmentMethodIndex(),
		    new grpc::internal::SplitServerStreamingHandler<openduck::v1::ExecuteFragmentRequest, grpc::ByteBuffer>(
		        [this](grpc::ServerContext *context, RawExecuteFragmentCall *call) {
			        return StreamedRawExecuteFragment(context, call);
		        }));
	}
	// ExecuteFragment: authenticate from `context`, then read the request, then write responses.
	virtual grpc::Status StreamedRawExecuteFragment(grpc::ServerContext *context, RawExecuteFragmentCall *call) = 0;

	// The typed handler the constructor replaced; gRPC never calls it.
	grpc::Status StreamedExecuteFragment(grpc::ServerContext *, ExecuteFragmentCall *) final {
		return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "ExecuteFragment is answered raw");
	}
};

// Calls ExecuteFragment over `channel`: each Read yields one serialised ExecuteFragmentResponse,
// unparsed.
std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>>
CallRawResults(const std::shared_ptr<grpc::Channel> &channel, grpc::ClientContext &context,
               const openduck::v1::ExecuteFragmentRequest &request);

// Writes a response made in this process to a raw stream, in the bytes a typed Write would
// send; false when the caller is gone (or the message cannot be serialised). An Arrow payload
// (arrow_batch, arrow_part) is moved out of `response` into the message as it is, not copied
// into it: on a pull of TPC-H lineitem that copy was 7% of the worker's CPU (perf).
bool WriteResponse(RawExecuteFragmentCall &call, openduck::v1::ExecuteFragmentResponse &response);

} // namespace openduck
