#include "extension/functions/merge_avg_function.hpp"

#include "duckdb/common/types/decimal.hpp"
#include "duckdb/common/types/hugeint.hpp"
#include "duckdb/common/vector_operations/ternary_executor.hpp"
#include "duckdb/planner/expression.hpp"
#include "duckdb/planner/expression/bound_function_expression.hpp"

namespace openduck {

using namespace duckdb;

namespace {

struct MergeAvgBindData : public FunctionData {
	// 10^scale of a DECIMAL sum as DuckDB's decimal avg computes it; 0 for other sums.
	double scale = 0;

	unique_ptr<FunctionData> Copy() const override {
		auto copy = make_uniq<MergeAvgBindData>();
		copy->scale = scale;
		return std::move(copy);
	}
	bool Equals(const FunctionData &other) const override {
		return scale == other.Cast<MergeAvgBindData>().scale;
	}
};

unique_ptr<FunctionData> BindMergeAvg(ClientContext &, ScalarFunction &function,
                                      vector<unique_ptr<Expression>> &arguments) {
	auto bind = make_uniq<MergeAvgBindData>();
	auto &sum_type = arguments[0]->return_type;
	if (sum_type.id() == LogicalTypeId::DECIMAL) {
		if (sum_type.InternalType() != PhysicalType::INT128) {
			throw InvalidInputException("%s: a DECIMAL sum must be DECIMAL(38, s), got %s", kMergeAvgFunction,
			                            sum_type.ToString());
		}
		function.arguments[0] = sum_type;
		bind->scale = Hugeint::Cast<double>(Hugeint::POWERS_OF_TEN[DecimalType::GetScale(sum_type)]);
	}
	return std::move(bind);
}

void Unknown(const string_t &kind) {
	throw InvalidInputException("%s: unknown kind '%s' (expected narrow, wide or float)", kMergeAvgFunction,
	                            kind.GetString());
}

// Sums that DuckDB keeps as integers (hugeint, or the raw value of a DECIMAL(38, s)).
void MergeIntegerAvg(DataChunk &args, ExpressionState &state, Vector &result) {
	auto &bind = state.expr.Cast<BoundFunctionExpression>().bind_info->Cast<MergeAvgBindData>();
	TernaryExecutor::ExecuteWithNulls<hugeint_t, hugeint_t, string_t, double>(
	    args.data[0], args.data[1], args.data[2], result, args.size(),
	    [&](hugeint_t sum, hugeint_t count_value, string_t kind, ValidityMask &mask, idx_t row) {
		    auto count = Hugeint::Cast<uint64_t>(count_value);
		    if (count == 0) {
			    mask.SetInvalid(row);
			    return 0.0;
		    }
		    if (kind == string_t("wide")) {
			    long double divident = static_cast<long double>(count);
			    if (bind.scale != 0) {
				    divident *= bind.scale;
			    }
			    return static_cast<double>(Hugeint::Cast<long double>(sum) / divident);
		    }
		    if (kind == string_t("narrow")) {
			    double divident = static_cast<double>(count);
			    if (bind.scale != 0) {
				    divident *= bind.scale;
			    }
			    return static_cast<double>(Hugeint::Cast<int64_t>(sum)) / divident;
		    }
		    Unknown(kind);
		    return 0.0;
	    });
}

void MergeFloatAvg(DataChunk &args, ExpressionState &, Vector &result) {
	TernaryExecutor::ExecuteWithNulls<double, hugeint_t, string_t, double>(
	    args.data[0], args.data[1], args.data[2], result, args.size(),
	    [&](double sum, hugeint_t count_value, string_t kind, ValidityMask &mask, idx_t row) {
		    if (kind != string_t("float")) {
			    Unknown(kind);
		    }
		    auto count = Hugeint::Cast<uint64_t>(count_value);
		    if (count == 0) {
			    mask.SetInvalid(row);
			    return 0.0;
		    }
		    return sum / count;
	    });
}

} // namespace

ScalarFunctionSet MergeAvgFunction() {
	ScalarFunctionSet set(kMergeAvgFunction);
	for (auto &sum : vector<LogicalType> {LogicalType::HUGEINT, LogicalType(LogicalTypeId::DECIMAL)}) {
		set.AddFunction(ScalarFunction({sum, LogicalType::HUGEINT, LogicalType::VARCHAR}, LogicalType::DOUBLE,
		                               MergeIntegerAvg, BindMergeAvg));
	}
	set.AddFunction(ScalarFunction({LogicalType::DOUBLE, LogicalType::HUGEINT, LogicalType::VARCHAR},
	                               LogicalType::DOUBLE, MergeFloatAvg));
	return set;
}

std::string AverageKindOf(const LogicalType &argument) {
	switch (argument.id()) {
	case LogicalTypeId::TINYINT:
	case LogicalTypeId::SMALLINT:
		return "narrow";
	case LogicalTypeId::INTEGER:
	case LogicalTypeId::BIGINT:
	case LogicalTypeId::HUGEINT:
		return "wide";
	case LogicalTypeId::DECIMAL:
		return argument.InternalType() == PhysicalType::INT16 ? "narrow" : "wide";
	case LogicalTypeId::FLOAT:
	case LogicalTypeId::DOUBLE:
		return "float";
	default:
		return "";
	}
}

} // namespace openduck
