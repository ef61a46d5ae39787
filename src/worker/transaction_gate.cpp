#include "worker/transaction_gate.hpp"

namespace openduck {

TransactionGate::Closed::~Closed() {
	{
		std::lock_guard<std::mutex> guard(gate_.mutex_);
		gate_.closed_.erase(database_);
	}
	gate_.opened_.notify_all();
}

std::unique_ptr<TransactionGate::Closed> TransactionGate::Close(const std::string &database) {
	std::lock_guard<std::mutex> guard(mutex_);
	closed_.insert(database);
	return std::make_unique<Closed>(*this, database);
}

bool TransactionGate::WaitOpen(const std::string &database, const std::function<bool()> &gone) {
	std::unique_lock<std::mutex> guard(mutex_);
	while (closed_.count(database)) {
		if (gone()) {
			return false;
		}
		opened_.wait_for(guard, kPoll);
	}
	return true;
}

} // namespace openduck
