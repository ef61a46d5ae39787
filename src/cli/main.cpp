// `openduck`: the server binary (serve | gateway | worker | version).
#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/server_process.hpp"
#include "cli/storage_commands.hpp"
#include "common/version.hpp"

#include "duckdb/main/database.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <malloc.h>
#include <thread>

namespace openduck {

static const char *kMainHelp = R"(Usage: openduck <command> [options]

OpenDuck: a self-hostable distributed DuckDB server. Attach its databases from any
DuckDB with the openduck extension: ATTACH 'openduck:NAME?endpoint=http://HOST:PORT' AS cloud.

Commands:
  serve     gateway + one worker in one process (the single-machine server)
  gateway   the gateway of a cluster; workers register with it
  worker    a worker of a cluster, registering with a gateway
  version   print the OpenDuck, protocol and DuckDB versions
  db        create | list | drop | undrop | clone databases
  snapshot  create | list | verify snapshots of a database
  gc        delete expired snapshots and unreferenced layers (--dry-run to preview)
  token     create | list | revoke scoped access tokens (read / write / admin, per database)
  status    print a running cluster: workers, databases, their writers and load

Run `openduck <command> --help` for a command's options.
)";

int RunVersion(const std::vector<std::string> &args) {
	if (!args.empty()) {
		throw UsageError("version takes no arguments");
	}
	std::printf("openduck %s\nprotocol %s\nDuckDB %s (library %s, source %s)\n", kVersion, kProtocolVersion,
	            kDuckDBVersion, duckdb::DuckDB::LibraryVersion(), duckdb::DuckDB::SourceID());
	return 0;
}

static int Main(int argc, char **argv) {
	// Before any thread exists (DuckDB and gRPC start their own), so all of them inherit the mask.
	BlockTerminationSignals();
	if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
	    std::strcmp(argv[1], "help") == 0) {
		std::fputs(kMainHelp, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	std::string command = argv[1];
	std::vector<std::string> args(argv + 2, argv + argc);
	const char *help = nullptr;
	try {
		if (command == "serve") {
			help = kServeHelp;
			return RunServe(args);
		}
		if (command == "gateway") {
			help = kGatewayHelp;
			return RunGateway(args);
		}
		if (command == "worker") {
			help = kWorkerHelp;
			return RunWorker(args);
		}
		if (command == "db") {
			help = kDbHelp;
			return RunDb(args);
		}
		if (command == "snapshot") {
			help = kSnapshotHelp;
			return RunSnapshot(args);
		}
		if (command == "token") {
			help = kTokenHelp;
			return RunToken(args);
		}
		if (command == "status") {
			help = kStatusHelp;
			return RunStatus(args);
		}
		if (command == "gc") {
			help = kGcHelp;
			return RunGc(args);
		}
		if (command == "version" || command == "--version") {
			return RunVersion(args);
		}
		std::fprintf(stderr, "openduck: unknown command '%s'\n\n%s", command.c_str(), kMainHelp);
		return 2;
	} catch (UsageError &ex) {
		std::fprintf(stderr, "openduck %s: %s\nRun 'openduck %s --help' for usage.\n", command.c_str(), ex.what(),
		             help ? command.c_str() : "");
		return 2;
	} catch (std::exception &ex) {
		std::fprintf(stderr, "openduck %s: %s\n", command.c_str(), ex.what());
		return 1;
	}
}

} // namespace openduck

int main(int argc, char **argv) {
	// Requests and result batches run to tens of MiB. glibc serves blocks that large with a
	// fresh mmap and unmaps them on free, so every request faulted in zeroed pages again (a
	// tenth of a worker's CPU during a bulk insert). Keeping them in the heap lets the next
	// request reuse the pages; what stays cached is bounded by the trim threshold.
	mallopt(M_MMAP_THRESHOLD, 64 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
	// glibc's default of 8 arenas per core scatters free memory over up to 16 arenas on two
	// cores, where it keeps the resident size growing around a flat live heap (measured in
	// common/free_heap.hpp). One arena per core (each thread still has its own cache of small
	// blocks in front of it), with the periodic trim, held the gateway at +2% over a 10-minute
	// soak at the same throughput. An operator's MALLOC_ARENA_MAX still decides.
	if (!std::getenv("MALLOC_ARENA_MAX")) {
		mallopt(M_ARENA_MAX, static_cast<int>(std::max(2u, std::thread::hardware_concurrency())));
	}
	return openduck::Main(argc, argv);
}
