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
	}
};

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
	EXPECT_THROW(ParseAttachConfig("db?endpoint=https://x:1", {}), std::invalid_argument);
	try {
		ParseAttachConfig("db?endpont=x", {});
	} catch (std::invalid_argument &ex) {
		EXPECT_NE(std::string(ex.what()).find("known options: endpoint, token, snapshot"), std::string::npos);
	}
}

} // namespace openduck
