// `openduck status`: what a running gateway or serve says about its cluster (GET /status).
#include "cli/commands.hpp"
#include "cli/server_process.hpp"
#include "common/endpoint.hpp"
#include "common/token.hpp"

#include <curl/curl.h>

#include <cstdio>
#include <cstdlib>

namespace openduck {

const char *kStatusHelp = R"(Usage: openduck status [--endpoint URL] [-t TOKEN | --token-file FILE] [--tls-ca FILE]

Prints the cluster as the gateway (or serve) at URL sees it: its workers with their
addresses, last heartbeats and databases, the statements running and queued, and per
database its writer and the calls served (count, errors, mean time, MiB each way). A
token of one database sees only that database.

Options:
      --endpoint URL    the gateway or serve (default: $OPENDUCK_ENDPOINT, else http://localhost:7878)
  -t, --token TOKEN     any valid token (default: $OPENDUCK_TOKEN)
      --token-file FILE read the token from FILE instead
      --tls-ca FILE     PEM CA certificates of an https:// endpoint (default: $OPENDUCK_CA, else
                        the system's CAs)
  -h, --help            show this help
)";

static size_t Collect(char *data, size_t size, size_t count, void *body) {
	static_cast<std::string *>(body)->append(data, size * count);
	return size * count;
}

int RunStatus(const std::vector<std::string> &args) {
	std::vector<OptionSpec> specs {{"endpoint", 0, true},   {"token", 't', true}, {"token-file", 0, true},
	                               {"tls-ca", 0, true},     {"help", 'h', false}};
	auto options = ParseOptions(args, specs);
	if (options.Has("help")) {
		std::fputs(kStatusHelp, stdout);
		return 0;
	}
	auto endpoint_text = options.Get("endpoint");
	if (endpoint_text.empty()) {
		const char *env = std::getenv("OPENDUCK_ENDPOINT");
		endpoint_text = env && *env ? env : kDefaultEndpoint;
	}
	Endpoint endpoint;
	try {
		endpoint = ParseEndpoint(endpoint_text);
	} catch (std::invalid_argument &ex) {
		throw UsageError(std::string("--endpoint: ") + ex.what());
	}
	auto token = RequireToken(options);
	auto ca = options.Get("tls-ca");
	if (ca.empty()) {
		const char *env = std::getenv("OPENDUCK_CA");
		ca = env ? env : "";
	}
	auto url = endpoint.ToString() + "/status";
	std::unique_ptr<CURL, void (*)(CURL *)> curl(curl_easy_init(), curl_easy_cleanup);
	std::string body;
	auto header = "Authorization: " + BearerHeader(token);
	std::unique_ptr<curl_slist, void (*)(curl_slist *)> headers(curl_slist_append(nullptr, header.c_str()),
	                                                            curl_slist_free_all);
	curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
	curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
	curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, Collect);
	curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(curl.get(), CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
	if (!ca.empty()) {
		curl_easy_setopt(curl.get(), CURLOPT_CAINFO, ca.c_str());
	}
	auto result = curl_easy_perform(curl.get());
	if (result != CURLE_OK) {
		std::fprintf(stderr, "openduck status: cannot reach %s: %s\n", url.c_str(), curl_easy_strerror(result));
		return 1;
	}
	long code = 0;
	curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &code);
	if (code != 200) {
		std::fprintf(stderr, "openduck status: %s answered %ld: %s", url.c_str(), code, body.c_str());
		return 1;
	}
	std::fputs(body.c_str(), stdout);
	return 0;
}

} // namespace openduck
