// The plain-HTTP side of the shared server port: request parsing and the /health and /metrics
// answers.
#include "rpc/http_request.hpp"
#include "auth/access_checks.hpp"
#include "rpc/json_string.hpp"
#include "rpc/server_status.hpp"

#include <gtest/gtest.h>

#include <string>

namespace openduck {

TEST(ServerHttpRequestTest, ParsesRequestLineAndStripsQuery) {
	HttpRequestParser parser;
	std::string request = "GET /health?verbose=1 HTTP/1.1\r\nHost: x\r\nUser-Agent: curl\r\n\r\n";
	ASSERT_EQ(parser.Feed(request.data(), request.size()), HttpRequestParser::State::kComplete);
	EXPECT_EQ(parser.request().method, "GET");
	EXPECT_EQ(parser.request().path, "/health");
	EXPECT_EQ(parser.request().version, "HTTP/1.1");
}

TEST(ServerHttpRequestTest, AcceptsRequestSplitAcrossReads) {
	HttpRequestParser parser;
	std::string request = "GET /metrics HTTP/1.0\r\n\r\n";
	for (size_t i = 0; i + 1 < request.size(); i++) {
		ASSERT_EQ(parser.Feed(&request[i], 1), HttpRequestParser::State::kIncomplete) << "at byte " << i;
	}
	ASSERT_EQ(parser.Feed(&request.back(), 1), HttpRequestParser::State::kComplete);
	EXPECT_EQ(parser.request().path, "/metrics");
}

TEST(ServerHttpRequestTest, AcceptsBareLineFeeds) {
	HttpRequestParser parser;
	std::string request = "GET /health HTTP/1.1\nHost: x\n\n";
	ASSERT_EQ(parser.Feed(request.data(), request.size()), HttpRequestParser::State::kComplete);
	EXPECT_EQ(parser.request().path, "/health");
}

TEST(ServerHttpRequestTest, TheHeadEndsAtTheFirstEmptyLineHoweverTheBytesArrive) {
	// Found by http_request_fuzzer: whole, the request below was cut at the later CRLF blank
	// line and took the body's Authorization line for a header; read in pieces, it was not.
	std::string request = "GET /health HTTP/1.1\nHost: x\n\nAuthorization: Bearer t\r\n\r\n";
	HttpRequestParser whole;
	ASSERT_EQ(whole.Feed(request.data(), request.size()), HttpRequestParser::State::kComplete);
	EXPECT_EQ(whole.request().authorization, "");
	HttpRequestParser pieces;
	for (size_t i = 0; i < request.size() && pieces.state() == HttpRequestParser::State::kIncomplete; i++) {
		pieces.Feed(&request[i], 1);
	}
	ASSERT_EQ(pieces.state(), HttpRequestParser::State::kComplete);
	EXPECT_EQ(pieces.request().authorization, "");
	std::string crlf = "GET /metrics HTTP/1.1\r\nAuthorization: Bearer t\r\n\r\n";
	HttpRequestParser both;
	ASSERT_EQ(both.Feed(crlf.data(), crlf.size()), HttpRequestParser::State::kComplete);
	EXPECT_EQ(both.request().authorization, "Bearer t");
	EXPECT_EQ(both.request().version, "HTTP/1.1");
}

TEST(ServerHttpRequestTest, RejectsMalformedRequestLines) {
	for (std::string request : {"GET\r\n\r\n", "GET /x\r\n\r\n", "GET x HTTP/1.1\r\n\r\n", "GET /x FTP/1\r\n\r\n",
	                            " /x HTTP/1.1\r\n\r\n", "GET  /x HTTP/1.1\r\n\r\n", "GET /x HTTP/1.1 extra\r\n\r\n"}) {
		HttpRequestParser parser;
		EXPECT_EQ(parser.Feed(request.data(), request.size()), HttpRequestParser::State::kInvalid) << request;
	}
}

TEST(ServerHttpRequestTest, BoundsTheRequestSize) {
	HttpRequestParser parser;
	std::string line = "GET /health HTTP/1.1\r\n";
	parser.Feed(line.data(), line.size());
	std::string header = "X-Filler: " + std::string(1000, 'a') + "\r\n";
	HttpRequestParser::State state = HttpRequestParser::State::kIncomplete;
	for (int i = 0; i < 20 && state == HttpRequestParser::State::kIncomplete; i++) {
		state = parser.Feed(header.data(), header.size());
	}
	EXPECT_EQ(state, HttpRequestParser::State::kTooLarge);
	// Once decided, further input changes nothing.
	EXPECT_EQ(parser.Feed("\r\n\r\n", 4), HttpRequestParser::State::kTooLarge);
}

TEST(ServerHttpRequestTest, RendersResponseWithLength) {
	auto response = RenderHttpResponse(200, "application/json", "{}");
	EXPECT_EQ(response, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
	                    "Connection: close\r\n\r\n{}");
}

TEST(ServerStatusTest, HealthJsonListsWorkers) {
	std::vector<WorkerStatus> workers = {{"w1", "127.0.0.1:9001", {"sales", "ops"}, 150},
	                                     {"w2", "h:2", {}, 0},
	                                     {"r1", "h:3", {"sales"}, 5, true, {{"sales", {12, 3}}}}};
	auto json = HealthJson("gateway", workers);
	EXPECT_EQ(json.rfind("{\"status\":\"ok\",\"role\":\"gateway\",\"version\":", 0), 0u) << json;
	EXPECT_NE(json.find("\"protocol_version\":\"1\""), std::string::npos) << json;
	EXPECT_NE(json.find("\"duckdb_version\":\"v1.4.4\""), std::string::npos) << json;
	EXPECT_NE(json.find("\"workers\":[{\"id\":\"w1\",\"address\":\"127.0.0.1:9001\",\"databases\":[\"sales\",\"ops\"],"
	                    "\"last_heartbeat_ms_ago\":150,\"replica\":false},{\"id\":\"w2\",\"address\":\"h:2\","
	                    "\"databases\":[],\"last_heartbeat_ms_ago\":0,\"replica\":false},{\"id\":\"r1\","
	                    "\"address\":\"h:3\",\"databases\":[\"sales\"],\"last_heartbeat_ms_ago\":5,\"replica\":true,"
	                    "\"positions\":{\"sales\":{\"snapshot\":12,\"segments\":3}}}]}"),
	          std::string::npos)
	    << json;
}

TEST(ServerStatusTest, JsonStringEscapes) {
	EXPECT_EQ(JsonString("a\"b\\c\nd\x01 \xc3\xa9"), "\"a\\\"b\\\\c\\nd\\u0001 \xc3\xa9\"");
}

TEST(ServerStatusTest, AnswersHealthMetricsAndNotFound) {
	ServerMetrics metrics;
	{
		MeteredQuery query(metrics);
		query.SetDatabase("sales");
		openduck::v1::ExecuteFragmentRequest request;
		request.set_ingest_arrow(std::string(7, 'x'));
		query.CountRequest(request, "bootstrap");
		openduck::v1::ExecuteFragmentResponse batch;
		batch.set_arrow_batch(std::string(100, 'x'));
		query.CountResponse(batch);
		openduck::v1::ExecuteFragmentResponse error;
		error.mutable_error()->set_type("Catalog");
		query.CountResponse(error);
		query.MarkFailed("UNAVAILABLE"); // the first failure counts
		EXPECT_EQ(metrics.active_queries.load(), 1);
	}
	{
		MeteredQuery query(metrics);
		query.SetDatabase("sales");
	}
	{
		MeteredQuery unrouted(metrics);
		unrouted.MarkFailed(StatusKind(5));
	}
	HttpRequest request {"GET", "/metrics", "HTTP/1.1", "Bearer sekrit"};
	auto workers = [] { return std::vector<WorkerStatus> {}; };
	Authenticator authenticator("sekrit", nullptr);
	auto authorizer = HttpAuthorizerFor(authenticator);
	auto text = StatusHttpResponse(request, "serve", authorizer, workers, metrics);
	EXPECT_EQ(text.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
	for (auto line : {"openduck_queries_total{database=\"sales\"} 2", "openduck_queries_total{database=\"\"} 1",
	                  "openduck_query_errors_total{database=\"sales\",kind=\"Catalog\"} 1",
	                  "openduck_query_errors_total{database=\"\",kind=\"NOT_FOUND\"} 1",
	                  "openduck_bytes_sent_total{database=\"sales\"} 100",
	                  "openduck_bytes_received_total{database=\"sales\"} 7",
	                  "openduck_query_duration_seconds_bucket{database=\"sales\",le=\"+Inf\"} 2",
	                  "openduck_query_duration_seconds_count{database=\"sales\"} 2", "openduck_active_queries 0"}) {
		EXPECT_NE(text.find(std::string("\n") + line + "\n"), std::string::npos) << line << "\n" << text;
	}
	EXPECT_NE(text.find("# TYPE openduck_query_duration_seconds histogram\n"), std::string::npos);

	request.path = "/health";
	text = StatusHttpResponse(request, "serve", authorizer, workers, metrics);
	EXPECT_NE(text.find("Content-Type: application/json"), std::string::npos);
	EXPECT_NE(text.find("\"workers\":[]"), std::string::npos);

	request.path = "/other";
	EXPECT_EQ(StatusHttpResponse(request, "serve", authorizer, workers, metrics).rfind("HTTP/1.1 404 Not Found\r\n", 0),
	          0u);
}

// Without the token: liveness only, and the worker list is never even computed.
TEST(ServerStatusTest, AnonymousRequestsLearnNothing) {
	ServerMetrics metrics;
	bool listed = false;
	auto workers = [&] {
		listed = true;
		return std::vector<WorkerStatus> {{"w1", "127.0.0.1:1", {"secret_db"}, 0}};
	};
	Authenticator authenticator("sekrit", nullptr);
	auto authorizer = HttpAuthorizerFor(authenticator);
	for (auto authorization : {"", "Bearer wrong", "Bearer", "Bearer sekrit2"}) {
		HttpRequest request {"GET", "/health", "HTTP/1.1", authorization};
		auto text = StatusHttpResponse(request, "serve", authorizer, workers, metrics);
		EXPECT_NE(text.find("\r\n\r\n{\"status\":\"ok\"}\n"), std::string::npos) << text;
		EXPECT_EQ(text.find("secret_db"), std::string::npos) << text;
		request.path = "/metrics";
		text = StatusHttpResponse(request, "serve", authorizer, workers, metrics);
		EXPECT_EQ(text.rfind("HTTP/1.1 401 Unauthorized\r\n", 0), 0u) << text;
		EXPECT_NE(text.find("WWW-Authenticate: Bearer\r\n"), std::string::npos) << text;
	}
	EXPECT_FALSE(listed);
}

TEST(HttpRequestParserTest, ReadsTheAuthorizationHeader) {
	HttpRequestParser parser;
	std::string raw = "GET /health HTTP/1.1\r\nHost: x\r\nauthorization:   Bearer abc  \r\n\r\n";
	ASSERT_EQ(parser.Feed(raw.data(), raw.size()), HttpRequestParser::State::kComplete);
	EXPECT_EQ(parser.request().authorization, "Bearer abc");
	HttpRequestParser bare;
	std::string plain = "GET /health HTTP/1.1\n\n";
	ASSERT_EQ(bare.Feed(plain.data(), plain.size()), HttpRequestParser::State::kComplete);
	EXPECT_EQ(bare.request().authorization, "");
}

} // namespace openduck
