// Remembers the text of the statement a connection is running, and that text parsed. The
// optimizer hook that ships whole statements to the worker needs it, and
// ClientContext::GetCurrentQuery() is not usable there (it throws while a statement is only being
// prepared). Used by the connection's own thread, one statement at a time.
#pragma once

#include "duckdb/main/client_context.hpp"
#include "duckdb/main/client_context_state.hpp"
#include "duckdb/parser/sql_statement.hpp"

namespace openduck {

class QueryTextState : public duckdb::ClientContextState {
public:
	static constexpr const char *kKey = "openduck_query_text";

	void QueryBegin(duckdb::ClientContext &context) override;
	void QueryEnd() override;

	// "" when no statement is running (e.g. during Prepare).
	const std::string &Text() const {
		return text_;
	}

	// Installs the state on `context` (idempotent).
	static void Register(duckdb::ClientContext &context);

	// The text parsed the first time a statement asks; later asks get copies (cheaper than
	// parsing again, and a small statement asks two or three times).
	duckdb::unique_ptr<duckdb::SQLStatement> Parsed(duckdb::ClientContext &context);

private:
	void ForgetParse();

	std::string text_;
	bool parsed_once_ = false;
	duckdb::unique_ptr<duckdb::SQLStatement> parsed_; // null: not exactly one statement
};

// The running statement parsed again, without a leading EXPLAIN; nullptr unless exactly one
// statement is running, and for statements with parameters (? or $n): their text alone is not
// what runs, and a client that passes the values with the statement (Python's
// execute(sql, params)) binds them without a parameter count the optimizer could see.
duckdb::unique_ptr<duckdb::SQLStatement> ParseRunningStatement(duckdb::ClientContext &context);

} // namespace openduck
