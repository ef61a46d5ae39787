// The SigV4 signer against AWS's published test vectors: the Signature Version 4 test suite
// (get-vanilla, get-vanilla-query-order-key-case; credentials AKIDEXAMPLE) and the S3 API
// reference's "GET Object" example (sig-v4-header-based-auth).
#include "storage/sigv4.hpp"

#include <gtest/gtest.h>

namespace openduck {
namespace {

const SigV4Credentials kSuiteCredentials {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
const std::string kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(StorageSigV4, Sha256OfNothing) {
	EXPECT_EQ(Sha256Hex(""), kEmptySha256);
}

TEST(StorageSigV4, SuiteGetVanilla) {
	SigV4Request request {"GET", "/", {}, {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}},
	                      kEmptySha256};
	EXPECT_EQ(SigV4Authorization(request, kSuiteCredentials, "us-east-1", "service", "20150830T123600Z"),
	          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
	          "SignedHeaders=host;x-amz-date, "
	          "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(StorageSigV4, SuiteGetVanillaQueryOrderKeyCase) {
	SigV4Request request {"GET",
	                      "/",
	                      {{"Param2", "value2"}, {"Param1", "value1"}},
	                      {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}},
	                      kEmptySha256};
	EXPECT_EQ(SigV4Authorization(request, kSuiteCredentials, "us-east-1", "service", "20150830T123600Z"),
	          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
	          "SignedHeaders=host;x-amz-date, "
	          "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(StorageSigV4, S3GetObjectExample) {
	SigV4Request request {"GET",
	                      "/test.txt",
	                      {},
	                      {{"Host", "examplebucket.s3.amazonaws.com"},
	                       {"Range", "bytes=0-9"},
	                       {"x-amz-content-sha256", kEmptySha256},
	                       {"x-amz-date", "20130524T000000Z"}},
	                      kEmptySha256};
	std::string signed_headers;
	EXPECT_EQ(SigV4CanonicalRequest(request, signed_headers),
	          "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
	          "x-amz-content-sha256:" + kEmptySha256 + "\nx-amz-date:20130524T000000Z\n\n"
	          "host;range;x-amz-content-sha256;x-amz-date\n" + kEmptySha256);
	SigV4Credentials credentials {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
	auto authorization = SigV4Authorization(request, credentials, "us-east-1", "s3", "20130524T000000Z");
	EXPECT_NE(authorization.find("Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
	          std::string::npos)
	    << authorization;
}

TEST(StorageSigV4, UriEncoding) {
	EXPECT_EQ(UriEncode("a b/c~d", false), "a%20b/c~d");
	EXPECT_EQ(UriEncode("a b/c", true), "a%20b%2Fc");
	EXPECT_EQ(UriEncode("\xc3\xa9", true), "%C3%A9");
}

} // namespace
} // namespace openduck
