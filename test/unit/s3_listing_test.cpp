// ParseS3Listing: what an S3-compatible server lists, including malformed pages.
#include "storage/s3_listing.hpp"

#include <gtest/gtest.h>

namespace openduck {
namespace {

TEST(S3ListingTest, ReadsObjectsAndTheContinuation) {
	auto page = ParseS3Listing(R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult><Name>b</Name><IsTruncated>true</IsTruncated>
<Contents><Key>p/layers/a&amp;b.layer</Key><LastModified>2026-01-02T03:04:05.000Z</LastModified><Size>42</Size></Contents>
<Contents><Key>p/x &amp;amp; y</Key><Size>0</Size></Contents>
<NextContinuationToken>tok&lt;1&gt;</NextContinuationToken></ListBucketResult>)",
	                           "s3://b");
	ASSERT_EQ(page.objects.size(), 2u);
	EXPECT_EQ(page.objects[0].key, "p/layers/a&b.layer");
	EXPECT_EQ(page.objects[0].size, 42u);
	EXPECT_EQ(page.objects[0].modified_unix, 1767323045);
	// Entities decode once: "&amp;amp;" is the text "&amp;".
	EXPECT_EQ(page.objects[1].key, "p/x &amp; y");
	// No readable time: the newest possible, so GC never takes it for an old orphan.
	EXPECT_EQ(page.objects[1].modified_unix, INT64_MAX);
	EXPECT_TRUE(page.truncated);
	EXPECT_EQ(page.continuation_token, "tok<1>");
}

TEST(S3ListingTest, AMalformedPageIsAnErrorOrEmptyNeverACrash) {
	try {
		ParseS3Listing("<Contents><Key>k</Key><Size>12x</Size></Contents>", "s3://b");
		FAIL() << "a size that is not a number was accepted";
	} catch (std::runtime_error &ex) {
		EXPECT_NE(std::string(ex.what()).find("s3://b listed object 'k' with size '12x'"), std::string::npos)
		    << ex.what();
	}
	EXPECT_THROW(ParseS3Listing("<Contents><Size>99999999999999999999999</Size></Contents>", "s3://b"),
	             std::runtime_error);
	EXPECT_THROW(ParseS3Listing("<Contents><Size>-1</Size></Contents>", "s3://b"), std::runtime_error);
	// Unclosed elements end where their object (or the page) ends.
	auto page = ParseS3Listing("<Contents><Key>a<Contents><Key>b</Key>", "s3://b");
	ASSERT_EQ(page.objects.size(), 2u);
	EXPECT_EQ(page.objects[1].key, "b");
	EXPECT_FALSE(ParseS3Listing("", "s3://b").truncated);
}

} // namespace
} // namespace openduck
