#include "worker/execution_registry.hpp"

namespace openduck {

std::unique_ptr<ExecutionRegistry::Entry> ExecutionRegistry::TryRegister(const std::string &id,
                                                                         FragmentExecutor &executor) {
	if (id.empty()) {
		return std::make_unique<Entry>(nullptr, id);
	}
	std::lock_guard<std::mutex> guard(mutex_);
	if (!running_.emplace(id, &executor).second) {
		return nullptr;
	}
	return std::make_unique<Entry>(this, id);
}

ExecutionRegistry::Entry::~Entry() {
	if (!registry_) {
		return;
	}
	std::lock_guard<std::mutex> guard(registry_->mutex_);
	registry_->running_.erase(id_);
}

bool ExecutionRegistry::Cancel(const std::string &id) {
	std::lock_guard<std::mutex> guard(mutex_);
	auto entry = running_.find(id);
	if (entry == running_.end()) {
		return false;
	}
	entry->second->Cancel();
	return true;
}

} // namespace openduck
