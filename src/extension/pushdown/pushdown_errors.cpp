#include "extension/pushdown/pushdown_errors.hpp"

#include "duckdb/common/error_data.hpp"

namespace openduck {

using namespace duckdb;

void RethrowUnlessCannotShip(const std::exception &error) {
	ErrorData data(error);
	switch (data.Type()) {
	case ExceptionType::PARSER:
	case ExceptionType::BINDER:
	case ExceptionType::CATALOG:
	case ExceptionType::PERMISSION:
	case ExceptionType::NOT_IMPLEMENTED:
	case ExceptionType::INVALID_INPUT:
	case ExceptionType::CONVERSION:
	case ExceptionType::MISMATCH_TYPE:
	case ExceptionType::DEPENDENCY:
		return;
	default:
		data.Throw();
	}
}

} // namespace openduck
