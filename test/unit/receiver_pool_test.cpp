// The extension's pool of receiving threads (extension/client/receiver_pool.hpp).
#include "extension/client/receiver_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace openduck {
namespace {

TEST(ReceiverPool, ThreadsAreReusedForJobsOneAfterAnother) {
	ReceiverPool::Start([]() {})->Join();
	auto threads = ReceiverPool::Threads();
	std::atomic<int> ran {0};
	for (int i = 0; i < 200; i++) {
		ReceiverPool::Start([&]() { ran++; })->Join();
	}
	EXPECT_EQ(ran, 200);
	// A job joined before the next starts leaves its thread idle for the next one: no new thread.
	EXPECT_LE(ReceiverPool::Threads(), threads);
}

TEST(ReceiverPool, ConcurrentJobsNeverWaitForEachOther) {
	// Each job blocks until all have started: jobs queued behind a busy thread would never start.
	constexpr int kJobs = 16;
	std::mutex lock;
	std::condition_variable changed;
	int started = 0;
	bool all_met = true;
	std::vector<std::shared_ptr<ReceiverJob>> jobs;
	for (int i = 0; i < kJobs; i++) {
		jobs.push_back(ReceiverPool::Start([&]() {
			std::unique_lock<std::mutex> guard(lock);
			started++;
			changed.notify_all();
			if (!changed.wait_for(guard, std::chrono::seconds(10), [&]() { return started == kJobs; })) {
				all_met = false;
			}
		}));
	}
	for (auto &job : jobs) {
		job->Join();
	}
	EXPECT_TRUE(all_met) << "only " << started << " of " << kJobs << " jobs ran at once";
	EXPECT_GE(ReceiverPool::Threads(), size_t(kJobs));
}

TEST(ReceiverPool, AJobKnowsItsThreadAndOutlivesItsHandle) {
	std::mutex lock;
	std::condition_variable changed;
	bool go = false, done = false, inside = false;
	std::shared_ptr<ReceiverJob> job;
	job = ReceiverPool::Start([&]() {
		std::unique_lock<std::mutex> guard(lock);
		changed.wait(guard, [&]() { return go; });
		inside = job->OnThisThread();
		job.reset(); // the last handle, dropped by the job itself while it runs
		done = true;
		changed.notify_all();
	});
	EXPECT_FALSE(job->OnThisThread());
	{
		std::lock_guard<std::mutex> guard(lock);
		go = true;
	}
	changed.notify_all();
	std::unique_lock<std::mutex> guard(lock);
	ASSERT_TRUE(changed.wait_for(guard, std::chrono::seconds(10), [&]() { return done; }));
	EXPECT_TRUE(inside);
}

// ThreadSanitizer does not support threads started in a child forked from a threaded process.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define OPENDUCK_UNDER_TSAN 1
#endif
#endif
#if !defined(__SANITIZE_THREAD__) && !defined(OPENDUCK_UNDER_TSAN)
TEST(ReceiverPool, AForkedChildGetsThreadsOfItsOwn) {
	// The parent's idle threads do not exist in a child: a job there must still run.
	ReceiverPool::Start([]() {})->Join();
	auto child = fork();
	ASSERT_GE(child, 0);
	if (child == 0) {
		std::atomic<bool> ran {false};
		ReceiverPool::Start([&]() { ran = true; })->Join();
		_exit(ran ? 0 : 1);
	}
	int status = 0;
	ASSERT_EQ(waitpid(child, &status, 0), child);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
#endif

} // namespace
} // namespace openduck
