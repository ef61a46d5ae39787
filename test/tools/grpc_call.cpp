// Sends one request of raw bytes to an ExecutionService method and prints what came back, for
// the hostile-message tests (test/e2e/test_hostile_messages.py): a client that does not use our
// protobuf code, so requests can be malformed, oversized or carry invalid UTF-8.
//
//   openduck_grpc_call HOST:PORT TOKEN METHOD < request.bin
//
// prints one line per response message (its size and, for ExecuteFragment, its error) and then
// "status CODE MESSAGE". Exits 0 whatever the status; 2 on a usage error.
#include "openduck/v1/openduck.pb.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace {

// Waits for the completion of the operation tagged `tag`; false when it failed.
bool Await(grpc::CompletionQueue &queue, void *tag) {
	void *got = nullptr;
	bool ok = false;
	while (queue.Next(&got, &ok)) {
		if (got == tag) {
			return ok;
		}
	}
	return false;
}

std::string Text(const grpc::ByteBuffer &buffer) {
	std::vector<grpc::Slice> slices;
	buffer.Dump(&slices);
	std::string text;
	for (auto &slice : slices) {
		text.append(reinterpret_cast<const char *>(slice.begin()), slice.size());
	}
	return text;
}

} // namespace

int main(int argc, char **argv) {
	if (argc != 4) {
		std::fprintf(stderr, "usage: openduck_grpc_call HOST:PORT TOKEN METHOD < request.bin\n");
		return 2;
	}
	std::string method = argv[3];
	std::string request((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
	grpc::ChannelArguments args;
	args.SetMaxSendMessageSize(-1); // the point is to send what a server must refuse
	args.SetMaxReceiveMessageSize(-1);
	auto channel = grpc::CreateCustomChannel(argv[1], grpc::InsecureChannelCredentials(), args);
	grpc::GenericStub stub(channel);
	grpc::ClientContext context;
	context.AddMetadata("authorization", std::string("Bearer ") + argv[2]);
	grpc::CompletionQueue queue;
	auto call = stub.PrepareCall(&context, "/openduck.v1.ExecutionService/" + method, &queue);
	int start = 0, write = 0, read = 0, finish = 0;
	call->StartCall(&start);
	Await(queue, &start);
	grpc::Slice slice(request);
	grpc::ByteBuffer buffer(&slice, 1);
	call->WriteLast(buffer, grpc::WriteOptions(), &write);
	Await(queue, &write);
	grpc::ByteBuffer response;
	for (;;) {
		call->Read(&response, &read);
		if (!Await(queue, &read)) {
			break;
		}
		auto bytes = Text(response);
		std::printf("response %zu bytes", bytes.size());
		openduck::v1::ExecuteFragmentResponse parsed;
		if (method == "ExecuteFragment" && parsed.ParseFromString(bytes) && parsed.has_error()) {
			std::printf(" error %s: %s", parsed.error().type().c_str(), parsed.error().message().c_str());
		}
		std::printf("\n");
	}
	grpc::Status status;
	call->Finish(&status, &finish);
	Await(queue, &finish);
	std::printf("status %d %s\n", int(status.error_code()), status.error_message().c_str());
	return 0;
}
