#include "worker/session_registry.hpp"

#include <chrono>

namespace openduck {

std::shared_ptr<Session> SessionRegistry::Create(const std::string &id, duckdb::DuckDB &database,
                                                 const std::string &database_name, const std::string &owner) {
	std::lock_guard<std::mutex> guard(mutex_);
	if (id.empty() || sessions_.count(id)) {
		return nullptr;
	}
	auto session = std::make_shared<Session>(database, database_name, owner);
	sessions_[id] = session;
	return session;
}

std::shared_ptr<Session> SessionRegistry::Find(const std::string &id) {
	std::lock_guard<std::mutex> guard(mutex_);
	auto entry = sessions_.find(id);
	return entry == sessions_.end() ? nullptr : entry->second;
}

void SessionRegistry::Remove(const std::string &id) {
	std::lock_guard<std::mutex> guard(mutex_);
	sessions_.erase(id);
}

void SessionRegistry::NotifyEnded() {
	std::lock_guard<std::mutex> guard(mutex_);
	ended_.notify_all();
}

void SessionRegistry::WaitUntilEnded(Session &session, const std::function<bool()> &stop) {
	while (true) {
		{
			std::lock_guard<std::mutex> session_guard(session.lock);
			if (session.ended) {
				return;
			}
		}
		if (stop()) {
			return;
		}
		std::unique_lock<std::mutex> guard(mutex_);
		ended_.wait_for(guard, std::chrono::milliseconds(100));
	}
}

} // namespace openduck
