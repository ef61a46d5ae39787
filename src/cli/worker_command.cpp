#include "cli/commands.hpp"
#include "cli/config_file.hpp"
#include "cli/log_options.hpp"
#include "cli/legacy_files.hpp"
#include "cli/server_process.hpp"
#include "cli/sandbox_options.hpp"
#include "cli/storage_options.hpp"
#include "cli/tls_options.hpp"
#include "common/endpoint.hpp"
#include "rpc/log.hpp"
#include "rpc/rpc_server.hpp"
#include "worker/gateway_registration.hpp"
#include "worker/takeover_watcher.hpp"
#include "auth/access_checks.hpp"
#include "worker/worker_service.hpp"

#include <atomic>
#include <cstdlib>

namespace openduck {

const char *kWorkerHelp = R"(Usage: openduck worker --gateway http://HOST:PORT -t TOKEN -d NAME [options]

Runs a worker: serves its databases on its own port and registers them with the
gateway, which routes requests for them here. Keeps heartbeating; registers again
when the gateway restarts, and keeps retrying while it is down.

Options:
      --gateway URL     the gateway to register with (default: $OPENDUCK_ENDPOINT)
  -t, --token TOKEN     the bootstrap admin token, the gateway's (default: $OPENDUCK_TOKEN;
                        required); scoped tokens from `openduck token create` work too
      --token-file FILE read the token from FILE instead (keeps it out of `ps`)
      --cluster-secret-file FILE
                        the secret this worker registers with, the gateway's
                        (default: $OPENDUCK_CLUSTER_SECRET; required)
  -d, --database NAME   serve database NAME, created in the data dir when missing
                        (repeatable; databases already in the data dir, and those created
                        later, are served too and announced to the gateway by heartbeat;
                        with none, the worker starts as a standby, see Failover)
      --host HOST       address to listen on (default: 127.0.0.1)
      --port PORT       port to listen on (default: 0, a free port)
      --advertise HOST:PORT
                        address the gateway uses to reach this worker (default: HOST:PORT as
                        listened on; required with a wildcard --host; with --tls-cert the
                        gateway connects with TLS)
      --id ID           worker id shown by the gateway (default: the advertised address)
      --data-dir DIR    where database files live (default: $OPENDUCK_DATA_DIR or ./openduck-data)
      --metadata URL    snapshot metadata: sqlite:///path.db or postgresql://user@host:port/db
                        (default: $OPENDUCK_METADATA_URL or sqlite under the data dir)
      --store URL       layer objects: file:///dir or s3://bucket/prefix (AWS_* variables)
                        (default: $OPENDUCK_STORE_URL or a directory under the data dir)
      --layer-cache-mb N
                        sealed layer data kept in memory, shared by all databases (default 256;
                        0: every read goes to the store); /metrics shows how much it holds

Failover (workers sharing --metadata and --store):
      --lease-ttl SECONDS
                        a database's write lease lapses this long after its writer stops
                        renewing it (renewed every third of it; default: 3); a writer that
                        cannot renew in time stops committing
      --local-commits   keep commits since the last checkpoint on this machine only: faster
                        commits, but no other worker can take this worker's databases over.
                        Default: every commit is shipped to the stores before it is
                        acknowledged, and this worker takes over the databases of a worker
                        that died (their lease lapsed) if that worker shipped its commits too

Snapshots:
      --snapshot-interval DURATION
                        snapshot each database this worker writes at least this often while
                        it has commits (a CHECKPOINT; none while idle), so time travel has this
                        granularity (default: 60s; 0: none; 30s, 15m, 12h or seconds). A
                        database's own interval (`openduck db set`) wins

Read replicas (sharing --metadata and --store with the writers):
      --replica         serve every database of the stores read-only, at its latest shared
                        state (last checkpoint plus the commits its writer shipped), and follow
                        it; takes no lease and writes nothing. The gateway spreads reads of
                        hosts that attach READ_ONLY over the replicas that hold the host's own
                        commits, and sends the rest to the writer. No -d with --replica
      --follow-interval MS
                        how often a replica looks for new commits of its databases (default:
                        250); a commit is readable on a replica about this long after it is
                        acknowledged, plus the time to open the new state
)";

