#include "extension/scan/not_serializable.hpp"

#include "duckdb/common/exception.hpp"

namespace openduck {

using namespace duckdb;

static void RefuseSerialize(Serializer &, const optional_ptr<FunctionData>, const TableFunction &function) {
	throw NotImplementedException("%s: a remote read cannot be serialized (it holds the attached database's "
	                              "connection)",
	                              function.name);
}

static unique_ptr<FunctionData> RefuseDeserialize(Deserializer &, TableFunction &function) {
	throw NotImplementedException("%s: a remote read cannot be deserialized", function.name);
}

void MarkNotSerializable(TableFunction &function) {
	function.serialize = RefuseSerialize;
	function.deserialize = RefuseDeserialize;
}

} // namespace openduck
