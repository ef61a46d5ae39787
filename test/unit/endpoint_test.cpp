#include "common/endpoint.hpp"
#include "common/token.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace openduck {

TEST(EndpointTest, AcceptsTheFormsUsersWrite) {
	EXPECT_EQ(ParseEndpoint("http://127.0.0.1:9000").Target(), "127.0.0.1:9000");
	EXPECT_EQ(ParseEndpoint("grpc://db.example:1").Target(), "db.example:1");
	EXPECT_EQ(ParseEndpoint("localhost").Target(), "localhost:7878");
	EXPECT_EQ(ParseEndpoint("http://localhost/").Target(), "localhost:7878");
	EXPECT_EQ(ParseEndpoint("http://[::1]:5").Target(), "[::1]:5");
	EXPECT_EQ(ParseEndpoint("h:80").ToString(), "http://h:80");
	EXPECT_FALSE(ParseEndpoint("http://h:80").tls);
	EXPECT_TRUE(ParseEndpoint("https://h:443").tls);
	EXPECT_TRUE(ParseEndpoint("grpcs://h").tls);
	EXPECT_EQ(ParseEndpoint("https://h:443/").ToString(), "https://h:443");
}

TEST(EndpointTest, RejectsBadInputWithTheExpectedForm) {
	for (auto bad : {"", "http://", "http://h:0", "http://h:99999", "http://h:x", "ftp://h", "http://h/path",
	                 "https://h/path", "http://[::1"}) {
		try {
			ParseEndpoint(bad);
			FAIL() << "accepted " << bad;
		} catch (std::invalid_argument &ex) {
			EXPECT_NE(std::string(ex.what()).find("expected http://host:port"), std::string::npos) << ex.what();
		}
	}
}

TEST(TokenTest, ComparesWholeTokens) {
	EXPECT_TRUE(TokensEqual("secret", "secret"));
	EXPECT_TRUE(TokensEqual("", ""));
	EXPECT_FALSE(TokensEqual("secret", "secreT"));
	EXPECT_FALSE(TokensEqual("secret", "secret2"));
	EXPECT_FALSE(TokensEqual("", "x"));
	EXPECT_FALSE(TokensEqual(std::string("a\0b", 3), "a"));
	EXPECT_EQ(TokenFromHeader(BearerHeader("t0k")), "t0k");
	EXPECT_EQ(TokenFromHeader("raw"), "raw");
}

} // namespace openduck
