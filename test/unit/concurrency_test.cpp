// Our thread-safe parts under many threads at once: the worker registry (gateway calls and
// heartbeats), the server's metrics (calls finishing while /metrics renders), the per-token call
// limiter and the cancellation watcher. Each test checks the part's invariants; under
// ThreadSanitizer (scripts/sanitize.sh, -DOPENDUCK_TSAN=ON) they also prove the absence of data
// races, which is why they only touch code of ours: DuckDB is a prebuilt library TSan cannot see.
#include "gateway/worker_registry.hpp"
#include "rpc/cancellation_watcher.hpp"
#include "rpc/server_metrics.hpp"
#include "worker/token_call_limiter.hpp"

#include <grpcpp/server_context.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace openduck {

namespace {

constexpr int kThreads = 8;

// Runs `body(thread index)` on kThreads threads at once.
template <class BODY>
void OnThreads(BODY body) {
	std::vector<std::thread> threads;
	for (int t = 0; t < kThreads; t++) {
		threads.emplace_back([t, &body] { body(t); });
	}
	for (auto &thread : threads) {
		thread.join();
	}
}

} // namespace

TEST(ConcurrencyTest, RegistryRoutesWhileWorkersRegisterAndHeartbeat) {
	WorkerRegistry registry {std::chrono::milliseconds(1000)};
	std::atomic<int> routed {0};
	OnThreads([&](int t) {
		auto id = "w" + std::to_string(t % 4);
		for (int i = 0; i < 500; i++) {
			auto now = std::chrono::steady_clock::now();
			switch ((t + i) % 4) {
			case 0:
				registry.Register(id, "127.0.0.1:" + std::to_string(9000 + t), {"db" + std::to_string(t % 4)}, now);
				break;
			case 1:
				registry.Heartbeat(id, {"db" + std::to_string(t % 4), "shared"}, now);
				break;
			case 2:
				registry.AddDatabase(id, "new" + std::to_string(i % 3), now);
				break;
			default:
				if (auto worker = registry.Route("db" + std::to_string(i % 4), now)) {
					EXPECT_FALSE(worker->address.empty());
					routed++;
				}
			}
		}
	});
	EXPECT_GT(routed.load(), 0);
	// Every worker registered serves its own database.
	for (int w = 0; w < 4; w++) {
		auto worker = registry.Route("db" + std::to_string(w), std::chrono::steady_clock::now());
		ASSERT_TRUE(worker.has_value()) << w;
		EXPECT_EQ(worker->id, "w" + std::to_string(w));
	}
}

TEST(ConcurrencyTest, MetricsCountEveryCallWhileTheyRender) {
	ServerMetrics metrics;
	constexpr int kCalls = 2000;
	OnThreads([&](int t) {
		for (int i = 0; i < kCalls; i++) {
			if (t == 0 && i % 50 == 0) {
				EXPECT_NE(metrics.PrometheusText().find("openduck_queries_total"), std::string::npos);
				continue;
			}
			ServerMetrics::Query query;
			query.database = "db" + std::to_string(i % 3);
			query.error_kind = i % 7 == 0 ? "Catalog" : "";
			query.bytes_sent = 10;
			query.seconds = 0.001;
			metrics.Record(query);
			metrics.SetConnections(query.database, i % 5, 0);
		}
	});
	uint64_t queries = 0, bytes = 0;
	for (auto &entry : metrics.Summaries()) {
		queries += entry.second.queries;
		bytes += entry.second.bytes_sent;
	}
	uint64_t expected = uint64_t(kThreads - 1) * kCalls + (kCalls - kCalls / 50);
	EXPECT_EQ(queries, expected);
	EXPECT_EQ(bytes, expected * 10);
}

TEST(ConcurrencyTest, TokenCallLimiterNeverGrantsMoreThanItsLimit) {
	TokenCallLimiter limiter(3);
	std::atomic<int> holding {0}, most {0}, granted {0};
	OnThreads([&](int t) {
		for (int i = 0; i < 2000; i++) {
			auto slot = limiter.TryAcquire(t % 2 ? "a" : "b", std::chrono::milliseconds(t % 3));
			if (!slot) {
				continue;
			}
			granted++;
			int now = ++holding;
			int seen = most.load();
			while (now > seen && !most.compare_exchange_weak(seen, now)) {
			}
			holding--;
		}
	});
	EXPECT_GT(granted.load(), 0);
	// Two tokens of three places each.
	EXPECT_LE(most.load(), 6);
}

TEST(ConcurrencyTest, TokenCallLimiterWaitsOnlyForAPlaceBeingGivenBack) {
	TokenCallLimiter limiter(1);
	auto held = limiter.TryAcquire("a", std::chrono::milliseconds(0));
	ASSERT_TRUE(held);
	// Full, and nothing ends within the grace: refused.
	EXPECT_FALSE(limiter.TryAcquire("a", std::chrono::milliseconds(20)));
	// Another token is not held up by this one.
	EXPECT_TRUE(limiter.TryAcquire("b", std::chrono::milliseconds(0)));
	// The place held ends during the grace: granted.
	std::thread ending([&] {
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
		held.reset();
	});
	EXPECT_TRUE(limiter.TryAcquire("a", std::chrono::seconds(30)));
	ending.join();
}

TEST(ConcurrencyTest, CancellationWatcherFiresDeadlinesWhileCallsComeAndGo) {
	CancellationWatcher watcher(1);
	std::atomic<int> fired {0};
	OnThreads([&](int t) {
		for (int i = 0; i < 50; i++) {
			grpc::ServerContext context;
			bool expired = (t + i) % 2 == 0;
			auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(expired ? 0 : 60000);
			auto registration = watcher.Watch(context, [&fired] { fired++; }, deadline);
			if (expired) {
				auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
				while (fired.load() == 0 && std::chrono::steady_clock::now() < until) {
					std::this_thread::sleep_for(std::chrono::milliseconds(1));
				}
			}
		}
	});
	// Deadlines passed fire; registrations ended before theirs never do (each fired at most once).
	EXPECT_GT(fired.load(), 0);
	EXPECT_LE(fired.load(), kThreads * 50 / 2);
}

} // namespace openduck
