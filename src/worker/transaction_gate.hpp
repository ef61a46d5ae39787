// Where a database's new transactions wait while a checkpoint of it waits for the writing ones
// to end (worker/auto_snapshots.hpp).
//
// Under a steady stream of writers some transaction is always writing, so DuckDB's CHECKPOINT,
// which needs a moment with none, never runs. DuckDB's FORCE CHECKPOINT holds new transactions
// back inside DuckDB, after they took one of the worker's few statement places: the places fill
// with transactions that cannot start, and an open transaction's COMMIT, which would let the
// checkpoint run, waits for a place. Closing this gate holds new transactions (auto-commit
// statements, session OPENs) back before they take a connection or a place, so the open ones
// finish and the checkpoint runs. Statements of open transactions never wait here.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace openduck {

class TransactionGate {
public:
	// Holds a database's gate closed; reopens it when destroyed.
	class Closed {
	public:
		Closed(TransactionGate &gate, std::string database) : gate_(gate), database_(std::move(database)) {
		}
		~Closed();
		Closed(const Closed &) = delete;
		Closed &operator=(const Closed &) = delete;

	private:
		TransactionGate &gate_;
		const std::string database_;
	};

	// Closes `database`'s gate until the result is destroyed. REQUIRES: not closed already.
	std::unique_ptr<Closed> Close(const std::string &database);
	// Returns once `database`'s gate is open (at once when it is), or false as soon as `gone`
	// says the caller went away. `gone` is asked every kPoll while waiting.
	bool WaitOpen(const std::string &database, const std::function<bool()> &gone);

private:
	static constexpr std::chrono::milliseconds kPoll {50};

	std::mutex mutex_;
	std::condition_variable opened_;
	std::set<std::string> closed_; // guarded by mutex_
};

} // namespace openduck
