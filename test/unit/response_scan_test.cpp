// A serialised response (what the gateway forwards without parsing) scans and counts exactly as
// the typed message: Arrow bytes of batches and pieces, an error's kind, nothing for Finished,
// whatever slices its bytes arrived in.
#include "rpc/response_scan.hpp"
#include "rpc/server_metrics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

using namespace openduck;
namespace pb = openduck::v1;

// `response`'s bytes in slices of `slice_bytes`, as gRPC may hand a received message over.
static grpc::ByteBuffer InSlices(const pb::ExecuteFragmentResponse &response, size_t slice_bytes) {
	auto bytes = response.SerializeAsString();
	std::vector<grpc::Slice> slices;
	for (size_t at = 0; at < bytes.size(); at += slice_bytes) {
		slices.emplace_back(bytes.data() + at, std::min(slice_bytes, bytes.size() - at));
	}
	return grpc::ByteBuffer(slices.data(), slices.size());
}

static std::vector<pb::ExecuteFragmentResponse> Responses() {
	std::vector<pb::ExecuteFragmentResponse> responses(5);
	responses[0].set_arrow_part(std::string(300000, 'p'));
	responses[1].set_arrow_batch(std::string(70000, 'b'));
	responses[2].mutable_finished()->set_rows(12);
	responses[2].mutable_finished()->set_bytes(370000);
	responses[2].mutable_finished()->mutable_position()->set_snapshot(3);
	responses[3].mutable_error()->set_type("Binder");
	responses[3].mutable_error()->set_message(std::string(5000, 'm'));
	// responses[4] is empty (an empty arrow_batch is not even on the wire)
	return responses;
}

TEST(ResponseScan, ReadsWhatTheTypedMessageSays) {
	for (auto &response : Responses()) {
		for (size_t slice_bytes : {size_t(1), size_t(7), size_t(1) << 20}) {
			auto scan = ScanResponse(InSlices(response, slice_bytes));
			EXPECT_EQ(scan.arrow_bytes, response.arrow_batch().size() + response.arrow_part().size());
			EXPECT_EQ(scan.has_error, response.has_error());
			EXPECT_EQ(scan.error.type(), response.error().type());
			EXPECT_EQ(scan.error.message(), response.error().message());
		}
	}
}

TEST(ResponseScan, MeteredQueryCountsRawAsTyped) {
	ServerMetrics typed, raw;
	{
		MeteredQuery typed_query(typed), raw_query(raw);
		typed_query.SetDatabase("db");
		raw_query.SetDatabase("db");
		for (auto &response : Responses()) {
			typed_query.CountResponse(response);
			raw_query.CountResponse(InSlices(response, 7));
		}
	}
	auto typed_summary = typed.Summaries().at("db");
	auto raw_summary = raw.Summaries().at("db");
	EXPECT_EQ(raw_summary.bytes_sent, 370000u);
	EXPECT_EQ(raw_summary.bytes_sent, typed_summary.bytes_sent);
	EXPECT_EQ(raw_summary.errors, 1u);
	EXPECT_NE(raw.PrometheusText().find("openduck_query_errors_total{database=\"db\",kind=\"Binder\"} 1"),
	          std::string::npos);
}
