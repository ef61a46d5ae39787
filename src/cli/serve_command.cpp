#include "cli/commands.hpp"
#include "cli/config_file.hpp"
#include "cli/log_options.hpp"
#include "cli/legacy_files.hpp"
#include "cli/server_process.hpp"
#include "cli/sandbox_options.hpp"
#include "cli/storage_options.hpp"
#include "cli/tls_options.hpp"
#include "common/endpoint.hpp"
#include "auth/access_checks.hpp"
#include "gateway/gateway_service.hpp"
#include "rpc/log.hpp"
#include "rpc/rpc_server.hpp"

namespace openduck {

const char *kServeHelp = R"(Usage: openduck serve -d NAME [-d NAME ...] -t TOKEN [options]

Runs a gateway and one worker in one process: the embedded single-machine server.
gRPC (for the DuckDB extension) and HTTP (GET /health, GET /metrics) share one port.

Options:
  -d, --database NAME   serve database NAME, created in the data dir when missing
                        (repeatable; databases already in the data dir, and those created
                        later with `openduck db` or openduck_create_database(), are served too)
  -t, --token TOKEN     the bootstrap admin token (default: $OPENDUCK_TOKEN; required); clients
                        may also use scoped tokens from `openduck token create`
      --token-file FILE read the token from FILE instead (keeps it out of `ps`)
      --cluster-secret-file FILE
                        lets additional `openduck worker`s register with this secret (default:
                        $OPENDUCK_CLUSTER_SECRET, else none: no worker may register); it must
                        differ from the client token
      --host HOST       address to listen on (default: 127.0.0.1)
      --port PORT       port to listen on (default: 7878; 0 picks a free port)
      --data-dir DIR    where database files live (default: $OPENDUCK_DATA_DIR or ./openduck-data)
      --metadata URL    snapshot metadata: sqlite:///path.db or postgresql://user@host:port/db
                        (default: $OPENDUCK_METADATA_URL or sqlite under the data dir)
      --store URL       layer objects: file:///dir or s3://bucket/prefix (AWS_* variables)
                        (default: $OPENDUCK_STORE_URL or a directory under the data dir)
      --layer-cache-mb N
                        sealed layer data kept in memory, shared by all databases (default 256;
                        0: every read goes to the store); /metrics shows how much it holds
      --heartbeat-ms N  heartbeat interval asked of additional workers (default: 2000)
      --snapshot-interval DURATION
                        snapshot each database at least this often while it has commits (a
                        CHECKPOINT; none while idle), so time travel has this granularity
                        (default: 60s; 0: none). A database's own interval (`openduck db set`)
                        wins
)";

int RunServe(const std::vector<std::string> &args) {
	std::vector<OptionSpec> specs {{"database", 'd', true},
	                                   {"token", 't', true},
	                                   {"token-file", 0, true},
	                                   {"cluster-secret-file", 0, true},
	                                   {"host", 0, true},
	                                   {"port", 0, true},
	                                   {"data-dir", 0, true},
	                                   {"heartbeat-ms", 0, true},
	                                   {"snapshot-interval", 0, true},
	                                   {"config", 0, true},
	                                   {"help", 'h', false}};
	for (auto &spec : StorageOptionSpecs()) {
		specs.push_back(spec);
	}
	for (auto &spec : SandboxOptionSpecs()) {
		specs.push_back(spec);
	}
	for (auto &spec : LogOptionSpecs()) {
		specs.push_back(spec);
	}
	for (auto &spec : TlsOptionSpecs(false)) {
		specs.push_back(spec);
	}
	auto options = ParseOptions(args, specs);
	if (options.Has("help")) {
		std::fputs(kServeHelp, stdout);
		std::fputs(kConfigOptionHelp, stdout);
		std::fputs(kTlsServerOptionsHelp, stdout);
		std::fputs(kLogOptionsHelp, stdout);
		std::fputs(kSandboxOptionsHelp, stdout);
		return 0;
	}
	ApplyConfigFile("serve", specs, options);
	ConfigureLogging(options, "openduck serve");
	auto token = RequireToken(options);
	auto cluster_secret = ClusterSecret(options, token);
	auto host = options.Get("host", "127.0.0.1");
	auto port = options.GetPort("port", kDefaultPort);
	auto heartbeat_ms = options.GetPositive("heartbeat-ms", 2000);
	auto snapshot_interval = SnapshotIntervalFrom(options);
	auto tls = TlsServerFrom(options);

	auto storage_config = StorageConfigFrom(options);
	auto authenticator = ServerAuthenticator(token, storage_config.metadata_url);
	storage_config.sandbox = SandboxFrom(options);
	StorageEngine storage(std::move(storage_config));
	storage.LockLocalDir();
	WarnAboutLegacyFiles(DataDir(options));
	auto databases = OpenDatabases(storage, options);
	auto where = databases->Describe();
	auto names = databases->Names();
	CancellationWatcher watcher;
	ServerMetrics metrics;
	ConfigureQueryLog(options, metrics);
	Worker worker(std::move(databases), watcher, WorkerLimitsFrom(options), &metrics);
	WorkerRegistry registry {std::chrono::milliseconds(heartbeat_ms)};
	GatewayService service(*authenticator, cluster_secret, registry, &worker, watcher, metrics);
	auto http_authorizer = HttpAuthorizerFor(*authenticator);
	RpcServer server(host, port, [&](const HttpRequest &request) {
		return StatusHttpResponse(request, "serve", http_authorizer, [&] { return service.WorkerStatuses(); },
		                          metrics);
	}, std::move(tls));
	server.Start(service, RpcServer::IdleThreads::kKeepAll);
	Log("listening on " + server.Url() + " (gRPC + HTTP), databases: " + JoinNames(names) +
	    ", data dir: " + where);
	auto snapshots = StartAutoSnapshots(worker.Databases(), snapshot_interval);

	auto signal = WaitForTerminationSignal();
	Log("received " + signal + ", shutting down");
	snapshots.reset();
	server.Shutdown();
	Log("stopped");
	return 0;
}

} // namespace openduck
