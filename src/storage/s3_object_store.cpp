#include "storage/s3_object_store.hpp"
#include "storage/s3_listing.hpp"

#include "storage/posix_file.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <curl/curl.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdexcept>
#include <thread>

namespace openduck {

static std::string Env(const char *name, const std::string &fallback = "") {
	auto value = std::getenv(name);
	return value && *value ? std::string(value) : fallback;
}

S3Location S3Location::FromUrl(const std::string &url) {
	if (url.compare(0, 5, "s3://") != 0 || url.size() == 5) {
		throw std::runtime_error("object store URL '" + url + "' is not s3://bucket[/prefix]");
	}
	S3Location location;
	auto rest = url.substr(5);
	auto slash = rest.find('/');
	location.bucket = rest.substr(0, slash);
	if (slash != std::string::npos) {
		location.prefix = rest.substr(slash + 1);
		while (!location.prefix.empty() && location.prefix.back() == '/') {
			location.prefix.pop_back();
		}
	}
	location.endpoint = Env("AWS_ENDPOINT_URL_S3", Env("AWS_ENDPOINT_URL"));
	while (!location.endpoint.empty() && location.endpoint.back() == '/') {
		location.endpoint.pop_back();
	}
	location.region = Env("AWS_REGION", Env("AWS_DEFAULT_REGION", "us-east-1"));
	location.credentials.access_key = Env("AWS_ACCESS_KEY_ID");
	location.credentials.secret_key = Env("AWS_SECRET_ACCESS_KEY");
	location.credentials.session_token = Env("AWS_SESSION_TOKEN");
	if (location.credentials.access_key.empty() || location.credentials.secret_key.empty()) {
		throw std::runtime_error("object store " + url +
		                         ": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_ENDPOINT_URL for a "
		                         "non-AWS server)");
	}
	return location;
}

S3ObjectStore::S3ObjectStore(S3Location location) : location_(std::move(location)) {
	static const bool initialised = [] {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		return true;
	}();
	(void)initialised;
	if (location_.endpoint.empty()) {
		host_ = location_.bucket + ".s3." + location_.region + ".amazonaws.com";
		base_url_ = "https://" + host_;
	} else {
		auto scheme_end = location_.endpoint.find("://");
		if (scheme_end == std::string::npos) {
			throw std::runtime_error("AWS_ENDPOINT_URL '" + location_.endpoint + "' needs a scheme (http:// or https://)");
		}
		host_ = location_.endpoint.substr(scheme_end + 3);
		host_ = host_.substr(0, host_.find('/'));
		path_base_ = "/" + location_.bucket;
		base_url_ = location_.endpoint;
	}
}

std::string S3ObjectStore::Describe() const {
	return "s3://" + location_.bucket + (location_.prefix.empty() ? "" : "/" + location_.prefix) +
	       (location_.endpoint.empty() ? "" : " at " + location_.endpoint);
}

std::string S3ObjectStore::ObjectPath(const std::string &key) const {
	auto full = location_.prefix.empty() ? key : location_.prefix + "/" + key;
	return path_base_ + "/" + UriEncode(full, false);
}

static std::string AmzDate() {
	time_t now = time(nullptr);
	struct tm tm;
	gmtime_r(&now, &tm);
	char text[20];
	std::strftime(text, sizeof(text), "%Y%m%dT%H%M%SZ", &tm);
	return text;
}

static size_t CollectBody(char *data, size_t size, size_t count, void *target) {
	static_cast<std::string *>(target)->append(data, size * count);
	return size * count;
}

static size_t ReadFile(char *buffer, size_t size, size_t count, void *file) {
	return fread(buffer, 1, size * count, static_cast<FILE *>(file));
}

S3ObjectStore::Response S3ObjectStore::Send(const std::string &method, const std::string &object_path,
                                            const std::vector<std::pair<std::string, std::string>> &query,
                                            const std::vector<std::pair<std::string, std::string>> &extra_headers,
                                            const std::string &upload_path, const std::string &payload_sha256) {
	auto date = AmzDate();
	SigV4Request request;
	request.method = method;
	request.path = object_path;
	request.query = query;
	request.payload_sha256_hex = payload_sha256;
	request.headers = {{"host", host_}, {"x-amz-date", date}, {"x-amz-content-sha256", payload_sha256}};
	if (!location_.credentials.session_token.empty()) {
		request.headers.emplace_back("x-amz-security-token", location_.credentials.session_token);
	}
	for (auto &header : extra_headers) {
		request.headers.push_back(header);
	}
	auto authorization = SigV4Authorization(request, location_.credentials, location_.region, "s3", date);

	std::string url = base_url_ + object_path;
	std::string query_string;
	for (auto &entry : query) {
		query_string += (query_string.empty() ? "?" : "&") + UriEncode(entry.first, true) + "=" +
		                UriEncode(entry.second, true);
	}
	url += query_string;

	CURL *curl = curl_easy_init();
	if (!curl) {
		throw std::runtime_error("cannot create a curl handle");
	}
	curl_slist *headers = nullptr;
	for (auto &header : request.headers) {
		if (header.first != "host") {
			headers = curl_slist_append(headers, (header.first + ": " + header.second).c_str());
		}
	}
	headers = curl_slist_append(headers, ("Authorization: " + authorization).c_str());
	headers = curl_slist_append(headers, "Expect:"); // no 100-continue round trip
	Response response;
	FILE *upload = nullptr;
	curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, CollectBody);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
	if (method == "PUT") {
		upload = fopen(upload_path.c_str(), "rb");
		if (!upload) {
			curl_slist_free_all(headers);
			curl_easy_cleanup(curl);
			throw std::runtime_error("cannot open '" + upload_path + "' for upload");
		}
		fseek(upload, 0, SEEK_END);
		long size = ftell(upload);
		fseek(upload, 0, SEEK_SET);
		curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadFile);
		curl_easy_setopt(curl, CURLOPT_READDATA, upload);
		curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, curl_off_t(size));
	} else if (method != "GET") {
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
	}
	auto code = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	if (upload) {
		fclose(upload);
	}
	if (code != CURLE_OK) {
		response.status = 0;
		response.body = curl_easy_strerror(code);
	}
	return response;
}

