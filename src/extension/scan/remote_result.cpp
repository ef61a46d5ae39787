#include "extension/scan/remote_result.hpp"

#include "duckdb/common/exception.hpp"
#include "extension/scan/query_stats.hpp"

namespace openduck {

RemoteResult::RemoteResult(duckdb::ClientContext &context, std::unique_ptr<RemoteQuery> query)
    : query_(std::move(query)), reader_(context), interrupted_([&context]() { return context.interrupted.load(); }),
      counters_(QueryStats::Get(context).Current()) {
	counters_.requests++;
	counters_.bytes_sent += query_->bytes_sent;
}

void FeedPayload(IpcStreamReader &reader, QueryCounters &counters, std::string payload) {
	counters.bytes += payload.size();
	reader.Feed(std::move(payload));
}

bool FeedNextPayload(RemoteQuery &query, IpcStreamReader &reader, QueryCounters &counters,
                     const std::function<bool()> &interrupted) {
	std::string payload;
	if (!query.NextPayload(payload, interrupted)) {
		return false;
	}
	FeedPayload(reader, counters, std::move(payload));
	return true;
}

bool RemoteResult::Pull() {
	return FeedNextPayload(*query_, reader_, counters_, interrupted_);
}

RemoteQuery::Poll RemoteResult::TryPull(const std::function<void()> &wake) {
	std::string payload;
	auto poll = query_->PollPayload(payload, wake);
	if (poll == RemoteQuery::Poll::kPayload) {
		FeedPayload(reader_, counters_, std::move(payload));
	}
	return poll;
}

RemoteResult::Poll RemoteResult::PollNext(duckdb::DataChunk &out, const std::function<void()> &wake) {
	while (true) {
		if (reader_.Next(out)) {
			counters_.rows += out.size();
			return Poll::kReady;
		}
		if (ended_) {
			return Poll::kEnded;
		}
		// Past the end of the Arrow stream the trailer is still read, so a late worker error is
		// reported.
		std::string rest;
		auto poll = reader_.Finished() ? query_->PollPayload(rest, wake) : TryPull(wake);
		if (poll == RemoteQuery::Poll::kWaiting) {
			return Poll::kWaiting;
		}
		if (poll == RemoteQuery::Poll::kEnded) {
			query_->AwaitWakeDone();
			return Poll::kEnded;
		}
	}
}

const duckdb::vector<duckdb::LogicalType> &RemoteResult::Types() {
	while (!reader_.HasSchema()) {
		if (!Pull()) {
			throw duckdb::IOException("OpenDuck server ended a result stream without sending its schema");
		}
	}
	return reader_.Types();
}

const duckdb::vector<std::string> &RemoteResult::Names() {
	Types();
	return reader_.Names();
}

bool RemoteResult::Next(duckdb::DataChunk &out) {
	while (true) {
		if (reader_.Next(out)) {
			counters_.rows += out.size();
			return true;
		}
		if (!Advance()) {
			return false;
		}
	}
}

void RemoteResult::Buffer(uint64_t bytes) {
	const auto until = query_->BytesReceived() + bytes;
	while (query_->BytesReceived() < until && Advance()) {
	}
}

bool RemoteResult::Advance() {
	if (!ended_) {
		// Past the end of the Arrow stream the trailer is still read, so a late worker error is
		// reported.
		std::string rest;
		ended_ = reader_.Finished() ? !query_->NextPayload(rest, interrupted_) : !Pull();
	}
	return !ended_;
}

} // namespace openduck
