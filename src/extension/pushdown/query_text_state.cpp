#include "extension/pushdown/query_text_state.hpp"

#include "duckdb/parser/parser.hpp"
#include "duckdb/parser/statement/explain_statement.hpp"

namespace openduck {

void QueryTextState::QueryBegin(duckdb::ClientContext &context) {
	text_ = context.GetCurrentQuery();
	ForgetParse();
}

void QueryTextState::QueryEnd() {
	text_.clear();
	ForgetParse();
}

void QueryTextState::ForgetParse() {
	parsed_once_ = false;
	parsed_.reset();
}

void QueryTextState::Register(duckdb::ClientContext &context) {
	context.registered_state->GetOrCreate<QueryTextState>(kKey);
}

duckdb::unique_ptr<duckdb::SQLStatement> QueryTextState::Parsed(duckdb::ClientContext &context) {
	if (!parsed_once_) {
		parsed_once_ = true;
		duckdb::vector<duckdb::unique_ptr<duckdb::SQLStatement>> statements;
		try {
			duckdb::Parser parser(context.GetParserOptions());
			parser.ParseQuery(text_);
			statements = std::move(parser.statements);
		} catch (std::exception &) {
		}
		if (statements.size() == 1 && statements[0]->named_param_map.empty()) {
			parsed_ = std::move(statements[0]);
		}
	}
	return parsed_ ? parsed_->Copy() : nullptr;
}

duckdb::unique_ptr<duckdb::SQLStatement> ParseRunningStatement(duckdb::ClientContext &context) {
	auto state = context.registered_state->Get<QueryTextState>(QueryTextState::kKey);
	if (!state || state->Text().empty()) {
		return nullptr;
	}
	auto statement = state->Parsed(context);
	if (statement && statement->type == duckdb::StatementType::EXPLAIN_STATEMENT) {
		return std::move(statement->Cast<duckdb::ExplainStatement>().stmt);
	}
	return statement;
}

} // namespace openduck
