#include "extension/query_text_state.hpp"

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

} // namespace openduck