// Short, so a standby takes a dead worker's databases over within seconds (the target is 5 s).
static constexpr int kDefaultLeaseTtlSeconds = 3;
static constexpr std::chrono::milliseconds kTakeoverInterval {500};
static constexpr int kDefaultFollowIntervalMs = 250;

int RunWorker(const std::vector<std::string> &args) {
	std::vector<OptionSpec> specs {{"gateway", 0, true},
	                                   {"token", 't', true},
	                                   {"token-file", 0, true},
	                                   {"cluster-secret-file", 0, true},
	                                   {"database", 'd', true},
	                                   {"host", 0, true},
	                                   {"port", 0, true},
	                                   {"advertise", 0, true},
	                                   {"id", 0, true},
	                                   {"data-dir", 0, true},
	                                   {"config", 0, true},
	                                   {"lease-ttl", 0, true},
	                                   {"local-commits", 0, false},
	                                   {"replica", 0, false},
	                                   {"follow-interval", 0, true},
	                                   {"snapshot-interval", 0, true},
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
	for (auto &spec : TlsOptionSpecs(true)) {
		specs.push_back(spec);
	}
	auto options = ParseOptions(args, specs);
	if (options.Has("help")) {
		std::fputs(kWorkerHelp, stdout);
		std::fputs(kConfigOptionHelp, stdout);
		std::fputs(kTlsServerOptionsHelp, stdout);
		std::fputs(kTlsOutboundOptionHelp, stdout);
		std::fputs(kLogOptionsHelp, stdout);
		std::fputs(kSandboxOptionsHelp, stdout);
		return 0;
	}
	ApplyConfigFile("worker", specs, options);
	ConfigureLogging(options, "openduck worker");
	auto token = RequireToken(options);
	auto cluster_secret = ClusterSecret(options, token);
	if (cluster_secret.empty()) {
		throw UsageError("a cluster secret is required to register with the gateway: pass --cluster-secret-file FILE "
		                 "or set OPENDUCK_CLUSTER_SECRET (the gateway's)");
	}
	auto gateway_text = options.Get("gateway");
	if (gateway_text.empty()) {
		const char *env = std::getenv("OPENDUCK_ENDPOINT");
		gateway_text = env ? env : "";
	}
	if (gateway_text.empty()) {
		throw UsageError("the gateway is required: pass --gateway http://HOST:PORT or set OPENDUCK_ENDPOINT");
	}
	Endpoint gateway;
	try {
		gateway = ParseEndpoint(gateway_text);
	} catch (std::invalid_argument &ex) {
		throw UsageError(ex.what());
	}
	auto host = options.Get("host", "127.0.0.1");
	auto port = options.GetPort("port", 0);
	bool wildcard = host == "0.0.0.0" || host == "::" || host == "[::]";
	if (wildcard && !options.Has("advertise")) {
		throw UsageError("--host " + host + " listens on every interface; pass --advertise HOST:PORT to say where "
		                                    "the gateway reaches this worker");
	}

	auto tls = TlsServerFrom(options);
	bool serves_tls = tls != nullptr;
	auto gateway_tls = TlsClientFrom(options);

	auto storage_config = StorageConfigFrom(options);
	auto authenticator = ServerAuthenticator(token, storage_config.metadata_url);
	storage_config.sandbox = SandboxFrom(options);
	storage_config.lease_ttl_seconds = options.GetPositive("lease-ttl", kDefaultLeaseTtlSeconds);
	storage_config.ship_commits = !options.Has("local-commits");
	bool replica = options.Has("replica");
	if (replica && options.Has("database")) {
		throw UsageError("--replica serves every database of the stores read-only; drop -d (databases are created "
		                 "and written by writer workers)");
	}
	if (replica && options.Has("snapshot-interval")) {
		throw UsageError("--snapshot-interval applies to writers; a read replica writes nothing: drop it");
	}
	auto snapshot_interval = SnapshotIntervalFrom(options);
	if (!replica && options.Has("follow-interval")) {
		throw UsageError("--follow-interval applies to read replicas: add --replica, or drop it");
	}
	StorageEngine storage(std::move(storage_config));
	storage.LockLocalDir();
	WarnAboutLegacyFiles(DataDir(options));
	CancellationWatcher watcher;
	ServerMetrics metrics;
	ConfigureQueryLog(options, metrics);
	std::unique_ptr<Worker> served;
	std::string where;
	// Set once registration exists: a replica that moved forward heartbeats at once.
	std::atomic<GatewayRegistration *> announce {nullptr};
	if (replica) {
		auto follow = std::chrono::milliseconds(options.GetPositive("follow-interval", kDefaultFollowIntervalMs));
		storage.RemoveStaleReplicaFiles();
		where = storage.Metadata().Describe() + " (read replica)";
		auto advanced = [&announce] {
			if (auto *registration = announce.load()) {
				registration->HeartbeatNow();
			}
		};
		served = std::make_unique<Worker>(std::make_unique<ReplicaSet>(storage, follow, advanced), watcher,
		                                  WorkerLimitsFrom(options), &metrics);
	} else {
		auto databases = OpenDatabases(storage, options, storage.ShipsCommits());
		where = databases->Describe();
		served = std::make_unique<Worker>(std::move(databases), watcher, WorkerLimitsFrom(options), &metrics);
	}
	auto &worker = *served;
	auto names = worker.DatabaseNames();
	WorkerService service(*authenticator, worker, metrics);
	auto http_authorizer = HttpAuthorizerFor(*authenticator);
	WorkerStatus self;
	RpcServer server(host, port, [&](const HttpRequest &request) {
		return StatusHttpResponse(request, "worker", http_authorizer, [&] {
			auto now = self;
			now.databases = worker.DatabaseNames();
			now.replica = worker.IsReplica();
			now.positions = worker.ReplicaPositions();
			now.connections = metrics.Connections();
			return std::vector<WorkerStatus> {now};
		}, metrics);
	}, std::move(tls));
	// Bind first: with --port 0 the address to advertise is known only then, and `self` must be
	// complete before the HTTP responder can run.
	server.Bind();
	auto address = options.Get("advertise", server.Address());
	if (serves_tls && address.find("://") == std::string::npos) {
		// The gateway must know to call this worker over TLS.
		address = "https://" + address;
	}
	self = WorkerStatus {options.Get("id", address), address, names, 0};
	server.Start(service, RpcServer::IdleThreads::kKeepAll);
	WorkerIdentity identity {self.id, address, [&worker] { return worker.DatabaseNames(); }};
	if (replica) {
		identity.replica = true;
		identity.positions = [&worker] { return worker.ReplicaPositions(); };
	}
	GatewayRegistration registration(gateway, gateway_tls, cluster_secret, std::move(identity));
	Log("listening on " + server.Url() + " (gRPC + HTTP), worker " + self.id + ", databases: " +
	    JoinNames(names) + ", data dir: " + where + ", gateway: " + gateway.ToString());
	registration.Start();
	announce = &registration;
	std::unique_ptr<TakeoverWatcher> takeover;
	if (storage.ShipsCommits() && !replica) {
		// A few looks per lease TTL: the database is writable here soon after the lease expires.
		takeover = std::make_unique<TakeoverWatcher>(worker.Databases(), kTakeoverInterval,
		                                             [&registration](const std::vector<std::string> &) {
			                                             registration.HeartbeatNow();
		                                             });
	}

	auto snapshots = replica ? nullptr : StartAutoSnapshots(worker.Databases(), snapshot_interval);

	auto signal = WaitForTerminationSignal();
	Log("received " + signal + ", shutting down");
	snapshots.reset();
	takeover.reset();
	announce = nullptr;
	registration.Stop();
	server.Shutdown();
	// Joins a replica's follower while the registration it may notify still exists.
	served.reset();
	Log("stopped");
	return 0;
}

} // namespace openduck
