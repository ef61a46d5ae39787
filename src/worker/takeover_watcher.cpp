#include "worker/takeover_watcher.hpp"

#include "rpc/log.hpp"

namespace openduck {

TakeoverWatcher::TakeoverWatcher(DatabaseSet &databases, std::chrono::milliseconds interval, OnTaken on_taken)
    : databases_(databases), on_taken_(std::move(on_taken)),
      task_(interval, [this] { LookOnce(); }, false) {
}

void TakeoverWatcher::LookOnce() {
	try {
		auto taken = databases_.TakeOver();
		if (!taken.empty()) {
			for (auto &name : taken) {
				Log("took over database '" + name + "': its previous writer is gone; every commit it shipped "
				    "is restored");
			}
			on_taken_(taken);
		}
		last_failure_.clear();
	} catch (std::exception &ex) {
		// The metadata store may be down; say so once per distinct error, keep watching.
		if (last_failure_ != ex.what()) {
			last_failure_ = ex.what();
			Log(std::string("cannot look for databases to take over: ") + ex.what());
		}
	}
}

} // namespace openduck
