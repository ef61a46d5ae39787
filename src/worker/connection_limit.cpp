#include "worker/connection_limit.hpp"

namespace openduck {

ConnectionLimit::ConnectionLimit(int max_per_database, std::chrono::milliseconds max_wait, ServerMetrics *metrics)
    : max_per_database_(max_per_database), max_wait_(max_wait), metrics_(metrics) {
}

FairQueue &ConnectionLimit::QueueOf(const std::string &database) {
	std::lock_guard<std::mutex> guard(mutex_);
	auto &queue = queues_[database];
	if (!queue) {
		FairQueue::Publish publish;
		if (metrics_) {
			publish = [metrics = metrics_, database](int in_use, int waiting) {
				metrics->SetConnections(database, in_use, waiting);
			};
		}
		queue = std::make_unique<FairQueue>(max_per_database_, max_wait_, std::move(publish));
	}
	return *queue;
}

std::unique_ptr<ConnectionLimit::Lease> ConnectionLimit::Acquire(const std::string &database, const std::string &token,
                                                                 const std::function<bool()> &gone) {
	return QueueOf(database).Enter(token, gone);
}

} // namespace openduck
