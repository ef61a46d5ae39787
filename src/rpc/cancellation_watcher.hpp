// Notices when the caller of a synchronous gRPC call goes away (client cancel, deadline,
// connection reset), or when a call outlives a server-side deadline (statement timeout), while the handler thread is blocked somewhere gRPC cannot wake it: inside
// DuckDB computing the next chunk, or reading from an upstream worker. One background thread
// polls the registered calls and runs each one's callback once (interrupt the query, cancel the
// upstream call).
//
// Thread-safe. A Registration must be destroyed before its ServerContext and before whatever
// the callback touches; its destructor waits for a running callback to finish, so after it
// returns the callback never runs again.
#pragma once

#include <grpcpp/server_context.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <list>
#include <mutex>
#include <thread>

namespace openduck {

class CancellationWatcher {
	struct Entry {
		const grpc::ServerContext *context;
		std::function<void()> on_cancel;
		std::chrono::steady_clock::time_point deadline;
		bool fired;
	};

public:
	explicit CancellationWatcher(int poll_interval_ms = 20);
	~CancellationWatcher();
	CancellationWatcher(const CancellationWatcher &) = delete;
	CancellationWatcher &operator=(const CancellationWatcher &) = delete;

	class Registration {
	public:
		Registration(CancellationWatcher &watcher, std::list<Entry>::iterator entry)
		    : watcher_(&watcher), entry_(entry) {
		}
		~Registration();
		Registration(const Registration &) = delete;
		Registration &operator=(const Registration &) = delete;

	private:
		CancellationWatcher *watcher_;
		std::list<Entry>::iterator entry_;
	};

	// Runs `on_cancel` (on the watcher thread) once `context` reports IsCancelled() or, when
	// given, `deadline` passed (within the poll interval).
	Registration Watch(const grpc::ServerContext &context, std::function<void()> on_cancel,
	                   std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());

private:
	void Run();

	const int poll_interval_ms_;
	std::mutex mutex_;
	std::condition_variable wake_;
	std::list<Entry> entries_;
	bool stopping_ = false;
	std::thread thread_;
};

} // namespace openduck
