#include "gateway/worker_registry.hpp"

#include "rpc/log.hpp"

#include <algorithm>
#include <set>

namespace openduck {

WorkerRegistry::WorkerRegistry(std::chrono::milliseconds heartbeat_interval) : heartbeat_interval_(heartbeat_interval) {
}

void WorkerRegistry::ExpireLocked(TimePoint now) {
	auto window = heartbeat_interval_ * kMissedHeartbeats;
	for (auto entry = workers_.begin(); entry != workers_.end();) {
		auto silent = now - entry->second.last_heartbeat;
		if (silent <= window) {
			++entry;
			continue;
		}
		Log("forgetting worker " + entry->first + " at " + entry->second.address + ": no heartbeat for " +
		    std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(silent).count()) + " ms");
		for (auto &database : entry->second.databases) {
			orphaned_[database] = OrphanedDatabase {entry->first, entry->second.address, now};
		}
		entry = workers_.erase(entry);
	}
}

bool WorkerRegistry::Register(const std::string &id, const std::string &address,
                              const std::vector<std::string> &databases, TimePoint now, bool replica,
                              std::map<std::string, CommitPosition> positions) {
	std::lock_guard<std::mutex> guard(mutex_);
	ExpireLocked(now);
	bool replaced = workers_.count(id) > 0;
	workers_[id] = RegisteredWorker {id, address, databases, now, replica, std::move(positions)};
	for (auto &database : databases) {
		orphaned_.erase(database);
	}
	return replaced;
}

bool WorkerRegistry::Heartbeat(const std::string &id, const std::vector<std::string> &databases, TimePoint now,
                               std::map<std::string, CommitPosition> positions) {
	std::lock_guard<std::mutex> guard(mutex_);
	ExpireLocked(now);
	auto entry = workers_.find(id);
	if (entry == workers_.end()) {
		return false;
	}
	entry->second.last_heartbeat = now;
	entry->second.databases = databases;
	entry->second.positions = std::move(positions);
	entry->second.unreachable = false;
	for (auto &database : databases) {
		orphaned_.erase(database);
	}
	return true;
}

void WorkerRegistry::AddDatabase(const std::string &id, const std::string &database, TimePoint now) {
	std::lock_guard<std::mutex> guard(mutex_);
	ExpireLocked(now);
	auto entry = workers_.find(id);
	if (entry == workers_.end()) {
		return;
	}
	auto &databases = entry->second.databases;
	if (std::find(databases.begin(), databases.end(), database) == databases.end()) {
		databases.push_back(database);
	}
}

std::optional<RegisteredWorker> WorkerRegistry::Route(const std::string &database, TimePoint now) {
	std::lock_guard<std::mutex> guard(mutex_);
	ExpireLocked(now);
	std::optional<RegisteredWorker> best;
	for (auto &entry : workers_) {
		auto &worker = entry.second;
		if (worker.replica ||
		    std::find(worker.databases.begin(), worker.databases.end(), database) == worker.databases.end()) {
			continue;
		}
		if (!best || worker.last_heartbeat > best->last_heartbeat) {
			best = worker;
		}
	}
	return best;
}

void WorkerRegistry::MarkUnreachable(const std::string &id) {
	std::lock_guard<std::mutex> guard(mutex_);
	auto entry = workers_.find(id);
	if (entry != workers_.end()) {
		entry->second.unreachable = true;
	}
}

std::optional<RegisteredWorker> WorkerRegistry::RouteToReplica(const std::string &database,
                                                               const CommitPosition &at_least, TimePoint now) {
	std::lock_guard<std::mutex> guard(mutex_);
	ExpireLocked(now);
	std::vector<const RegisteredWorker *> ready;
	for (auto &entry : workers_) {
		auto &worker = entry.second;
		auto position = worker.positions.find(database);
		if (worker.replica && !worker.unreachable && position != worker.positions.end() &&
		    !(position->second < at_least)) {
			ready.push_back(&worker);
		}
	}
	if (ready.empty()) {
		return std::nullopt;
	}
	return *ready[next_replica_++ % ready.size()];
}

std::pair<CommitPosition, uint32_t> WorkerRegistry::SplitTargets(const std::string &database,
                                                                 const CommitPosition &at_least, TimePoint now) {
	std::lock_guard<std::mutex> guard(mutex_);
	ExpireLocked(now);
	std::map<CommitPosition, uint32_t> replicas_at;
	for (auto &entry : workers_) {
		auto &worker = entry.second;
		auto position = worker.positions.find(database);
		if (worker.replica && !worker.unreachable && position != worker.positions.end() &&
		    !(position->second < at_least)) {
			replicas_at[position->second]++;
		}
	}
	std::pair<CommitPosition, uint32_t> best {CommitPosition {}, 0};
	for (auto &entry : replicas_at) { // ascending: a later position wins a tie
		if (entry.second >= best.second) {
			best = entry;
		}
	}
	return best;
}

std::optional<RegisteredWorker> WorkerRegistry::RouteToReplicaAt(const std::string &database,
                                                                 const CommitPosition &position, uint32_t index,
                                                                 TimePoint now) {
	std::lock_guard<std::mutex> guard(mutex_);
	ExpireLocked(now);
	std::vector<const RegisteredWorker *> at; // workers_ is ordered by id
	for (auto &entry : workers_) {
		auto &worker = entry.second;
		auto reported = worker.positions.find(database);
		if (worker.replica && !worker.unreachable && reported != worker.positions.end() &&
		    reported->second == position) {
			at.push_back(&worker);
		}
	}
	if (at.empty()) {
		return std::nullopt;
	}
	return *at[index % at.size()];
}

std::vector<RegisteredWorker> WorkerRegistry::LiveWorkers(TimePoint now) {
	std::lock_guard<std::mutex> guard(mutex_);
	ExpireLocked(now);
	std::vector<RegisteredWorker> live;
	for (auto &entry : workers_) {
		live.push_back(entry.second);
	}
	return live;
}

std::vector<std::string> WorkerRegistry::Databases(TimePoint now) {
	std::lock_guard<std::mutex> guard(mutex_);
	ExpireLocked(now);
	std::set<std::string> names;
	for (auto &entry : workers_) {
		names.insert(entry.second.databases.begin(), entry.second.databases.end());
	}
	return std::vector<std::string>(names.begin(), names.end());
}

std::optional<OrphanedDatabase> WorkerRegistry::Orphaned(const std::string &database, TimePoint now) {
	std::lock_guard<std::mutex> guard(mutex_);
	ExpireLocked(now);
	auto found = orphaned_.find(database);
	if (found == orphaned_.end()) {
		return std::nullopt;
	}
	return found->second;
}

} // namespace openduck
