#include "worker/ipc_result_collector.hpp"

#include "arrow/ipc_stream_writer.hpp"
#include "arrow/row_bytes.hpp"
#include "common/wire_limits.hpp"

#include "duckdb/common/exception.hpp"
#include "duckdb/common/types/column/column_data_collection.hpp"
#include "duckdb/execution/physical_plan_generator.hpp"
#include "duckdb/main/materialized_query_result.hpp"
#include "duckdb/main/prepared_statement_data.hpp"

namespace openduck {

namespace {

// One thread's record batch in the making.
class EncodingState : public duckdb::LocalSinkState {
public:
	EncodingState(const duckdb::vector<duckdb::LogicalType> &types, const duckdb::vector<std::string> &names,
	              const duckdb::ClientProperties &wire)
	    : writer(types, names, wire) {
	}
	IpcStreamWriter writer;
};

void Flush(IpcStreamWriter &writer, ResultOutbox &outbox) {
	ResultOutbox::Batch batch;
	batch.raw_bytes = writer.BufferedBytes();
	batch.rows = writer.BufferedRows();
	batch.codec = outbox.NextCodec(batch.raw_bytes);
	writer.SetCompression(batch.codec);
	writer.FlushBatchTo(batch.payload);
	outbox.Push(std::move(batch));
}

} // namespace

IpcResultCollector::IpcResultCollector(duckdb::PhysicalPlan &physical_plan, duckdb::PreparedStatementData &data,
                                       bool parallel, std::shared_ptr<ResultOutbox> outbox,
                                       duckdb::ClientProperties wire, IpcBatchLimits limits)
    : PhysicalResultCollector(physical_plan, data), parallel_(parallel), outbox_(std::move(outbox)),
      wire_(std::move(wire)), limits_(limits) {
}

duckdb::get_result_collector_t IpcResultCollector::Factory(std::shared_ptr<ResultOutbox> outbox,
                                                           duckdb::ClientProperties wire, IpcBatchLimits limits,
                                                           bool any_row_order) {
	return [outbox, wire, limits, any_row_order](duckdb::ClientContext &context,
	                                             duckdb::PreparedStatementData &data) -> duckdb::PhysicalOperator & {
		auto &plan = *data.physical_plan;
		bool parallel = any_row_order || !duckdb::PhysicalPlanGenerator::PreserveInsertionOrder(context, plan.Root());
		return plan.Make<IpcResultCollector>(data, parallel, outbox, wire, limits);
	};
}

duckdb::SinkResultType IpcResultCollector::Sink(duckdb::ExecutionContext &, duckdb::DataChunk &chunk,
                                                duckdb::OperatorSinkInput &input) const {
	// Checked before the chunk is taken: DuckDB calls Sink again with the same chunk once the
	// task is called back.
	if (outbox_->ParkIfFull(input.interrupt_state)) {
		return duckdb::SinkResultType::BLOCKED;
	}
	// A pipeline's own chunk may hold dictionary and constant vectors.
	FlattenNestedColumns(chunk);
	auto &writer = input.local_state.Cast<EncodingState>().writer;
	RowBytes sizes(chunk);
	for (duckdb::idx_t offset = 0; offset < chunk.size();) {
		auto appended = writer.AppendWithin(chunk, sizes, offset, limits_.max_rows, limits_.max_bytes);
		if (writer.BufferedBytes() > kMaxPayloadBytes) {
			throw duckdb::InvalidInputException(
			    "a result row of about %llu bytes is larger than the %llu bytes OpenDuck sends at once",
			    (unsigned long long)writer.BufferedBytes(), (unsigned long long)kMaxPayloadBytes);
		}
		offset += appended;
		if (appended == 0 || writer.BufferedBytes() >= limits_.max_bytes ||
		    writer.BufferedRows() >= limits_.max_rows) {
			Flush(writer, *outbox_);
		}
	}
	return duckdb::SinkResultType::NEED_MORE_INPUT;
}

duckdb::SinkCombineResultType IpcResultCollector::Combine(duckdb::ExecutionContext &,
                                                          duckdb::OperatorSinkCombineInput &input) const {
	auto &writer = input.local_state.Cast<EncodingState>().writer;
	if (writer.BufferedRows() > 0) {
		Flush(writer, *outbox_);
	}
	return duckdb::SinkCombineResultType::FINISHED;
}

duckdb::SinkFinalizeType IpcResultCollector::Finalize(duckdb::Pipeline &, duckdb::Event &, duckdb::ClientContext &,
                                                      duckdb::OperatorSinkFinalizeInput &) const {
	outbox_->Finish();
	return duckdb::SinkFinalizeType::READY;
}

duckdb::unique_ptr<duckdb::LocalSinkState> IpcResultCollector::GetLocalSinkState(duckdb::ExecutionContext &) const {
	return duckdb::make_uniq<EncodingState>(types, names, wire_);
}

duckdb::unique_ptr<duckdb::GlobalSinkState> IpcResultCollector::GetGlobalSinkState(duckdb::ClientContext &) const {
	return duckdb::make_uniq<duckdb::GlobalSinkState>();
}

duckdb::unique_ptr<duckdb::QueryResult> IpcResultCollector::GetResult(duckdb::GlobalSinkState &) {
	// The rows left through the outbox; what remains is an empty result of the right shape.
	return duckdb::make_uniq<duckdb::MaterializedQueryResult>(
	    statement_type, properties, names,
	    duckdb::make_uniq<duckdb::ColumnDataCollection>(duckdb::Allocator::DefaultAllocator(), types), wire_);
}

} // namespace openduck
