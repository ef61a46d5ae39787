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
		throw BinderException("%s(key, filter): the filter must be a constant (the base64 text a host sends)", kName);
	}
	auto value = ExpressionExecutor::EvaluateScalar(context, *arguments[1]);
	if (value.IsNull()) {
		throw BinderException("%s(key, filter): the filter is NULL", kName);
	}
	auto data = make_uniq<JoinKeysBindData>();
	try {
		auto text = StringValue::Get(value);
		data->encoded = Blob::FromBase64(string_t(text));
		data->filter = std::make_shared<JoinKeyFilter>(JoinKeyFilter::Decode(data->encoded));
	} catch (std::invalid_argument &ex) {
		throw InvalidInputException("%s(key, filter): %s", kName, ex.what());
	} catch (std::exception &) {
		throw InvalidInputException("%s(key, filter): the filter is not base64 text", kName);
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
	ScalarFunction function(kName, {LogicalType::ANY, LogicalType::VARCHAR}, LogicalType::BOOLEAN, Execute, Bind);
	function.null_handling = FunctionNullHandling::SPECIAL_HANDLING;
	CreateScalarFunctionInfo info(std::move(function));
	info.on_conflict = OnCreateConflict::IGNORE_ON_CONFLICT;
	info.internal = true;
	catalog.CreateFunction(transaction, info);
}

} // namespace openduck
