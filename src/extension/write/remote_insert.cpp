#include "extension/write/remote_insert.hpp"

#include "duckdb/catalog/catalog_entry/schema_catalog_entry.hpp"
#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "duckdb/parser/parsed_data/create_table_info.hpp"
#include "duckdb/planner/operator/logical_insert.hpp"
#include "duckdb/transaction/transaction.hpp"
#include "extension/catalog/od_catalog.hpp"
#include "extension/catalog/od_transaction.hpp"
#include "extension/pushdown/sql_literals.hpp"
#include "extension/write/checked_write.hpp"

#include <algorithm>

namespace openduck {

using namespace duckdb;

// At most this many rows, and this much SQL text, travel as literals (remote_insert.hpp): a
// statement's text is parsed whole on the worker, while the ingest streams and compresses.
static constexpr idx_t kLiteralRows = 256;
static constexpr idx_t kLiteralBytes = 256 * 1024;

namespace {

class RemoteInsertState : public RemoteWriteState {
public:
	explicit RemoteInsertState(std::unique_ptr<RemoteIngest> ingest) : RemoteWriteState(std::move(ingest)) {
	}
	// Rows that may still go as literals: `pending` holds them and `values` renders them. nullptr
	// once they went to the ingest, or when they never could (CREATE TABLE AS, types without
	// exact literals).
	unique_ptr<ColumnDataCollection> pending;
	std::string values;

