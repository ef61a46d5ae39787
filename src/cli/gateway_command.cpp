#include "cli/commands.hpp"
#include "cli/config_file.hpp"
#include "cli/log_options.hpp"
#include "cli/server_process.hpp"
#include "cli/tls_options.hpp"
#include "common/endpoint.hpp"
#include "auth/access_checks.hpp"
#include "gateway/gateway_service.hpp"
#include "rpc/log.hpp"
#include "rpc/rpc_server.hpp"

#include <cstdlib>

namespace openduck {

const char *kGatewayHelp = R"(Usage: openduck gateway -t TOKEN [options]

Runs a gateway without databases of its own: workers started with
`openduck worker --gateway http://HOST:PORT` (https:// with --tls-cert) register with it,
and it routes each request to the worker serving the requested database.
gRPC and HTTP (GET /health, GET /metrics) share one port.

Options:
  -t, --token TOKEN     the bootstrap admin token (default: $OPENDUCK_TOKEN; required); clients
                        may also use scoped tokens from `openduck token create`
      --token-file FILE read the token from FILE instead (keeps it out of `ps`)
      --cluster-secret-file FILE
                        the secret workers register with (default: $OPENDUCK_CLUSTER_SECRET);
                        it must differ from the client token; without one, no worker may register
      --host HOST       address to listen on (default: 127.0.0.1)
      --port PORT       port to listen on (default: 7878; 0 picks a free port)
      --heartbeat-ms N  heartbeat interval asked of workers; a worker silent for 3 intervals
                        is forgotten (default: 2000)
      --metadata URL    the workers' metadata store, where `openduck token` keeps scoped tokens
                        (default: $OPENDUCK_METADATA_URL; without it only the -t token is accepted)
)";

int RunGateway(const std::vector<std::string> &args) {
	std::vector<OptionSpec> specs {{"token", 't', true},      {"token-file", 0, true},   {"cluster-secret-file", 0, true},
	                               {"host", 0, true},        {"port", 0, true},         {"heartbeat-ms", 0, true},
	                               {"metadata", 0, true},    {"config", 0, true},       {"help", 'h', false}};
	for (auto &spec : TlsOptionSpecs(true)) {
		specs.push_back(spec);
	}
	for (auto &spec : LogOptionSpecs()) {
		specs.push_back(spec);
	}
	auto options = ParseOptions(args, specs);
	if (options.Has("help")) {
		std::fputs(kGatewayHelp, stdout);
		std::fputs(kConfigOptionHelp, stdout);
		std::fputs(kTlsServerOptionsHelp, stdout);
		std::fputs(kTlsOutboundOptionHelp, stdout);
		std::fputs(kLogOptionsHelp, stdout);
		std::fputs("  -h, --help            show this help\n", stdout);
		return 0;
	}
	ApplyConfigFile("gateway", specs, options);
	ConfigureLogging(options, "openduck gateway");
	auto token = RequireToken(options);
	auto cluster_secret = ClusterSecret(options, token);
	auto host = options.Get("host", "127.0.0.1");
	auto port = options.GetPort("port", kDefaultPort);
	auto heartbeat_ms = options.GetPositive("heartbeat-ms", 2000);
	auto tls = TlsServerFrom(options);
	auto worker_tls = TlsClientFrom(options);

	CancellationWatcher watcher;
	ServerMetrics metrics;
	ConfigureQueryLog(options, metrics);
	WorkerRegistry registry {std::chrono::milliseconds(heartbeat_ms)};
	// Scoped tokens live in the workers' metadata store; without it only the bootstrap token works.
	auto metadata = options.Get("metadata");
	if (metadata.empty()) {
		const char *env = std::getenv("OPENDUCK_METADATA_URL");
		metadata = env ? env : "";
	}
	auto authenticator = ServerAuthenticator(token, metadata);
	GatewayService service(*authenticator, cluster_secret, registry, nullptr, watcher, metrics, worker_tls);
	auto http_authorizer = HttpAuthorizerFor(*authenticator);
	RpcServer server(host, port, [&](const HttpRequest &request) {
		return StatusHttpResponse(request, "gateway", http_authorizer, [&] { return service.WorkerStatuses(); },
		                          metrics);
	}, std::move(tls));
	server.Start(service);
	Log("listening on " + server.Url() + " (gRPC + HTTP), heartbeat interval: " + std::to_string(heartbeat_ms) +
	    " ms");

	auto signal = WaitForTerminationSignal();
	Log("received " + signal + ", shutting down");
	server.Shutdown();
	Log("stopped");
	return 0;
}

} // namespace openduck
