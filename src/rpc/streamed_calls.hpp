// ExecutionService calls whose request gRPC hands over unread, so a server authenticates the
// caller before it accepts the request's bytes.
//
// For a plain unary or server-streaming handler gRPC reads the whole request before the handler
// runs, and it keeps reading whatever length the request's prefix claims, past the maximum
// message size: 16 unauthenticated uploads once held 741 MiB of a server. So the gateway and
// worker services derive from the generated StreamedService, where every method is a stream on
// the server side. The wire does not change (clients still make unary and server-streaming
// calls), but gRPC starts a handler as soon as the call's headers are in. The handler
// authenticates from those headers (the "authorization" metadata) and reads the request only
// when that succeeded. Until then a call holds no more than its stream's HTTP/2 flow-control
// window.
#pragma once

#include "openduck/v1/openduck.grpc.pb.h"
#include "rpc/call_checks.hpp"

#include <grpcpp/support/sync_stream.h>

namespace openduck {

using HandshakeCall = grpc::ServerUnaryStreamer<openduck::v1::HandshakeRequest, openduck::v1::HandshakeResponse>;
using ExecuteFragmentCall =
    grpc::ServerSplitStreamer<openduck::v1::ExecuteFragmentRequest, openduck::v1::ExecuteFragmentResponse>;
using GetCatalogCall = grpc::ServerUnaryStreamer<openduck::v1::GetCatalogRequest, openduck::v1::GetCatalogResponse>;
using CancelExecutionCall =
    grpc::ServerUnaryStreamer<openduck::v1::CancelExecutionRequest, openduck::v1::CancelExecutionResponse>;
using RegisterWorkerCall =
    grpc::ServerUnaryStreamer<openduck::v1::RegisterWorkerRequest, openduck::v1::RegisterWorkerResponse>;
using HeartbeatCall = grpc::ServerUnaryStreamer<openduck::v1::HeartbeatRequest, openduck::v1::HeartbeatResponse>;
using ManageDatabaseCall =
    grpc::ServerUnaryStreamer<openduck::v1::ManageDatabaseRequest, openduck::v1::ManageDatabaseResponse>;

// Reads the call's one request when `admitted` (decided from the call's headers alone) is OK;
// otherwise returns `admitted` with the request unread.
template <class CALL, class REQUEST>
grpc::Status ReadAdmittedRequest(CALL &call, const grpc::Status &admitted, REQUEST &request) {
	if (!admitted.ok()) {
		return admitted;
	}
	if (!call.Read(&request)) {
		// gRPC does not say which: the caller went away (then nobody reads this), or its bytes do
		// not parse as the request (a client of an incompatible protocol, or a hostile one).
		return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
		                    "no valid " + request.GetTypeName() +
		                        " arrived: the request does not parse as one (is the client an OpenDuck "
		                        "client of a compatible version?), or the client went away");
	}
	return grpc::Status::OK;
}

// A unary method: when `admitted` is OK, reads the request, runs
// `handle(const REQUEST &, RESPONSE &)` and sends the response when it returned OK. The status
// returned is bounded (BoundedStatus).
template <class REQUEST, class RESPONSE, class HANDLE>
grpc::Status AnswerAdmitted(grpc::ServerUnaryStreamer<REQUEST, RESPONSE> &call, const grpc::Status &admitted,
                            HANDLE handle) {
	REQUEST request;
	auto status = ReadAdmittedRequest(call, admitted, request);
	if (!status.ok()) {
		return status;
	}
	RESPONSE response;
	status = handle(static_cast<const REQUEST &>(request), response);
	if (status.ok() && !call.Write(response)) {
		return grpc::Status(grpc::StatusCode::CANCELLED, "the caller went away before the response was sent");
	}
	return BoundedStatus(status);
}

} // namespace openduck
