// openduck_diff on the worker: the rows of one table that differ between two instances of a
// database (two snapshots, or a snapshot and the head), as multisets of whole rows.
//
// A TableDiff owns a scratch DuckDB (StorageEngine::OpenScratch) in which a table function streams
// each side's rows straight from its instance, and the statement that compares them there
// (Sql()). The worker runs that statement like any fragment, so a diff streams, is cancelled,
// times out and spills like every statement, and reads nothing but the two instances. Both sides
// are read once: the comparison is one hash aggregate over their rows (each row counted +1 on the
// `from` side, -1 on the `to` side), which DuckDB spills to disk when it outgrows memory.
//
// Thread-safety: built by one thread; Sql() then runs on one connection of Scratch(). The side
// instances must outlive it (a writer's instances live as long as its DatabaseSet).
#pragma once

#include "duckdb/main/database.hpp"

#include <memory>
#include <string>

namespace openduck {

class TableDiff {
public:
	struct Side {
		duckdb::DuckDB *database;
		// How errors name the side: "snapshot 12", "the head".
		std::string label;
	};

	// Checks that `schema`.`table` (schema empty: the default one) exists on both sides with the
	// same columns. Throws duckdb::Exception: the side's own error (a missing table), with the
	// side named, or InvalidInputException when the columns differ (both lists, and the query
	// that compares chosen columns instead).
	TableDiff(std::unique_ptr<duckdb::DuckDB> scratch, Side from, Side to, const std::string &schema,
	          const std::string &table);
	~TableDiff();

	duckdb::DuckDB &Scratch() {
		return *scratch_;
	}
	// The statement that computes the diff on Scratch(): a VARCHAR `change_type` ('added' or
	// 'removed') then the table's columns.
	const std::string &Sql() const {
		return sql_;
	}

private:
	std::unique_ptr<duckdb::DuckDB> scratch_;
	std::string sql_;
};

} // namespace openduck
