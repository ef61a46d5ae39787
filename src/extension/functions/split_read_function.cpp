#include "extension/functions/split_read_function.hpp"

#include "duckdb/common/exception.hpp"
#include "duckdb/common/exception/binder_exception.hpp"
#include "extension/catalog/od_catalog.hpp"
#include "extension/scan/not_serializable.hpp"
#include "extension/scan/received_types.hpp"
#include "extension/scan/remote_result.hpp"

#include <atomic>

namespace openduck {

using namespace duckdb;

namespace {

struct SplitReadBindData : public TableFunctionData {
	ODCatalog *catalog = nullptr;
	vector<std::string> parts;
	CommitPosition position;
	vector<LogicalType> types;

	unique_ptr<FunctionData> Copy() const override {
		auto copy = make_uniq<SplitReadBindData>();
		copy->catalog = catalog;
		copy->parts = parts;
		copy->position = position;
		copy->types = types;
		return std::move(copy);
	}
	bool Equals(const FunctionData &other_p) const override {
		auto &other = other_p.Cast<SplitReadBindData>();
		return catalog == other.catalog && parts == other.parts && position == other.position;
	}
};

struct SplitReadGlobalState : public GlobalTableFunctionState {
	// One per part, or one for the UNION ALL of the parts; each read by one thread at a time.
	vector<std::unique_ptr<RemoteResult>> results;
	std::atomic<idx_t> next_result {0};

	idx_t MaxThreads() const override {
		return results.size();
	}
};

struct SplitReadLocalState : public LocalTableFunctionState {
	optional_idx current;
};

unique_ptr<FunctionData> SplitReadBind(ClientContext &context, TableFunctionBindInput &input,
                                       vector<LogicalType> &return_types, vector<string> &names) {
	for (auto &argument : input.inputs) {
		if (argument.IsNull()) {
			throw BinderException("%s arguments cannot be NULL", kSplitReadFunction);
		}
	}
	auto bind = make_uniq<SplitReadBindData>();
	auto name = input.inputs[0].GetValue<string>();
	auto catalog = ODCatalog::Find(context, name);
	if (!catalog) {
		throw BinderException("%s: \"%s\" is not an attached OpenDuck database", kSplitReadFunction, name);
	}
	bind->catalog = catalog.get();
	for (auto &part : ListValue::GetChildren(input.inputs[1])) {
		bind->parts.push_back(part.GetValue<string>());
	}
	if (bind->parts.empty()) {
		throw BinderException("%s needs at least one part", kSplitReadFunction);
	}
	bind->position = CommitPosition {input.inputs[2].GetValue<int64_t>(), input.inputs[3].GetValue<int64_t>()};
	// Every part has the first one's columns; describing it was cached when the split was planned.
	catalog->Describe(context, bind->parts[0], bind->types, names);
	return_types = bind->types;
	return std::move(bind);
}

// Sends every part to its replica at bind.position; throws when one of them cannot run there.
vector<std::unique_ptr<RemoteResult>> StartParts(ClientContext &context, const SplitReadBindData &bind) {
	auto options = bind.catalog->OptionsWithoutNewSession(context);
	options.read_only = true;
	options.exact_position = bind.position;
	vector<std::unique_ptr<RemoteQuery>> queries;
	for (idx_t i = 0; i < bind.parts.size(); i++) {
		options.split_index = static_cast<uint32_t>(i);
		queries.push_back(bind.catalog->Client().Execute(bind.parts[i], options));
	}
	vector<std::unique_ptr<RemoteResult>> results;
	for (auto &query : queries) {
		results.push_back(std::make_unique<RemoteResult>(context, std::move(query)));
	}
	// A part's schema arrives once its replica accepted it; the parts run meanwhile.
	for (auto &result : results) {
		result->Types();
	}
	return results;
}

unique_ptr<GlobalTableFunctionState> SplitReadInit(ClientContext &context, TableFunctionInitInput &input) {
	auto &bind = input.bind_data->Cast<SplitReadBindData>();
	auto state = make_uniq<SplitReadGlobalState>();
	try {
		state->results = StartParts(context, bind);
	} catch (InterruptException &) {
		throw;
	} catch (std::exception &) {
		// Replicas move on while parts are planned; the one statement below reads one state too.
		// Dropping the started parts cancels them. A real error of the parts' SQL shows again.
		state->results.clear();
		std::string all;
		for (auto &part : bind.parts) {
			all += (all.empty() ? "(" : " UNION ALL (") + part + ")";
		}
		auto options = bind.catalog->OptionsWithoutNewSession(context);
		options.read_only = true;
		state->results.push_back(std::make_unique<RemoteResult>(context, bind.catalog->Client().Execute(all, options)));
	}
	for (auto &result : state->results) {
		CheckReceivedTypes(*bind.catalog, "the parts of a split read", {}, bind.types, result->Types());
	}
	return std::move(state);
}

unique_ptr<LocalTableFunctionState> SplitReadInitLocal(ExecutionContext &, TableFunctionInitInput &,
                                                       GlobalTableFunctionState *) {
	return make_uniq<SplitReadLocalState>();
}

void SplitReadExecute(ClientContext &, TableFunctionInput &input, DataChunk &output) {
	auto &state = input.global_state->Cast<SplitReadGlobalState>();
	auto &local = input.local_state->Cast<SplitReadLocalState>();
	while (true) {
		if (!local.current.IsValid()) {
			auto next = state.next_result++;
			if (next >= state.results.size()) {
				return;
			}
			local.current = next;
		}
		if (state.results[local.current.GetIndex()]->Next(output)) {
			return;
		}
		local.current.SetInvalid();
	}
}

InsertionOrderPreservingMap<string> SplitReadToString(TableFunctionToStringInput &input) {
	auto &bind = input.bind_data->Cast<SplitReadBindData>();
	InsertionOrderPreservingMap<string> result;
	result["Location"] = bind.catalog->RemoteLocation();
	result["Parts"] = std::to_string(bind.parts.size()) + " read replicas at " + bind.position.ToString();
	result["SQL (part 1)"] = bind.parts[0];
	return result;
}

} // namespace

TableFunction SplitReadFunction() {
	TableFunction function(kSplitReadFunction,
	                       {LogicalType::VARCHAR, LogicalType::LIST(LogicalType::VARCHAR), LogicalType::BIGINT,
	                        LogicalType::BIGINT},
	                       SplitReadExecute, SplitReadBind, SplitReadInit, SplitReadInitLocal);
	function.to_string = SplitReadToString;
	MarkNotSerializable(function);
	return function;
}

} // namespace openduck
