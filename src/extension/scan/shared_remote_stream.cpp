#include "extension/scan/shared_remote_stream.hpp"

#include "duckdb/common/exception.hpp"
#include "extension/scan/remote_result.hpp"

namespace openduck {

using namespace duckdb;

SharedRemoteStream::SharedRemoteStream(ClientContext &context, std::function<std::unique_ptr<RemoteQuery>()> start,
                                       std::function<void(const vector<LogicalType> &)> on_schema)
    : start_(std::move(start)), on_schema_(std::move(on_schema)),
      interrupted_([&context]() { return context.interrupted.load(); }), counters_(QueryStats::Get(context).Current()),
      reader_(context) {
}

bool SharedRemoteStream::Adopt(std::unique_ptr<RemoteQuery> query, std::string *first_payload) {
	std::lock_guard<std::mutex> guard(lock_);
	query_ = std::move(query);
	if (first_payload) {
		FeedPayload(reader_, counters_, std::move(*first_payload));
	}
	return reader_.Finished();
}

bool SharedRemoteStream::Pull() {
	if (!query_) {
		query_ = start_();
		counters_.requests++;
		counters_.bytes_sent += query_->bytes_sent;
	}
	return FeedNextPayload(*query_, reader_, counters_, interrupted_);
}

bool SharedRemoteStream::TakeBatch(shared_ptr<ArrowArrayWrapper> &batch, idx_t &sequence) {
	std::lock_guard<std::mutex> guard(lock_);
	if (failure_.HasError()) {
		// Every scanning thread reports the stream's own error, not the ended stream it left.
		failure_.Throw();
	}
	try {
		return TakeBatchLocked(batch, sequence);
	} catch (std::exception &ex) {
		failure_ = ErrorData(ex);
		throw;
	}
}

bool SharedRemoteStream::TakeBatchLocked(shared_ptr<ArrowArrayWrapper> &batch, idx_t &sequence) {
	while (pending_.empty() && !finished_) {
		if (!Pull()) {
			if (!reader_.HasSchema()) {
				throw IOException("OpenDuck server ended a result stream without sending its schema");
			}
			finished_ = true;
		}
		if (reader_.HasSchema() && !schema_checked_) {
			on_schema_(reader_.Types());
			schema_checked_ = true;
		}
		for (auto &taken : reader_.TakeRecordBatches()) {
			pending_.push_back(std::move(taken));
		}
		if (reader_.Finished() && !finished_) {
			// Read the trailer so a late worker error is still reported.
			std::string rest;
			while (query_->NextPayload(rest, interrupted_)) {
			}
			finished_ = true;
		}
	}
	if (pending_.empty()) {
		return false;
	}
	batch = std::move(pending_.front());
	pending_.pop_front();
	sequence = next_sequence_++;
	counters_.rows += NumericCast<idx_t>(batch->arrow_array.length);
	return true;
}

void SharedRemoteStream::Convert(ArrowScanLocalState &scan, idx_t count, DataChunk &import, DataChunk &out) const {
	reader_.Convert(scan, count, import, out);
}

const vector<LogicalType> &SharedRemoteStream::ImportTypes() const {
	return reader_.ImportTypes();
}

} // namespace openduck
