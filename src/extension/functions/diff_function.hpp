// openduck_diff('<attached catalog>', '<table>', from_version [, to_version]): the rows of a
// remote table added and removed between two snapshots, computed on the database's writer
// (worker/table_diff.hpp), so only the differing rows travel. A version is a snapshot's id or
// name, or a time (a DATE or TIMESTAMP: the snapshot current then, as AT (TIMESTAMP => ...));
// without `to_version` the diff runs to the attachment's state (the committed head). The result
// is a VARCHAR `change_type` ('added' or 'removed') followed by the table's columns.
#pragma once

#include "duckdb/function/function_set.hpp"

namespace openduck {

duckdb::TableFunctionSet DiffFunction();

} // namespace openduck
