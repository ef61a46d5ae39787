// The config file's TOML subset: values of every kind, tables, and errors that name the line.
#include "cli/config_file.hpp"

#include <gtest/gtest.h>

namespace openduck {
namespace {

TEST(ConfigFileTest, ReadsEveryKindOfValue) {
	auto entries = ParseConfigText("# OpenDuck\n"
	                               "port = 7_878   # a comment\n"
	                               "data-dir = \"/srv/open duck\"\n"
	                               "\"token-file\" = 'C:\\keys\\t'\n"
	                               "database = [\"sales\", 'ops',\n"
	                               "  # more below\n"
	                               "  \"caf\\u00e9\\t\\\"x\\\"\",\n"
	                               "]\n"
	                               "help = false\r\n"
	                               "[worker]\n"
	                               "gateway = \"http://gw:7878\"\n",
	                               "od.toml");
	ASSERT_EQ(entries.size(), 6u);
	EXPECT_EQ(entries[0].key, "port");
	EXPECT_EQ(entries[0].values, std::vector<std::string> {"7878"});
	EXPECT_EQ(entries[1].values, std::vector<std::string> {"/srv/open duck"});
	EXPECT_EQ(entries[2].key, "token-file");
	EXPECT_EQ(entries[2].values, std::vector<std::string> {"C:\\keys\\t"});
	EXPECT_EQ(entries[3].values, (std::vector<std::string> {"sales", "ops", "caf\xc3\xa9\t\"x\""}));
	EXPECT_EQ(entries[3].line, 5);
	EXPECT_TRUE(entries[4].is_bool);
	EXPECT_EQ(entries[5].table, "worker");
	EXPECT_EQ(entries[5].line, 11);
}

TEST(ConfigFileTest, ErrorsNameTheLineAndTheFix) {
	auto error = [](const std::string &text) {
		try {
			ParseConfigText(text, "od.toml");
		} catch (UsageError &ex) {
			return std::string(ex.what());
		}
		return std::string("no error");
	};
	EXPECT_EQ(error("port = 1\nhost = localhost\n"),
	          "od.toml line 2: expected a value: a \"string\", an integer, true/false or an array [...], got "
	          "'localhost' (quote text values)");
	EXPECT_EQ(error("port = 1\nport = 2\n"), "od.toml line 2: 'port' is set twice");
	EXPECT_EQ(error("[client]\n"), "od.toml line 1: unknown table [client]: the tables are [serve], [gateway], "
	                               "[worker] and [gc]");
	EXPECT_EQ(error("host = \"a\" port = 1\n"),
	          "od.toml line 1: unexpected text after the value (one key = value per line)");
	EXPECT_EQ(error("host = \"a\n"), "od.toml line 1: unterminated string (missing \")");
	EXPECT_EQ(error("port 7878\n"), "od.toml line 1: expected '=' after the key 'port'");
	EXPECT_EQ(error("d = [\"a\" \"b\"]\n"), "od.toml line 1: expected ',' or ']' in the array of 'd'");
	EXPECT_EQ(error("x = \"\\q\"\n"), "od.toml line 1: unknown escape \\q in a string ('single quotes' take text as is)");
	EXPECT_EQ(error("port = 1.5\n"), "od.toml line 1: expected a value: a \"string\", an integer, true/false or an "
	                                  "array [...], got '1.5' (quote text values)");
}

} // namespace
} // namespace openduck
