// Sessions: transactions that span several requests. A session owns one duckdb::Connection
// with an open transaction. Its lifetime is bound to the client's OPEN call: when that call
// ends without COMMIT or ROLLBACK (the host died or disconnected), the transaction is rolled
// back, so nothing half-written is ever committed.
//
// Thread-safe. Requests of one session are serialized by Session::lock.
#pragma once

#include "duckdb/main/connection.hpp"

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace openduck {

struct Session {
	Session(duckdb::DuckDB &database, std::string database_name, std::string owner)
	    : connection(database), database(std::move(database_name)), owner(std::move(owner)) {
	}

	duckdb::Connection connection;
	const std::string database;
	// The label of the token that opened it: only that token's requests may use it.
	const std::string owner;
	// Held while a statement of this session runs.
	std::mutex lock;
	// Set (under `lock`) once COMMIT or ROLLBACK ended the session.
	bool ended = false;
	// Set (under `lock`) when a SESSION_ACTION_FINAL_READ took the session: that read runs on
	// `connection` without holding `lock`, and ends the transaction (sets `ended`) itself.
	bool final_read = false;
	// Leading pieces of an ingest payload wider than one message (ingest_continues), under `lock`.
	std::string pending_ingest;
	// Settings and variables the host's setup_sql set on `connection`, under `lock`: the next
	// request resets those it no longer sets (hosts send only what differs from the defaults).
	std::set<std::string> applied_settings;
};

class SessionRegistry {
public:
	// nullptr when `id` is already in use.
	std::shared_ptr<Session> Create(const std::string &id, duckdb::DuckDB &database, const std::string &database_name,
	                                const std::string &owner);
	// nullptr when no session `id` is open.
	std::shared_ptr<Session> Find(const std::string &id);
	void Remove(const std::string &id);
	// Wakes the OPEN call of a session that ended.
	void NotifyEnded();
	// Blocks until the session ended or `stop()` returns true (checked every 100 ms).
	void WaitUntilEnded(Session &session, const std::function<bool()> &stop);

private:
	std::mutex mutex_;
	std::condition_variable ended_;
	std::map<std::string, std::shared_ptr<Session>> sessions_;
};

} // namespace openduck
