// Received results must have the types their statement was bound with. Another host may have
// dropped and re-created a table with other types since this host read its catalog (or described
// a statement): values read under the old types would be silently wrong (a VARCHAR read as an
// INTEGER returns 0), so the statement fails instead, and the catalog is refreshed so that the
// next statement binds against what the server has.
#pragma once

#include "duckdb/common/types.hpp"

#include <string>

namespace openduck {

class ODCatalog;

// Throws duckdb::InvalidInputException after invalidating `catalog` when `received` differs from
// `bound`. `what` names the relation or statement; `names` labels the columns (an empty vector:
// label them by position; an empty name: a virtual column, not checked).
void CheckReceivedTypes(ODCatalog &catalog, const std::string &what, const duckdb::vector<std::string> &names,
                        const duckdb::vector<duckdb::LogicalType> &bound,
                        const duckdb::vector<duckdb::LogicalType> &received);

} // namespace openduck
