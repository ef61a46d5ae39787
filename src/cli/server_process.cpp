#include "cli/server_process.hpp"

#include "worker/database_name.hpp"

#include <csignal>
#include <cstdlib>
#include <pthread.h>

namespace openduck {

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
	int received = 0;
	while (sigwait(&signals, &received) != 0) {
	}
	return received == SIGINT ? "SIGINT" : "SIGTERM";
}

std::string RequireToken(const ParsedOptions &options) {
	auto token = options.Get("token");
	if (token.empty()) {
		const char *env = std::getenv("OPENDUCK_TOKEN");
		token = env ? env : "";
	}
	if (token.empty()) {
		throw UsageError("a token is required: pass -t TOKEN or set OPENDUCK_TOKEN (clients must present the same "
		                 "token)");
	}
	return token;
}

std::string DataDir(const ParsedOptions &options) {
	if (options.Has("data-dir")) {
		return options.Get("data-dir");
	}
	const char *env = std::getenv("OPENDUCK_DATA_DIR");
	return env && *env ? env : "./openduck-data";
}

std::unique_ptr<DatabaseSet> OpenDatabases(StorageEngine &storage, const ParsedOptions &options) {
	auto requested = options.GetAll("database");
	for (auto &name : requested) {
		auto problem = DatabaseNameProblem(name);
		if (!problem.empty()) {
			throw UsageError(problem);
		}
	}
	auto databases = std::make_unique<DatabaseSet>(storage, requested);
	if (databases->Names().empty()) {
		throw UsageError("no databases to serve: name at least one with -d NAME (it is created in " +
		                 databases->Describe() + " when missing)");
	}
	return databases;
}

std::string JoinNames(const std::vector<std::string> &names) {
	std::string text;
	for (auto &name : names) {
		text += (text.empty() ? "" : ", ") + name;
	}
	return text.empty() ? "none" : text;
}

} // namespace openduck