	// From here on the ingest carries the rows, those pending first.
	void MoveToIngest(ClientContext &context, std::unique_ptr<RemoteIngest> to) {
		ingest = std::move(to);
		for (auto &chunk : pending->Chunks()) {
			ingest->Append(context, chunk);
		}
		pending.reset();
		values.clear();
	}
};

// Appends the rows of `chunk` to `values` as "(literal, ...)" tuples; false when a value has no
// exact literal or the text would pass kLiteralBytes.
bool AppendLiteralRows(DataChunk &chunk, std::string &values) {
	std::string literal;
	for (idx_t row = 0; row < chunk.size(); row++) {
		values += values.empty() ? "(" : ", (";
		for (idx_t column = 0; column < chunk.ColumnCount(); column++) {
			if (!TryRenderLiteral(chunk.GetValue(column, row), literal)) {
				return false;
			}
			values += (column == 0 ? "" : ", ") + literal;
		}
		values += ")";
		if (values.size() > kLiteralBytes) {
			return false;
		}
	}
	return true;
}

} // namespace

RemoteInsert::RemoteInsert(PhysicalPlan &plan, vector<LogicalType> types, ODCatalog &catalog, TableCatalogEntry &table,
                           vector<std::string> columns, bool return_chunk, idx_t estimated_cardinality,
                           ConflictSQL conflict)
    : RemoteWrite(plan, std::move(types), catalog, return_chunk, estimated_cardinality), table_(&table),
      columns_(std::move(columns)), conflict_(std::move(conflict)) {
}

RemoteInsert::RemoteInsert(PhysicalPlan &plan, vector<LogicalType> types, ODCatalog &catalog,
                           SchemaCatalogEntry &schema, unique_ptr<BoundCreateTableInfo> info,
                           idx_t estimated_cardinality)
    : RemoteWrite(plan, std::move(types), catalog, false, estimated_cardinality), schema_(&schema),
      info_(std::move(info)) {
}

std::string RemoteInsert::DirectTarget() const {
	if (return_chunk_ || !conflict_.Plain()) {
		return "";
	}
	if (!table_) {
		// CREATE TABLE AS: the new table's columns are exactly the input's.
		return info_->Base().table;
	}
	// Every column of the table, in table order, and no generated ones: each input row is then
	// a row of the table as it is stored.
	auto &table_columns = table_->GetColumns();
	if (table_columns.LogicalColumnCount() != table_columns.PhysicalColumnCount() ||
	    columns_.size() != table_columns.PhysicalColumnCount()) {
		return "";
	}
	for (auto &column : table_columns.Physical()) {
		if (columns_[column.Physical().index] != column.Name()) {
			return "";
		}
	}
	return table_->name;
}

std::unique_ptr<RemoteIngest> RemoteInsert::NewIngest(ClientContext &context) const {
	// The ingest's session carries no catalog version to check.
	ConfirmCatalogFor(context, catalog_, table_, table_ ? table_->name : info_->Base().table);
	auto &types = children[0].get().GetTypes();
	auto direct = DirectTarget();
	auto schema = table_ ? table_->schema.name : schema_->name;
	auto ingest = direct.empty() ? make_uniq<RemoteIngest>(context, catalog_, types)
	                             : make_uniq<RemoteIngest>(context, catalog_, types, schema, direct);
	return Prepare(std::move(ingest));
}

std::string RemoteInsert::InsertInto() const {
	std::string target;
	vector<std::string> columns = columns_;
	if (table_) {
		target = QualifiedTableSQL(*table_);
	} else {
		auto &base = info_->Base();
		target = QuoteIdentifier(schema_->name) + "." + QuoteIdentifier(base.table);
		for (auto &column : base.columns.Physical()) {
			columns.push_back(column.Name());
		}
	}
	std::string column_list;
	for (auto &column : columns) {
		column_list += (column_list.empty() ? "" : ", ") + QuoteIdentifier(column);
	}
	return conflict_.verb + " INTO " + target + conflict_.target_alias +
	       (column_list.empty() ? "" : " (" + column_list + ")");
}

unique_ptr<GlobalSinkState> RemoteInsert::GetGlobalSinkState(ClientContext &context) const {
	auto &types = children[0].get().GetTypes();
	if (table_ && !types.empty() && std::all_of(types.begin(), types.end(), IsScalarLiteralType)) {
		auto state = make_uniq<RemoteInsertState>(nullptr);
		state->pending = make_uniq<ColumnDataCollection>(context, types);
		return std::move(state);
	}
	bool discard = false;
	if (schema_) {
		auto transaction = schema_->GetCatalogTransaction(context);
		auto &base = info_->Base();
		discard = base.on_conflict == OnCreateConflict::IGNORE_ON_CONFLICT &&
		          catalog_.LookupInSchema(transaction, schema_->name, CatalogType::TABLE_ENTRY, base.table);
		if (!discard) {
			schema_->CreateTable(transaction, *info_);
		}
	}
	auto state = make_uniq<RemoteInsertState>(NewIngest(context));
	state->discard = discard;
	return std::move(state);
}

SinkResultType RemoteInsert::Sink(ExecutionContext &context, DataChunk &chunk, OperatorSinkInput &input) const {
	auto &state = input.global_state.Cast<RemoteInsertState>();
	if (state.discard) {
		return SinkResultType::NEED_MORE_INPUT;
	}
	if (state.pending) {
		if (state.pending->Count() + chunk.size() <= kLiteralRows && AppendLiteralRows(chunk, state.values)) {
			state.pending->Append(chunk);
			return SinkResultType::NEED_MORE_INPUT;
		}
		state.MoveToIngest(context.client, NewIngest(context.client));
	}
	if (!state.ingest->ReadyForInput(input.interrupt_state)) {
		return SinkResultType::BLOCKED;
	}
	state.ingest->Append(context.client, chunk);
	return SinkResultType::NEED_MORE_INPUT;
}

SinkFinalizeType RemoteInsert::Finalize(Pipeline &pipeline, Event &event, ClientContext &context,
                                        OperatorSinkFinalizeInput &input) const {
	auto &state = input.global_state.Cast<RemoteInsertState>();
	if (state.discard) {
		return SinkFinalizeType::READY;
	}
	if (state.pending) {
		if (state.pending->Count() == 0) {
			state.returned = make_uniq<ColumnDataCollection>(context, types);
			return SinkFinalizeType::READY;
		}
		ApplyLiterals(context, state, InsertInto() + " VALUES " + state.values + conflict_.clause);
		return SinkFinalizeType::READY;
	}
	if (!state.ingest->TryFinish(context, input.interrupt_state)) {
		return SinkFinalizeType::BLOCKED;
	}
	if (!DirectTarget().empty()) {
		state.affected = state.ingest->RowsSent();
		return SinkFinalizeType::READY;
	}
	state.Apply(context, InsertInto() + " SELECT * FROM " + state.ingest->TableSQL() + conflict_.clause, return_chunk_);
	return SinkFinalizeType::READY;
}

void RemoteInsert::ApplyLiterals(ClientContext &context, RemoteWriteState &state, const std::string &sql) const {
	// An auto-commit statement commits on the worker as it runs, like one shipped whole.
	auto options = context.transaction.IsAutoCommit() ? catalog_.OptionsWithoutNewSession(context)
	                                                  : catalog_.OptionsFor(context);
	SendCheckingCatalog(context, catalog_, *table_, options.session_id.empty(), [&](const std::string &version) {
		auto attempt = options;
		attempt.expected_catalog_version = version;
		state.Apply(context, catalog_, sql, return_chunk_, std::move(attempt));
	});
}

InsertionOrderPreservingMap<string> RemoteInsert::ParamsToString() const {
	InsertionOrderPreservingMap<string> result;
	result["Location"] = catalog_.RemoteLocation();
	result["Catalog"] = catalog_.GetName();
	result["Table"] = table_ ? table_->name : info_->Base().table;
	return result;
}

// Rows computed from constants alone: nothing bound against a catalog but the target.
static bool ConstantRows(LogicalOperator &op) {
	switch (op.type) {
	case LogicalOperatorType::LOGICAL_EXPRESSION_GET:
	case LogicalOperatorType::LOGICAL_PROJECTION:
	case LogicalOperatorType::LOGICAL_DUMMY_SCAN:
		break;
	default:
		return false;
	}
	return std::all_of(op.children.begin(), op.children.end(), [](auto &child) { return ConstantRows(*child); });
}

bool DeferCatalogCheckToInsert(ClientContext &context, LogicalOperator &plan) {
	auto *op = &plan;
	// RETURNING projects the inserted rows.
	while (op->type == LogicalOperatorType::LOGICAL_PROJECTION && op->children.size() == 1) {
		op = op->children[0].get();
	}
	if (op->type != LogicalOperatorType::LOGICAL_INSERT || op->children.size() != 1 ||
	    !context.transaction.IsAutoCommit() || !ConstantRows(*op->children[0])) {
		return false;
	}
	auto &insert = op->Cast<LogicalInsert>();
	if (insert.on_conflict_info.action_type != OnConflictAction::THROW ||
	    insert.table.ParentCatalog().GetCatalogType() != "openduck") {
		return false;
	}
	auto &catalog = insert.table.ParentCatalog().Cast<ODCatalog>();
	// Replicas and snapshots have catalog versions of their own.
	auto &config = catalog.Client().Config();
	if (config.read_only || !config.snapshot.empty()) {
		return false;
	}
	auto &transaction = Transaction::Get(context, catalog).Cast<ODTransaction>();
	return !transaction.UnverifiedVersion().empty() && transaction.CurrentSession().empty();
}

} // namespace openduck
