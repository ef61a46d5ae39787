#include "extension/pushdown/query_text_state.hpp"

#include "duckdb/parser/parser.hpp"
#include "duckdb/parser/statement/explain_statement.hpp"

namespace openduck {

void QueryTextState::QueryBegin(duckdb::ClientContext &context) {
	text_ = context.GetCurrentQuery();
}

void QueryTextState::QueryEnd() {
	text_.clear();
}

void QueryTextState::Register(duckdb::ClientContext &context) {
	context.registered_state->GetOrCreate<QueryTextState>(kKey);
}

duckdb::unique_ptr<duckdb::SQLStatement> ParseRunningStatement(duckdb::ClientContext &context) {
	auto state = context.registered_state->Get<QueryTextState>(QueryTextState::kKey);
	if (!state || state->Text().empty()) {
		return nullptr;
	}
	duckdb::vector<duckdb::unique_ptr<duckdb::SQLStatement>> statements;
	try {
		duckdb::Parser parser(context.GetParserOptions());
		parser.ParseQuery(state->Text());
		statements = std::move(parser.statements);
	} catch (std::exception &) {
		return nullptr;
	}
	if (statements.size() != 1 || !statements[0]->named_param_map.empty()) {
		return nullptr;
	}
	if (statements[0]->type == duckdb::StatementType::EXPLAIN_STATEMENT) {
		return std::move(statements[0]->Cast<duckdb::ExplainStatement>().stmt);
	}
	return std::move(statements[0]);
}

} // namespace openduck
