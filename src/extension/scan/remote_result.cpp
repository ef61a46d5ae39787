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

bool FeedNextPayload(RemoteQuery &query, IpcStreamReader &reader, QueryCounters &counters,
                     const std::function<bool()> &interrupted) {
	std::string payload;
	if (!query.NextPayload(payload, interrupted)) {
		return false;
	}
	counters.bytes += payload.size();
	reader.Feed(std::move(payload));
	return true;
}

bool RemoteResult::Pull() {
	return FeedNextPayload(*query_, reader_, counters_, interrupted_);
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
		if (reader_.Finished()) {
			// Read the trailer so a late worker error is still reported.
			std::string rest;
			while (query_->NextPayload(rest, interrupted_)) {
			}
			return false;
		}
		if (!Pull()) {
			return false;
		}
	}
}

} // namespace openduck
