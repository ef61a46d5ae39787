#include "extension/write/remote_write.hpp"

namespace openduck {

using namespace duckdb;

namespace {

class RemoteWriteSource : public GlobalSourceState {
public:
	ColumnDataScanState scan;
	bool initialized = false;
};

} // namespace

static std::string WithReturning(const std::string &sql, bool return_chunk) {
	return return_chunk ? sql + " RETURNING *" : sql;
}

void RemoteWriteState::Apply(ClientContext &context, const std::string &sql, bool return_chunk) {
	Record(ingest->RunAndDrop(context, WithReturning(sql, return_chunk)), return_chunk);
}

void RemoteWriteState::Apply(ClientContext &context, ODCatalog &catalog, const std::string &sql, bool return_chunk,
                             ExecuteOptions options) {
	Record(RunRemote(context, catalog, WithReturning(sql, return_chunk), std::move(options)), return_chunk);
}

void RemoteWriteState::Record(unique_ptr<ColumnDataCollection> rows, bool return_chunk) {
	if (return_chunk) {
		affected = rows->Count();
		returned = std::move(rows);
	} else {
		affected = SumCounts(*rows);
	}
}

RemoteWrite::RemoteWrite(PhysicalPlan &plan, vector<LogicalType> types, ODCatalog &catalog, bool return_chunk,
                         idx_t estimated_cardinality)
    : PhysicalOperator(plan, PhysicalOperatorType::EXTENSION, std::move(types), estimated_cardinality),
      catalog_(catalog), return_chunk_(return_chunk) {
}

std::unique_ptr<RemoteIngest> RemoteWrite::Prepare(std::unique_ptr<RemoteIngest> ingest) const {
	ingest->SetClientThread(client_thread_);
	return ingest;
}

unique_ptr<GlobalSourceState> RemoteWrite::GetGlobalSourceState(ClientContext &context) const {
	return make_uniq<RemoteWriteSource>();
}

SourceResultType RemoteWrite::GetData(ExecutionContext &context, DataChunk &chunk, OperatorSourceInput &input) const {
	auto &state = sink_state->Cast<RemoteWriteState>();
	if (!return_chunk_) {
		chunk.SetCardinality(1);
		chunk.SetValue(0, 0, Value::BIGINT(NumericCast<int64_t>(state.affected)));
		return SourceResultType::FINISHED;
	}
	auto &source = input.global_state.Cast<RemoteWriteSource>();
	if (!source.initialized) {
		state.returned->InitializeScan(source.scan);
		source.initialized = true;
	}
	state.returned->Scan(source.scan, chunk);
	return chunk.size() == 0 ? SourceResultType::FINISHED : SourceResultType::HAVE_MORE_OUTPUT;
}

} // namespace openduck
