#include "storage/postgres_connection.hpp"

#include <gtest/gtest.h>

namespace openduck {

TEST(RedactConnectionUriTest, CredentialsNeverShow) {
	EXPECT_EQ(RedactConnectionUri("postgresql://alice:s3cret@db:5432/meta"), "postgresql://alice:***@db:5432/meta");
	EXPECT_EQ(RedactConnectionUri("postgresql://alice@db/meta?password=s3cret&sslmode=require"),
	          "postgresql://alice@db/meta?password=***&sslmode=require");
	EXPECT_EQ(RedactConnectionUri("postgresql:///meta?host=/run/pg&PASSWORD=s3cret"),
	          "postgresql:///meta?host=/run/pg&PASSWORD=***");
	EXPECT_EQ(RedactConnectionUri("postgresql://db/meta?sslpassword=s3cret"), "postgresql://db/meta?sslpassword=***");
	EXPECT_EQ(RedactConnectionUri("host=db password=s3cret dbname=meta"), "host=db password=*** dbname=meta");
	EXPECT_EQ(RedactConnectionUri("postgresql://db/meta"), "postgresql://db/meta");
}

} // namespace openduck
