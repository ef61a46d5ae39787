#include "cli/server_process.hpp"

#include "cli/admin_arguments.hpp"
#include "common/free_heap.hpp"
#include "common/token.hpp"
#include "worker/database_name.hpp"

#include <cctype>
#include <fstream>
#include <sstream>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <pthread.h>

namespace openduck {

// How often a waiting server hands free heap pages back (common/free_heap.hpp): often enough
// that its resident memory follows its live heap, rarely enough that the request-sized buffers
// it keeps cached are faulted in again at most once per interval.
static constexpr time_t kFreeHeapIntervalSeconds = 5;

static sigset_t TerminationSignals() {
	sigset_t signals;
	sigemptyset(&signals);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGTERM);
	return signals;
}

void BlockTerminationSignals() {
	auto signals = TerminationSignals();
	pthread_sigmask(SIG_BLOCK, &signals, nullptr);
	std::signal(SIGPIPE, SIG_IGN);
}

std::string WaitForTerminationSignal() {
	auto signals = TerminationSignals();
	timespec wait_at_most {kFreeHeapIntervalSeconds, 0};
	while (true) {
		int received = sigtimedwait(&signals, nullptr, &wait_at_most);
		if (received == SIGINT || received == SIGTERM) {
			return received == SIGINT ? "SIGINT" : "SIGTERM";
		}
		if (received < 0 && errno == EAGAIN) {
			ReturnFreeHeapPages();
		}
	}
}

// The secret in `path`, without the line break editors add. Throws UsageError naming `option`.
static std::string ReadSecretFile(const std::string &option, const std::string &path) {
	std::ifstream file(path);
	if (!file) {
		throw UsageError(option + " " + path + ": cannot read the file");
	}
	std::stringstream text;
	text << file.rdbuf();
	auto secret = text.str();
	while (!secret.empty() && std::isspace(static_cast<unsigned char>(secret.back()))) {
		secret.pop_back();
	}
	if (secret.empty()) {
		throw UsageError(option + " " + path + ": the file is empty");
	}
	return secret;
}

std::string RequireToken(const ParsedOptions &options) {
	auto token = options.Get("token");
	if (token.empty() && options.Has("token-file")) {
		token = ReadSecretFile("--token-file", options.Get("token-file"));
	}
	if (token.empty()) {
		const char *env = std::getenv("OPENDUCK_TOKEN");
		token = env ? env : "";
	}
	if (token.empty()) {
		throw UsageError("a token is required: pass --token-file FILE, -t TOKEN or set OPENDUCK_TOKEN (clients must "
		                 "present the same token)");
	}
	return token;
}

std::string ClusterSecret(const ParsedOptions &options, const std::string &client_token) {
	std::string secret;
	if (options.Has("cluster-secret-file")) {
		secret = ReadSecretFile("--cluster-secret-file", options.Get("cluster-secret-file"));
	} else if (const char *env = std::getenv("OPENDUCK_CLUSTER_SECRET")) {
		secret = env;
	}
	if (!secret.empty() && TokensEqual(secret, client_token)) {
		throw UsageError("the cluster secret must differ from the client token: whoever holds a client token could "
		                 "otherwise register workers and receive other users' queries");
	}
	return secret;
}

std::unique_ptr<Authenticator> ServerAuthenticator(const std::string &token, const std::string &metadata_url) {
	std::shared_ptr<TokenStore> store;
	if (!metadata_url.empty()) {
		store = std::make_shared<TokenStore>(OpenSqlConnection(metadata_url));
	}
	return std::make_unique<Authenticator>(token, std::move(store));
}

std::string DataDir(const ParsedOptions &options) {
	if (options.Has("data-dir")) {
		return options.Get("data-dir");
	}
	const char *env = std::getenv("OPENDUCK_DATA_DIR");
	return env && *env ? env : "./openduck-data";
}

std::unique_ptr<DatabaseSet> OpenDatabases(StorageEngine &storage, const ParsedOptions &options,
                                           bool standby_allowed) {
	auto requested = options.GetAll("database");
	for (auto &name : requested) {
		auto problem = DatabaseNameProblem(name);
		if (!problem.empty()) {
			throw UsageError(problem);
		}
	}
	auto databases = std::make_unique<DatabaseSet>(storage, requested);
	if (databases->Names().empty() && !standby_allowed) {
		throw UsageError("no databases to serve: name at least one with -d NAME (it is created in " +
		                 databases->Describe() + " when missing)");
	}
	return databases;
}

// A minute: time travel to the minute, at most one layer and snapshot a minute per busy database.
static constexpr int64_t kDefaultSnapshotIntervalSeconds = 60;

int64_t SnapshotIntervalFrom(const ParsedOptions &options) {
	if (!options.Has("snapshot-interval")) {
		return kDefaultSnapshotIntervalSeconds;
	}
	return ParseDuration("snapshot-interval", options.Get("snapshot-interval"));
}

std::unique_ptr<AutoSnapshots> StartAutoSnapshots(DatabaseSet &databases, int64_t interval_seconds) {
	if (interval_seconds == 0) {
		return nullptr;
	}
	return std::make_unique<AutoSnapshots>(databases, interval_seconds);
}

std::string JoinNames(const std::vector<std::string> &names) {
	std::string text;
	for (auto &name : names) {
		text += (text.empty() ? "" : ", ") + name;
	}
	return text.empty() ? "none" : text;
}

} // namespace openduck
