#include "arrow/type_text.hpp"

#include "duckdb/common/exception.hpp"
#include "duckdb/common/exception/parser_exception.hpp"
#include "duckdb/common/type_visitor.hpp"
#include "duckdb/common/string_util.hpp"
#include "duckdb/common/types/vector.hpp"
#include "duckdb/parser/keyword_helper.hpp"

#include <mutex>
#include <unordered_map>

namespace openduck {

using namespace duckdb;

namespace {

// Type texts seen so far and what they parse to, or that they do not. Servers see the types of
// their databases' columns and of expressions over them; the bound only guards against a
// client that invents new ones forever.
class TypeTextCache {
public:
	LogicalType Parse(const std::string &text) {
		std::unique_lock<std::mutex> guard(lock_);
		auto found = parsed_.find(text);
		if (found == parsed_.end()) {
			guard.unlock(); // parsing takes far longer than a lookup
			Entry entry;
			try {
				entry.type = TransformStringToLogicalType(text);
				entry.parses = true;
			} catch (std::exception &) {
			}
			if (entry.parses && TypeVisitor::Contains(entry.type, LogicalTypeId::ENUM)) {
				// DeepCopy shares an ENUM's type information, so an alias set on one copy would
				// reach every later one: such types are parsed each time.
				return entry.type;
			}
			guard.lock();
			if (parsed_.size() >= kMaxEntries) {
				parsed_.clear();
			}
			found = parsed_.emplace(text, std::move(entry)).first;
		}
		if (!found->second.parses) {
			throw ParserException("type \"%s\" does not parse", text);
		}
		return found->second.type.DeepCopy();
	}

private:
	static constexpr size_t kMaxEntries = 4096;
	struct Entry {
		LogicalType type;
		bool parses = false;
	};
	std::mutex lock_;
	std::unordered_map<std::string, Entry> parsed_;
};

} // namespace

LogicalType ParseTypeText(const std::string &text) {
	static TypeTextCache cache;
	return cache.Parse(text);
}

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

std::string CollateClause(const LogicalType &type) {
	auto collation = StringType::GetCollation(type);
	if (collation.empty()) {
		return "";
	}
	std::string clause = " COLLATE ";
	auto parts = StringUtil::Split(collation, '.');
	for (idx_t i = 0; i < parts.size(); i++) {
		clause += (i ? "." : "") + KeywordHelper::WriteOptionallyQuoted(parts[i]);
	}
	return clause;
}

std::string ExactTypeText(const LogicalType &type) {
	auto text = WithoutAliases(type).ToString() + CollateClause(type);
	try {
		ParseTypeText(text);
		return text;
	} catch (std::exception &) {
		return "";
	}
}

} // namespace openduck
