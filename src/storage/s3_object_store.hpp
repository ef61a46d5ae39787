// The object store on S3 or any S3-compatible server (MinIO, moto, ...): SigV4-signed HTTP
// over libcurl. Object `key` lives at s3://bucket/<prefix>/<key>. Puts stream the file
// (single PUT, atomic by S3's semantics); reads are Range GETs; List uses ListObjectsV2.
// With AWS_ENDPOINT_URL set, requests go path-style to that endpoint; otherwise to
// https://<bucket>.s3.<region>.amazonaws.com.
//
// Configuration comes from the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN (optional), AWS_REGION / AWS_DEFAULT_REGION (default us-east-1),
// AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL (optional).
//
// Thread-safe: every request uses its own curl handle. Transient failures (connection
// errors, 5xx) are retried a few times with backoff, since every operation is idempotent.
#pragma once

#include "storage/object_store.hpp"
#include "storage/sigv4.hpp"

namespace openduck {

struct S3Location {
	std::string endpoint; // "http://127.0.0.1:9000" or empty for AWS
	std::string region;
	std::string bucket;
	std::string prefix; // without leading/trailing '/'
	SigV4Credentials credentials;

	// From an s3://bucket/prefix URL and the AWS_* environment.
	static S3Location FromUrl(const std::string &url);
};

class S3ObjectStore : public ObjectStore {
public:
	explicit S3ObjectStore(S3Location location);

	void Put(const std::string &key, const std::string &source_path) override;
	std::string GetRange(const std::string &key, uint64_t offset, uint64_t length) override;
	void Delete(const std::string &key) override;
	std::vector<ObjectInfo> List(const std::string &prefix) override;
	std::string Describe() const override;

private:
	struct Response {
		long status = 0;
		std::string body;
	};
	// One signed request; `upload_path` streams a file as the body.
	Response Send(const std::string &method, const std::string &object_path,
	              const std::vector<std::pair<std::string, std::string>> &query,
	              const std::vector<std::pair<std::string, std::string>> &extra_headers, const std::string &upload_path,
	              const std::string &payload_sha256);
	Response SendWithRetry(const std::string &what, const std::string &method, const std::string &object_path,
	                       const std::vector<std::pair<std::string, std::string>> &query,
	                       const std::vector<std::pair<std::string, std::string>> &extra_headers,
	                       const std::string &upload_path, const std::string &payload_sha256);
	std::string ObjectPath(const std::string &key) const;

	S3Location location_;
	std::string base_url_; // scheme://host[:port][/bucket]
	std::string host_;     // as sent in the Host header
	std::string path_base_; // "/bucket" (path-style) or ""
};

} // namespace openduck
