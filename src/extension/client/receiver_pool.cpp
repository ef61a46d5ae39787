#include "extension/client/receiver_pool.hpp"

#include <deque>
#include <pthread.h>
#include <system_error>
#include <thread>

namespace openduck {

namespace {

// The job the calling thread is running, if it is a pool thread inside one.
thread_local const ReceiverJob *current_job = nullptr;

class Pool {
public:
	std::shared_ptr<ReceiverJob> Start(std::function<void()> function) {
		auto job = std::make_shared<ReceiverJob>(std::move(function));
		std::unique_lock<std::mutex> guard(lock_);
		// Each idle thread takes one pending job: a new thread unless one is left for this job.
		if (pending_.size() < idle_) {
			pending_.push_back(job);
			guard.unlock();
			wake_.notify_one();
			return job;
		}
		threads_++;
		guard.unlock();
		try {
			std::thread([this, job]() { Serve(job); }).detach();
		} catch (std::system_error &) {
			guard.lock();
			threads_--;
			throw;
		}
		return job;
	}

	size_t Threads() {
		std::lock_guard<std::mutex> guard(lock_);
		return threads_;
	}

private:
	void Serve(std::shared_ptr<ReceiverJob> job) {
		while (true) {
			job->Run();
			std::unique_lock<std::mutex> guard(lock_);
			// Idle before the job is seen done: a caller that joined it and starts the next one
			// gets this thread back.
			idle_++;
			job->MarkDone();
			job.reset();
			bool got = wake_.wait_for(guard, kReceiverIdleLife, [&]() { return !pending_.empty(); });
			idle_--;
			if (!got) {
				threads_--;
				return;
			}
			job = std::move(pending_.front());
			pending_.pop_front();
		}
	}

	std::mutex lock_;
	std::condition_variable wake_;
	std::deque<std::shared_ptr<ReceiverJob>> pending_;
	size_t idle_ = 0;
	size_t threads_ = 0;
};

// Never destroyed: detached threads wait on it until the process ends. A forked child gets a
// new one (the parent's threads, and maybe a held lock, are not in the child).
Pool *pool = nullptr;
std::once_flag pool_once;

Pool &ThePool() {
	std::call_once(pool_once, []() {
		pool = new Pool();
		pthread_atfork(nullptr, nullptr, []() { pool = new Pool(); });
	});
	return *pool;
}

} // namespace

void ReceiverJob::Run() {
	current_job = this;
	function_();
	current_job = nullptr;
	// The captures go now, not whenever the last handle does.
	function_ = nullptr;
}

void ReceiverJob::MarkDone() {
	{
		std::lock_guard<std::mutex> guard(lock_);
		done_ = true;
	}
	ended_.notify_all();
}

void ReceiverJob::Join() {
	std::unique_lock<std::mutex> guard(lock_);
	ended_.wait(guard, [&]() { return done_; });
}

bool ReceiverJob::OnThisThread() const {
	return current_job == this;
}

std::shared_ptr<ReceiverJob> ReceiverPool::Start(std::function<void()> function) {
	return ThePool().Start(std::move(function));
}

size_t ReceiverPool::Threads() {
	return ThePool().Threads();
}

} // namespace openduck
