#include "storage/join_keys_function.hpp"

#include "common/join_key_filter.hpp"
#include "duckdb/catalog/catalog.hpp"
#include "duckdb/common/types/blob.hpp"
#include "duckdb/common/vector_operations/vector_operations.hpp"
#include "duckdb/execution/expression_executor.hpp"
#include "duckdb/function/scalar_function.hpp"
#include "duckdb/parser/parsed_data/create_scalar_function_info.hpp"
#include "duckdb/planner/expression/bound_function_expression.hpp"

#include <memory>

namespace openduck {

using namespace duckdb;

namespace {

constexpr const char *kName = "openduck_join_keys";
constexpr const char *kStateKey = "openduck_join_key_filters";

// The filters of the request a connection runs (SetRequestJoinKeyFilters).
struct RequestFilters : public ClientContextState {
	explicit RequestFilters(std::vector<std::string> filters_p) : filters(std::move(filters_p)) {
	}
	std::vector<std::string> filters;
};

// The encoded filter the constant `value` names: the request's filter of that index, or base64 text.
std::string EncodedFilter(ClientContext &context, const Value &value) {
	if (value.type().id() != LogicalTypeId::VARCHAR) {
		auto index = value.GetValue<int64_t>();
		auto sent = context.registered_state->Get<RequestFilters>(kStateKey);
		auto count = sent ? sent->filters.size() : 0;
		if (index < 0 || uint64_t(index) >= count) {
			throw InvalidInputException("%s(key, %lld): the request carries %llu join key filters (numbered from 0)",
			                            kName, (long long)index, (unsigned long long)count);
		}
		return sent->filters[index];
	}
	try {
		return Blob::FromBase64(string_t(StringValue::Get(value)));
	} catch (std::exception &) {
		throw InvalidInputException("%s(key, filter): the filter is not base64 text", kName);
	}
}

struct JoinKeysBindData : public FunctionData {
	std::string encoded;
	std::shared_ptr<const JoinKeyFilter> filter;

	unique_ptr<FunctionData> Copy() const override {
		auto copy = make_uniq<JoinKeysBindData>();
		copy->encoded = encoded;
		copy->filter = filter;
		return std::move(copy);
	}
	bool Equals(const FunctionData &other) const override {
		return encoded == other.Cast<JoinKeysBindData>().encoded;
	}
};

unique_ptr<FunctionData> Bind(ClientContext &context, ScalarFunction &function,
                              vector<unique_ptr<Expression>> &arguments) {
	if (!arguments[1]->IsFoldable()) {
		throw BinderException("%s(key, filter): the filter must be a constant (a filter's index, or its base64 text)",
		                      kName);
	}
	auto value = ExpressionExecutor::EvaluateScalar(context, *arguments[1]);
	if (value.IsNull()) {
		throw BinderException("%s(key, filter): the filter is NULL", kName);
	}
	auto data = make_uniq<JoinKeysBindData>();
	data->encoded = EncodedFilter(context, value);
	try {
		data->filter = std::make_shared<JoinKeyFilter>(JoinKeyFilter::Decode(data->encoded));
	} catch (std::invalid_argument &ex) {
		throw InvalidInputException("%s(key, filter): %s", kName, ex.what());
	}
	// The key is hashed as the type it has, exactly as the host hashed its own keys.
	function.arguments[0] = arguments[0]->return_type;
	// Not evaluated per chunk: a constant string argument is copied into every chunk's vector,
	// megabytes each time for a large filter.
	Function::EraseArgument(function, arguments, 1);
	return std::move(data);
}

void Execute(DataChunk &args, ExpressionState &state, Vector &result) {
	auto &filter = *state.expr.Cast<BoundFunctionExpression>().bind_info->Cast<JoinKeysBindData>().filter;
	auto count = args.size();
	Vector hashes(LogicalType::HASH, count);
	VectorOperations::Hash(args.data[0], hashes, count);
	UnifiedVectorFormat keys, hashed;
	args.data[0].ToUnifiedFormat(count, keys);
	hashes.ToUnifiedFormat(count, hashed);
	auto hash_data = UnifiedVectorFormat::GetData<hash_t>(hashed);
	result.SetVectorType(VectorType::FLAT_VECTOR);
	auto out = FlatVector::GetData<bool>(result);
	for (idx_t i = 0; i < count; i++) {
		auto key = keys.sel->get_index(i);
		out[i] = keys.validity.RowIsValid(key) && filter.MayContain(hash_data[hashed.sel->get_index(i)]);
	}
}

} // namespace

void RegisterJoinKeysFunction(DatabaseInstance &database) {
	auto &catalog = Catalog::GetSystemCatalog(database);
	auto transaction = CatalogTransaction::GetSystemTransaction(database);
	ScalarFunctionSet set(kName);
	for (auto &filter_type : {LogicalType::VARCHAR, LogicalType::BIGINT}) {
		ScalarFunction function(kName, {LogicalType::ANY, filter_type}, LogicalType::BOOLEAN, Execute, Bind);
		function.null_handling = FunctionNullHandling::SPECIAL_HANDLING;
		set.AddFunction(std::move(function));
	}
	CreateScalarFunctionInfo info(std::move(set));
	info.on_conflict = OnCreateConflict::IGNORE_ON_CONFLICT;
	info.internal = true;
	catalog.CreateFunction(transaction, info);
}

void SetRequestJoinKeyFilters(ClientContext &context, std::vector<std::string> filters) {
	context.registered_state->Remove(kStateKey);
	if (!filters.empty()) {
		context.registered_state->Insert(kStateKey, make_shared_ptr<RequestFilters>(std::move(filters)));
	}
}

} // namespace openduck
