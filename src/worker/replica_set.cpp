#include "worker/replica_set.hpp"

#include "common/failpoint.hpp"
#include "rpc/log.hpp"

#include <algorithm>

namespace openduck {

// Opening an instance slower than this is logged: it adds to the replica's staleness.
static constexpr std::chrono::milliseconds kSlowOpen {1000};

ReplicaSet::ReplicaSet(StorageEngine &storage, std::chrono::milliseconds refresh, std::function<void()> advanced)
    : storage_(storage), advanced_(std::move(advanced)), follower_(refresh, [this] { RefreshAll(); }, true, true) {
}

std::shared_ptr<ReplicaSet::Entry> ReplicaSet::EntryFor(const std::string &name) {
	std::lock_guard<std::mutex> guard(lock_);
	auto &entry = entries_[name];
	if (!entry) {
		entry = std::make_shared<Entry>();
	}
	return entry;
}

std::optional<ReplicaSet::Instance> ReplicaSet::Find(const std::string &name, const CommitPosition &at_least) {
	std::shared_ptr<Entry> entry;
	{
		std::lock_guard<std::mutex> guard(lock_);
		auto it = entries_.find(name);
		if (it != entries_.end()) {
			entry = it->second;
			if (entry->database && !(entry->position < at_least)) {
				return Instance {entry->database, entry->position};
			}
		}
	}
	if (!entry) {
		if (!storage_.Metadata().FindDatabase(name)) {
			return std::nullopt;
		}
		entry = EntryFor(name);
	}
	std::lock_guard<std::mutex> opening(entry->open_lock);
	RefreshLocked(name, *entry);
	std::lock_guard<std::mutex> guard(lock_);
	if (entry->position < at_least) {
		throw std::runtime_error("read replica: database '" + name + "' is shared up to " +
		                         entry->position.ToString() + ", behind " + at_least.ToString() +
		                         ", which this host already saw; its writer keeps commits local (--local-commits), "
		                         "so replicas reach them at its next CHECKPOINT: run one, or read from the writer "
		                         "(attach without READ_ONLY)");
	}
	return Instance {entry->database, entry->position};
}

std::optional<ReplicaSet::Instance> ReplicaSet::FindExact(const std::string &name, const CommitPosition &position) {
	Failpoint("replica.find_exact"); // tests: a replica that moved on between plan and part
	std::lock_guard<std::mutex> guard(lock_);
	auto it = entries_.find(name);
	if (it == entries_.end()) {
		return std::nullopt;
	}
	auto &entry = *it->second;
	if (entry.database && entry.position == position) {
		return Instance {entry.database, entry.position};
	}
	if (entry.previous && entry.previous_position == position) {
		return Instance {entry.previous, entry.previous_position};
	}
	return std::nullopt;
}

bool ReplicaSet::RefreshLocked(const std::string &name, Entry &entry) {
	auto latest = storage_.LatestPosition(name);
	{
		std::lock_guard<std::mutex> guard(lock_);
		if (entry.database && !(entry.position < latest)) {
			return false;
		}
	}
	auto started = std::chrono::steady_clock::now();
	CommitPosition position;
	std::shared_ptr<duckdb::DuckDB> database = storage_.OpenReplica(name, position);
	auto took = std::chrono::steady_clock::now() - started;
	if (took > kSlowOpen) {
		Log("replica: opening database '" + name + "' at " + position.ToString() + " took " +
		    std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()) + " ms");
	}
	std::shared_ptr<duckdb::DuckDB> replaced;
	{
		std::lock_guard<std::mutex> guard(lock_);
		if (entry.database && position < entry.position) {
			// OpenReplica gave up on a head that kept moving and restored an older state: keep
			// the newer one, so reads never go back in time.
			return false;
		}
		replaced = std::move(entry.previous);
		entry.previous = std::move(entry.database);
		entry.previous_position = entry.position;
		entry.replaced_at = std::chrono::steady_clock::now();
		entry.database = std::move(database);
		entry.position = position;
	}
	// `replaced` closes here unless requests still hold it; never under lock_.
	return true;
}

std::vector<std::string> ReplicaSet::Names() {
	std::vector<std::string> names;
	try {
		for (auto &db : storage_.Metadata().ListDatabases(false)) {
			if (db.head_snapshot) {
				names.push_back(db.name);
			}
		}
	} catch (std::exception &ex) {
		Log("replica: cannot list the databases of " + storage_.Metadata().Describe() +
		    ", announcing the open ones: " + ex.what());
		for (auto &entry : Positions()) {
			names.push_back(entry.first);
		}
	}
	std::sort(names.begin(), names.end());
	return names;
}

std::map<std::string, CommitPosition> ReplicaSet::Positions() {
	std::map<std::string, CommitPosition> positions;
	std::lock_guard<std::mutex> guard(lock_);
	for (auto &entry : entries_) {
		if (entry.second->database) {
			positions[entry.first] = entry.second->position;
		}
	}
	return positions;
}

void ReplicaSet::DropOldPrevious() {
	std::vector<std::shared_ptr<duckdb::DuckDB>> dropped; // closed after the lock is released
	auto now = std::chrono::steady_clock::now();
	std::lock_guard<std::mutex> guard(lock_);
	for (auto &entry : entries_) {
		if (entry.second->previous && now - entry.second->replaced_at > kPreviousKept) {
			dropped.push_back(std::move(entry.second->previous));
		}
	}
}

void ReplicaSet::RefreshAll() {
	// New databases are opened here too: the gateway routes reads to a replica only once it
	// reports a position for the database.
	std::vector<std::pair<std::string, std::shared_ptr<Entry>>> all;
	try {
		for (auto &db : storage_.Metadata().ListDatabases(false)) {
			if (db.head_snapshot) {
				all.emplace_back(db.name, EntryFor(db.name));
			}
		}
	} catch (std::exception &ex) {
		Log("replica: cannot list the databases of " + storage_.Metadata().Describe() + ": " + ex.what());
		return;
	}
	DropOldPrevious();
	bool advanced = false;
	for (auto &entry : all) {
		// A request refreshing it right now does the same work.
		std::unique_lock<std::mutex> opening(entry.second->open_lock, std::try_to_lock);
		if (!opening) {
			continue;
		}
		try {
			advanced = RefreshLocked(entry.first, *entry.second) || advanced;
			entry.second->last_error.clear();
		} catch (std::exception &ex) {
			// Said once per distinct failure: the follower retries every interval.
			if (entry.second->last_error != ex.what()) {
				entry.second->last_error = ex.what();
				Log("replica: cannot follow database '" + entry.first + "' (serving " +
				    (entry.second->database ? entry.second->position.ToString() : std::string("nothing yet")) +
				    "): " + ex.what());
			}
		}
	}
	if (advanced && advanced_) {
		advanced_();
	}
}

} // namespace openduck
