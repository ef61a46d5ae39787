#include "worker/takeover_watcher.hpp"

#include "rpc/log.hpp"

namespace openduck {

TakeoverWatcher::TakeoverWatcher(DatabaseSet &databases, std::chrono::milliseconds interval, OnTaken on_taken)
    : databases_(databases), interval_(interval), on_taken_(std::move(on_taken)) {
	thread_ = std::thread([this] { Run(); });
}

TakeoverWatcher::~TakeoverWatcher() {
	{
		std::lock_guard<std::mutex> guard(mutex_);
		stopping_ = true;
	}
	wake_.notify_all();
	thread_.join();
}

void TakeoverWatcher::Run() {
	std::string last_failure;
	std::unique_lock<std::mutex> lock(mutex_);
	while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
		lock.unlock();
		try {
			auto taken = databases_.TakeOver();
			if (!taken.empty()) {
				for (auto &name : taken) {
					Log("took over database '" + name + "': its previous writer is gone; every commit it shipped "
					    "is restored");
				}
				on_taken_(taken);
			}
			last_failure.clear();
		} catch (std::exception &ex) {
			// The metadata store may be down; say so once per distinct error, keep watching.
			if (last_failure != ex.what()) {
				last_failure = ex.what();
				Log(std::string("cannot look for databases to take over: ") + ex.what());
			}
		}
		lock.lock();
	}
}

} // namespace openduck
