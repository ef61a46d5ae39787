// What one statement and one token may take of a worker (openduck serve|worker options). A
// plain value, so the command line can build it without the worker's own headers.
#pragma once

namespace openduck {

struct WorkerLimits {
	// A statement running longer is interrupted (0: no limit); sessions themselves may stay open.
	int statement_timeout_seconds = 0;
	// Statements and open transactions one token may have running at once (0: no limit).
	int calls_per_token = 0;
	// Statements the worker runs at once (0: no limit); more wait in a queue fair between tokens
	// (worker/fair_queue.hpp) for up to queue_timeout_seconds.
	int max_running_statements = 0;
	// Connections of one database in use at once: auto-commit statements running plus open
	// transactions (0: no limit); more wait, fairly between tokens, for up to
	// queue_timeout_seconds (worker/connection_limit.hpp).
	int max_connections_per_database = 0;
	int queue_timeout_seconds = 60;
};

} // namespace openduck
