// openduck_split_read('<catalog>', [<part SQL>, ...], <snapshot>, <segments>): the rows of all
// parts of a split aggregate (split_aggregate.hpp), each part run by another read replica at
// exactly the commit position (snapshot, segments), so that together they read one state of
// the table. All parts are sent at once and read by parallel threads.
//
// When a part cannot run at that position (its replica moved on, or went away), the function
// runs the parts as one statement, the UNION ALL of them, on one worker instead: one state
// still, only not spread. The statement pushdown plans this function; users do not call it.
#pragma once

#include "duckdb/function/table_function.hpp"

namespace openduck {

constexpr const char *kSplitReadFunction = "openduck_split_read";

duckdb::TableFunction SplitReadFunction();

} // namespace openduck
