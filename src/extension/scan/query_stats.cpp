#include "extension/scan/query_stats.hpp"

#include "extension/client/remote_client.hpp"

namespace openduck {

using namespace duckdb;

void QueryStats::QueryBegin(ClientContext &context) {
	current_.requests = 0;
	current_.bytes = 0;
	current_.rows = 0;
	current_.bytes_sent = 0;
	std::lock_guard<std::mutex> guard(lock_);
	query_id_.clear();
}

void QueryStats::QueryEnd() {
	last_requests = current_.requests;
	last_bytes = current_.bytes;
	last_rows = current_.rows;
	last_bytes_sent = current_.bytes_sent;
	std::lock_guard<std::mutex> guard(lock_);
	last_query_id = query_id_;
}

std::string QueryStats::QueryId() {
	std::lock_guard<std::mutex> guard(lock_);
	if (query_id_.empty()) {
		query_id_ = NewExecutionId();
	}
	return query_id_;
}

QueryStats &QueryStats::Get(ClientContext &context) {
	return *context.registered_state->GetOrCreate<QueryStats>(kKey);
}

namespace {

struct StatsState : public GlobalTableFunctionState {
	bool done = false;
};

unique_ptr<FunctionData> StatsBind(ClientContext &context, TableFunctionBindInput &input,
                                   vector<LogicalType> &return_types, vector<string> &names) {
	// bytes_sent last: columns are only ever added at the end.
	names = {"remote_requests", "bytes_received", "rows_received", "query_id", "bytes_sent"};
	return_types = {LogicalType::UBIGINT, LogicalType::UBIGINT, LogicalType::UBIGINT, LogicalType::VARCHAR,
	                LogicalType::UBIGINT};
	return make_uniq<TableFunctionData>();
}

unique_ptr<GlobalTableFunctionState> StatsInit(ClientContext &context, TableFunctionInitInput &input) {
	return make_uniq<StatsState>();
}

void StatsExecute(ClientContext &context, TableFunctionInput &input, DataChunk &output) {
	auto &state = input.global_state->Cast<StatsState>();
	if (state.done) {
		return;
	}
	state.done = true;
	auto &stats = QueryStats::Get(context);
	output.SetValue(0, 0, Value::UBIGINT(stats.last_requests));
	output.SetValue(1, 0, Value::UBIGINT(stats.last_bytes));
	output.SetValue(2, 0, Value::UBIGINT(stats.last_rows));
	// NULL when the statement sent no request
	output.SetValue(3, 0, stats.last_query_id.empty() ? Value() : Value(stats.last_query_id));
	output.SetValue(4, 0, Value::UBIGINT(stats.last_bytes_sent));
	output.SetCardinality(1);
}

} // namespace

TableFunction LastQueryStatsFunction() {
	return TableFunction("openduck_last_query_stats", {}, StatsExecute, StatsBind, StatsInit);
}

} // namespace openduck
