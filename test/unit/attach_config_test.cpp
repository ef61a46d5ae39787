#include "common/attach_config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>

namespace openduck {

class AttachConfigTest : public ::testing::Test {
protected:
	void SetUp() override {
		unsetenv("OPENDUCK_ENDPOINT");
		unsetenv("OPENDUCK_TOKEN");
		unsetenv("OPENDUCK_CA");
	}
};

TEST_F(AttachConfigTest, TlsFilesFromOptionsQueryAndEnvironment) {
	setenv("OPENDUCK_CA", "/env/ca.pem", 1);
	auto config = ParseAttachConfig("db?endpoint=https://h:1", {});
	EXPECT_TRUE(config.endpoint.tls);
	EXPECT_EQ(config.tls.ca_file, "/env/ca.pem");
	config = ParseAttachConfig("db?endpoint=https://h:1&ca=/q/ca.pem&client_cert=/q/c.pem&client_key=/q/k.pem", {});
	EXPECT_EQ(config.tls.ca_file, "/q/ca.pem");
	EXPECT_EQ(config.tls.cert_file, "/q/c.pem");
	EXPECT_EQ(config.tls.key_file, "/q/k.pem");
	config = ParseAttachConfig("db?ca=/q/ca.pem", {{"ca", "/o/ca.pem"}}, {{"ca", "/s/ca.pem"}});
	EXPECT_EQ(config.tls.ca_file, "/o/ca.pem");
	EXPECT_EQ(ParseAttachConfig("db", {}, {{"ca", "/s/ca.pem"}}).tls.ca_file, "/s/ca.pem");
	unsetenv("OPENDUCK_CA");
}

TEST_F(AttachConfigTest, DefaultsWithoutParameters) {
	auto config = ParseAttachConfig("mydb", {});
	EXPECT_EQ(config.database, "mydb");
	EXPECT_EQ(config.endpoint.Target(), "localhost:7878");
	EXPECT_EQ(config.token, "");
	EXPECT_EQ(config.snapshot, "");
}

TEST_F(AttachConfigTest, QueryStringIsDecoded) {
	auto config = ParseAttachConfig("sales?endpoint=http://10.0.0.5:9&token=a%26b%3Dc&snapshot=s1", {});
	EXPECT_EQ(config.database, "sales");
	EXPECT_EQ(config.endpoint.Target(), "10.0.0.5:9");
	EXPECT_EQ(config.token, "a&b=c");
	EXPECT_EQ(config.snapshot, "s1");
}

TEST_F(AttachConfigTest, PrecedenceOptionsThenQueryThenEnvironment) {
	setenv("OPENDUCK_ENDPOINT", "http://env:1", 1);
	setenv("OPENDUCK_TOKEN", "env-token", 1);
	EXPECT_EQ(ParseAttachConfig("db", {}).endpoint.Target(), "env:1");
	EXPECT_EQ(ParseAttachConfig("db", {}).token, "env-token");
	auto config = ParseAttachConfig("db?endpoint=http://query:2", {{"token", "option-token"}});
	EXPECT_EQ(config.endpoint.Target(), "query:2");
	EXPECT_EQ(config.token, "option-token");
	config = ParseAttachConfig("db?endpoint=http://query:2", {{"endpoint", "http://option:3"}});
	EXPECT_EQ(config.endpoint.Target(), "option:3");
	unsetenv("OPENDUCK_ENDPOINT");
	unsetenv("OPENDUCK_TOKEN");
}

TEST_F(AttachConfigTest, RejectsUnknownKeysAndMissingNames) {
	EXPECT_THROW(ParseAttachConfig("db?endpont=http://x:1", {}), std::invalid_argument);
	EXPECT_THROW(ParseAttachConfig("db", {{"colour", "blue"}}), std::invalid_argument);
	EXPECT_THROW(ParseAttachConfig("?token=x", {}), std::invalid_argument);
	EXPECT_THROW(ParseAttachConfig("db?token", {}), std::invalid_argument);
	EXPECT_THROW(ParseAttachConfig("db?endpoint=ftp://x:1", {}), std::invalid_argument);
	try {
		ParseAttachConfig("db?endpont=x", {});
	} catch (std::invalid_argument &ex) {
		EXPECT_NE(std::string(ex.what()).find("known options: endpoint, token, snapshot"), std::string::npos);
	}
}

TEST_F(AttachConfigTest, AccessIsReadOnlyOrReadWrite) {
	EXPECT_FALSE(ParseAttachConfig("db", {}).read_only);
	EXPECT_TRUE(ParseAttachConfig("db?access=read_only", {}).read_only);
	// ATTACH options win over the query string.
	EXPECT_FALSE(ParseAttachConfig("db?access=read_only", {{"access", "read_write"}}).read_only);
	try {
		ParseAttachConfig("db?access=readonly", {});
		FAIL() << "an unknown access mode was accepted";
	} catch (std::invalid_argument &ex) {
		EXPECT_NE(std::string(ex.what()).find("not one of read_only, read_write"), std::string::npos) << ex.what();
	}
}

} // namespace openduck
