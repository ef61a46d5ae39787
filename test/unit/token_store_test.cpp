#include "auth/access_checks.hpp"
#include "auth/authenticator.hpp"
#include "auth/token_store.hpp"
#include "rpc/http_request.hpp"
#include "rpc/server_status.hpp"
#include "storage/sql_connection.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include <unistd.h>

namespace openduck {

class TokenStoreTest : public ::testing::Test {
protected:
	void SetUp() override {
		// The process id: ctest runs each test in a process of its own, two at a time, and gtest's
		// seed and this fixture's address repeat across them (under ASan both test processes got
		// the same directory and one failed with "database is locked").
		dir_ = std::filesystem::temp_directory_path() /
		       ("openduck-token-test-" + std::to_string(::getpid()) + "-" +
		        std::to_string(reinterpret_cast<uintptr_t>(this)));
		std::filesystem::create_directories(dir_);
		url_ = "sqlite://" + (dir_ / "metadata.sqlite").string();
		store_ = std::make_shared<TokenStore>(OpenSqlConnection(url_));
	}
	void TearDown() override {
		store_.reset();
		std::filesystem::remove_all(dir_);
	}
	std::filesystem::path dir_;
	std::string url_;
	std::shared_ptr<TokenStore> store_;
};

TEST_F(TokenStoreTest, TokensAreHashedScopedRevocableAndExpire) {
	auto secret = store_->Create("reader", "sales", Scope::kRead, 0);
	EXPECT_EQ(secret.rfind("odt_", 0), 0u);
	EXPECT_EQ(secret.size(), 4u + 64u);
	// Only the hash is stored.
	auto rows = OpenSqlConnection(url_)->Query("SELECT token_hash FROM access_token");
	ASSERT_EQ(rows.size(), 1u);
	EXPECT_EQ(rows[0][0], TokenStore::Hash(secret));
	EXPECT_EQ(rows[0][0].find(secret), std::string::npos);
	EXPECT_THROW(store_->Create("reader", "*", Scope::kAdmin, 0), std::invalid_argument);

	Authenticator authenticator("bootstrap-token", store_);
	std::string why;
	auto principal = authenticator.Authenticate(secret, why);
	ASSERT_TRUE(principal);
	EXPECT_EQ(principal->label, "reader");
	EXPECT_TRUE(principal->MaySee("sales"));
	EXPECT_FALSE(principal->MaySee("sales_archive"));
	EXPECT_FALSE(principal->Allows(Scope::kWrite));
	EXPECT_TRUE(authenticator.Authenticate("bootstrap-token", why)->Allows(Scope::kAdmin));
	EXPECT_FALSE(authenticator.Authenticate(secret + "x", why));
	EXPECT_EQ(why, "authentication failed: missing or invalid token");
	EXPECT_FALSE(authenticator.Authenticate("", why));

	store_->Revoke("reader");
	EXPECT_FALSE(authenticator.Authenticate(secret, why));
	EXPECT_NE(why.find("'reader' was revoked"), std::string::npos) << why;
	EXPECT_THROW(store_->Revoke("reader"), std::invalid_argument);

	auto expiring = store_->Create("short", "*", Scope::kWrite, 3600);
	EXPECT_TRUE(authenticator.Authenticate(expiring, why));
	OpenSqlConnection(url_)->Query("UPDATE access_token SET expires_at = 1 WHERE label = 'short'");
	EXPECT_FALSE(authenticator.Authenticate(expiring, why));
	EXPECT_NE(why.find("expired"), std::string::npos) << why;

	auto listed = store_->List();
	ASSERT_EQ(listed.size(), 2u);
	EXPECT_EQ(listed[0].label, "reader");
	EXPECT_NE(listed[0].revoked_at, 0);
	EXPECT_NE(listed[0].last_used_at, 0);
}

TEST_F(TokenStoreTest, HealthShowsOnlyWhatTheTokenMaySee) {
	auto sales = store_->Create("sales-admin", "sales", Scope::kAdmin, 0);
	Authenticator authenticator("bootstrap-token", store_);
	auto authorizer = HttpAuthorizerFor(authenticator);
	ServerMetrics metrics;
	auto workers = [] {
		return std::vector<WorkerStatus> {{"w1", "127.0.0.1:1", {"sales", "hr"}, 0}, {"w2", "127.0.0.1:2", {"hr"}, 0}};
	};
	HttpRequest request {"GET", "/health", "HTTP/1.1", "Bearer " + sales};
	auto text = StatusHttpResponse(request, "gateway", authorizer, workers, metrics);
	EXPECT_NE(text.find("\"sales\""), std::string::npos) << text;
	EXPECT_EQ(text.find("hr"), std::string::npos) << text;
	EXPECT_EQ(text.find("w2"), std::string::npos) << text;
	request.path = "/metrics";
	EXPECT_EQ(StatusHttpResponse(request, "gateway", authorizer, workers, metrics).rfind("HTTP/1.1 403", 0), 0u);
	request.authorization = "Bearer bootstrap-token";
	EXPECT_EQ(StatusHttpResponse(request, "gateway", authorizer, workers, metrics).rfind("HTTP/1.1 200", 0), 0u);
}

} // namespace openduck
