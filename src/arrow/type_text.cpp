#include "arrow/type_text.hpp"

#include "duckdb/common/exception.hpp"
#include "duckdb/common/types/vector.hpp"

namespace openduck {

using namespace duckdb;

LogicalType WithoutAliases(const LogicalType &type) {
	LogicalType result;
	switch (type.id()) {
	case LogicalTypeId::STRUCT: {
		child_list_t<LogicalType> children;
		for (auto &child : StructType::GetChildTypes(type)) {
			children.emplace_back(child.first, WithoutAliases(child.second));
		}
		result = LogicalType::STRUCT(std::move(children));
		break;
	}
	case LogicalTypeId::UNION: {
		child_list_t<LogicalType> members;
		for (idx_t i = 0; i < UnionType::GetMemberCount(type); i++) {
			members.emplace_back(UnionType::GetMemberName(type, i), WithoutAliases(UnionType::GetMemberType(type, i)));
		}
		result = LogicalType::UNION(std::move(members));
		break;
	}
	case LogicalTypeId::LIST:
		result = LogicalType::LIST(WithoutAliases(ListType::GetChildType(type)));
		break;
	case LogicalTypeId::MAP:
		result = LogicalType::MAP(WithoutAliases(MapType::KeyType(type)), WithoutAliases(MapType::ValueType(type)));
		break;
	case LogicalTypeId::ARRAY:
		result = LogicalType::ARRAY(WithoutAliases(ArrayType::GetChildType(type)), ArrayType::GetSize(type));
		break;
	default:
		if (!type.HasAlias()) {
			return type;
		}
		// A deep copy: the type information may be shared with other copies of `type`.
		result = type.DeepCopy();
		result.SetAlias("");
		return result;
	}
	return result;
}

std::string ExactTypeText(const LogicalType &type) {
	auto text = WithoutAliases(type).ToString();
	try {
		TransformStringToLogicalType(text);
		return text;
	} catch (std::exception &) {
		return "";
	}
}

} // namespace openduck