S3ObjectStore::Response S3ObjectStore::SendWithRetry(const std::string &what, const std::string &method,
                                                     const std::string &object_path,
                                                     const std::vector<std::pair<std::string, std::string>> &query,
                                                     const std::vector<std::pair<std::string, std::string>> &headers,
                                                     const std::string &upload_path, const std::string &payload_sha256) {
	Response response;
	for (int attempt = 0; attempt < 4; attempt++) {
		if (attempt) {
			std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
		}
		response = Send(method, object_path, query, headers, upload_path, payload_sha256);
		if (response.status != 0 && response.status < 500) {
			return response;
		}
	}
	auto reason = response.status ? "HTTP " + std::to_string(response.status) + ": " + response.body.substr(0, 300)
	                               : response.body;
	throw std::runtime_error("object store " + Describe() + ": " + what + " failed after 4 attempts: " + reason);
}

static std::runtime_error Failed(const std::string &store, const std::string &what, long status,
                                 const std::string &body) {
	return std::runtime_error("object store " + store + ": " + what + ": HTTP " + std::to_string(status) + ": " +
	                          body.substr(0, 400));
}

static std::string FileSha256(const std::string &path) {
	auto file = PosixFile::Open(path, O_RDONLY);
	std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
	EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr);
	std::string buffer(1 << 20, '\0');
	uint64_t size = file.Size();
	for (uint64_t offset = 0; offset < size;) {
		uint64_t n = std::min<uint64_t>(buffer.size(), size - offset);
		file.ReadExactly(&buffer[0], n, offset);
		EVP_DigestUpdate(context.get(), buffer.data(), n);
		offset += n;
	}
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digest_size = 0;
	EVP_DigestFinal_ex(context.get(), digest, &digest_size);
	static const char digits[] = "0123456789abcdef";
	std::string out;
	for (unsigned int i = 0; i < digest_size; i++) {
		auto byte = digest[i];
		out.push_back(digits[byte >> 4]);
		out.push_back(digits[byte & 15]);
	}
	return out;
}

void S3ObjectStore::Put(const std::string &key, const std::string &source_path) {
	auto what = "put '" + key + "'";
	auto response = SendWithRetry(what, "PUT", ObjectPath(key), {}, {}, source_path, FileSha256(source_path));
	if (response.status != 200) {
		throw Failed(Describe(), what, response.status, response.body);
	}
}

std::string S3ObjectStore::GetRange(const std::string &key, uint64_t offset, uint64_t length) {
	if (length == 0) {
		return std::string();
	}
	auto what = "read " + std::to_string(length) + " bytes at " + std::to_string(offset) + " of '" + key + "'";
	auto range = "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1);
	auto response = SendWithRetry(what, "GET", ObjectPath(key), {}, {{"range", range}}, "", Sha256Hex(""));
	if (response.status != 206 && response.status != 200) {
		throw Failed(Describe(), what, response.status, response.body);
	}
	if (response.status == 200 && offset + length <= response.body.size()) {
		response.body = response.body.substr(offset, length); // a server that ignores Range
	}
	if (response.body.size() != length) {
		throw std::runtime_error("object store " + Describe() + ": " + what + ": got " +
		                         std::to_string(response.body.size()) + " bytes");
	}
	return response.body;
}

void S3ObjectStore::Delete(const std::string &key) {
	auto what = "delete '" + key + "'";
	auto response = SendWithRetry(what, "DELETE", ObjectPath(key), {}, {}, "", Sha256Hex(""));
	if (response.status != 204 && response.status != 200 && response.status != 404) {
		throw Failed(Describe(), what, response.status, response.body);
	}
}

std::vector<ObjectInfo> S3ObjectStore::List(const std::string &prefix) {
	std::vector<ObjectInfo> objects;
	auto full_prefix = location_.prefix.empty() ? prefix : location_.prefix + "/" + prefix;
	// The server-side prefix stops before the first '/': moto's signature check canonicalises
	// a '/' in a query value differently from AWS (even boto3's own requests fail there), and
	// a shorter prefix is equally correct, since the keys are filtered here.
	auto server_prefix = full_prefix.substr(0, full_prefix.find('/'));
	std::string token;
	while (true) {
		std::vector<std::pair<std::string, std::string>> query = {{"list-type", "2"}, {"prefix", server_prefix}};
		if (!token.empty()) {
			query.emplace_back("continuation-token", token);
		}
		auto response = SendWithRetry("list '" + prefix + "'", "GET", path_base_ + "/", query, {}, "", Sha256Hex(""));
		if (response.status != 200) {
			throw Failed(Describe(), "list '" + prefix + "'", response.status, response.body);
		}
		auto page = ParseS3Listing(response.body, Describe());
		for (auto &object : page.objects) {
			if (object.key.compare(0, full_prefix.size(), full_prefix) != 0) {
				continue;
			}
			if (!location_.prefix.empty()) {
				object.key = object.key.substr(location_.prefix.size() + 1);
			}
			objects.push_back(std::move(object));
		}
		token = page.continuation_token;
		if (!page.truncated || token.empty()) {
			break;
		}
	}
	return objects;
}

} // namespace openduck
