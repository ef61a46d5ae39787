#include "extension/functions/explain_function.hpp"

#include "duckdb/catalog/catalog_search_path.hpp"
#include "duckdb/common/string_util.hpp"
#include "duckdb/main/client_data.hpp"
#include "duckdb/main/connection.hpp"
#include "duckdb/main/database_manager.hpp"
#include "extension/catalog/od_catalog.hpp"
#include "extension/pushdown/upload_pushdown.hpp"
#include "duckdb/parser/qualified_name.hpp"
#include "extension/pushdown/sql_rewrite.hpp"
#include "extension/scan/not_serializable.hpp"
#include "extension/scan/remote_result.hpp"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <map>
#include <set>

namespace openduck {

using namespace duckdb;
using JsonValue = google::protobuf::Value;

namespace {

struct ExplainRow {
	std::string location;
	std::string op;
	std::string detail;
};

struct ExplainBindData : public TableFunctionData {
	vector<ExplainRow> rows;

	unique_ptr<FunctionData> Copy() const override {
		auto copy = make_uniq<ExplainBindData>();
		copy->rows = rows;
		return std::move(copy);
	}
	bool Equals(const FunctionData &other) const override {
		return &other == this;
	}
};

struct ExplainState : public GlobalTableFunctionState {
	idx_t next = 0;
};

JsonValue ParseJson(const std::string &text, const std::string &what) {
	JsonValue value;
	auto status = google::protobuf::util::JsonStringToMessage(text, &value);
	if (!status.ok()) {
		throw IOException("openduck_explain: cannot read the plan of %s: %s", what, std::string(status.message()));
	}
	return value;
}

std::string Text(const JsonValue &value) {
	if (value.has_list_value()) {
		std::string out;
		for (auto &item : value.list_value().values()) {
			out += (out.empty() ? "" : ", ") + Text(item);
		}
		return out;
	}
	return value.has_string_value() ? value.string_value() : std::string();
}

const JsonValue *Field(const JsonValue &object, const std::string &key) {
	if (!object.has_struct_value()) {
		return nullptr;
	}
	auto &fields = object.struct_value().fields();
	auto found = fields.find(key);
	return found == fields.end() ? nullptr : &found->second;
}

std::string Info(const JsonValue &node, const std::string &key) {
	auto extra = Field(node, "extra_info");
	auto value = extra ? Field(*extra, key) : nullptr;
	return value ? Text(*value) : std::string();
}

// "key: value; ..." of an operator's extra_info, without the keys `skip` and the estimate.
std::string Details(const JsonValue &node, const std::set<std::string> &skip = {}) {
	auto extra = Field(node, "extra_info");
	if (!extra || !extra->has_struct_value()) {
		return "";
	}
	std::string out;
	// protobuf maps are unordered; sort the keys so the output is stable
	std::map<std::string, std::string> sorted;
	for (auto &field : extra->struct_value().fields()) {
		if (!skip.count(field.first) && field.first != "Estimated Cardinality") {
			sorted[field.first] = Text(field.second);
		}
	}
	for (auto &entry : sorted) {
		out += (out.empty() ? "" : "; ") + entry.first + ": " + entry.second;
	}
	return out;
}

std::string Indent(idx_t depth) {
	return std::string(depth * 2, ' ');
}

class PlanWalker {
public:
	explicit PlanWalker(ClientContext &context) : context_(context) {
	}

	void Walk(const JsonValue &node, idx_t depth, const std::string &location) {
		auto name = Field(node, "name") ? Text(*Field(node, "name")) : std::string("?");
		StringUtil::Trim(name); // the renderer pads names
		auto remote_catalog = Info(node, "Catalog");
		bool bridge_up = location == "LOCAL" && (name == "OPENDUCK_SCAN" || name == "OPENDUCK_QUERY");
		if (bridge_up) {
			rows_.push_back({"LOCAL", Indent(depth) + "Bridge(REMOTE→LOCAL)",
			                 "rows stream to the host from " + Info(node, "Location") + ", attached as " + remote_catalog});
			RemotePart(node, name, remote_catalog, depth + 1);
			return;
		}
		bool remote_write = location == "LOCAL" && Info(node, "Location").rfind("REMOTE", 0) == 0;
		if (name == "OPENDUCK_JOIN_KEYS") {
			// A semi-join reduction (pushdown/semi_join_pushdown.hpp): the rows stay, their keys cross.
			rows_.push_back({"LOCAL", Indent(depth) + "Bridge(LOCAL→REMOTE)",
			                 "join keys go to the worker's scan as a filter: " + Info(node, "Join keys to worker")});
		} else {
			rows_.push_back({remote_write ? "REMOTE" : location, Indent(depth) + name, Details(node)});
		}
		auto children = Field(node, "children");
		if (!children || !children->has_list_value()) {
			return;
		}
		auto child_depth = depth + 1;
		if (remote_write && children->list_value().values_size() > 0) {
			rows_.push_back({"LOCAL", Indent(child_depth) + "Bridge(LOCAL→REMOTE)", "host rows are sent to the worker"});
			child_depth++;
		}
		for (auto &child : children->list_value().values()) {
			Walk(child, child_depth, location);
		}
	}

	vector<ExplainRow> Rows() {
		return std::move(rows_);
	}

private:
	void RemotePart(const JsonValue &node, const std::string &name, const std::string &catalog_name, idx_t depth) {
		if (name == "OPENDUCK_SCAN") {
			rows_.push_back({"REMOTE", Indent(depth) + "TABLE_SCAN", Details(node, {"Location", "Catalog"})});
			return;
		}
		auto sql = Info(node, "SQL");
		auto catalog = ODCatalog::Find(context_, catalog_name);
		vector<ExplainRow> upload_rows;
		if (catalog) {
			try {
				auto options = catalog->OptionsFor(context_);
				options.uploads = Uploads(Info(node, "Uploads (LOCAL→REMOTE)"), depth, upload_rows);
				RemoteResult result(context_, catalog->Client().Execute("EXPLAIN (FORMAT json) " + sql, options));
				DataChunk chunk;
				chunk.Initialize(context_, result.Types());
				std::string plan;
				while (result.Next(chunk)) {
					for (idx_t row = 0; row < chunk.size(); row++) {
						plan += chunk.GetValue(1, row).ToString();
					}
				}
				auto parsed = ParseJson(plan, "the statement shipped to " + catalog_name);
				if (parsed.has_list_value()) {
					for (auto &root : parsed.list_value().values()) {
						Walk(root, depth, "REMOTE");
					}
				}
			} catch (std::exception &ex) {
				rows_.push_back({"REMOTE", Indent(depth) + "(plan unavailable)", ex.what()});
			}
		}
		rows_.push_back({"REMOTE", Indent(depth) + "SQL", sql});
		rows_.insert(rows_.end(), upload_rows.begin(), upload_rows.end());
	}

	// A shipped statement's uploads (QueryBindData's "name <- source (n bytes); ..."), read again
	// from the host tables so the worker can plan the statement; their bridge rows go to `rows`.
	std::shared_ptr<const std::vector<v1::Upload>> Uploads(const std::string &info, idx_t depth,
	                                                       vector<ExplainRow> &rows) {
		if (info.empty()) {
			return nullptr;
		}
		auto uploads = std::make_shared<std::vector<v1::Upload>>();
		for (auto &item : StringUtil::Split(info, "; ")) {
			auto arrow = item.find(" <- "), size = item.rfind(" (");
			if (arrow == std::string::npos || size == std::string::npos || size < arrow) {
				continue;
			}
			v1::Upload upload;
			upload.set_table(item.substr(0, arrow));
			upload.set_source(item.substr(arrow + 4, size - arrow - 4));
			rows.push_back({"LOCAL", Indent(depth) + "Bridge(LOCAL→REMOTE)",
			                "host table " + upload.source() + " is sent as temp.main." + upload.table() + item.substr(size)});
			rows.push_back({"LOCAL", Indent(depth + 1) + "SEQ_SCAN", upload.source()});
			auto name = QualifiedName::Parse(upload.source());
			auto table = Catalog::GetEntry<TableCatalogEntry>(context_, name.catalog, name.schema, name.name,
			                                                  OnEntryNotFound::RETURN_NULL);
			if (table && table->IsDuckTable() &&
			    EncodeHostTable(context_, table->Cast<DuckTableEntry>(), {}, nullptr, UINT64_MAX, *upload.mutable_arrow())) {
				uploads->push_back(std::move(upload));
			}
		}
		return uploads;
	}

	ClientContext &context_;
	vector<ExplainRow> rows_;
};

unique_ptr<FunctionData> ExplainBind(ClientContext &context, TableFunctionBindInput &input,
                                     vector<LogicalType> &return_types, vector<string> &names) {
	if (input.inputs[0].IsNull()) {
		throw BinderException("openduck_explain needs a statement");
	}
	auto sql = input.inputs[0].GetValue<string>();
	// Planned by the real EXPLAIN path on a side connection, with the caller's default database.
	Connection side(*context.db);
	// The caller's SET options (openduck_placement, ...) plan the statement as the caller would.
	side.context->config.set_variables = context.config.set_variables;
	auto &default_entry = ClientData::Get(context).catalog_search_path->GetDefault();
	auto catalog = default_entry.catalog.empty() ? DatabaseManager::GetDefaultDatabase(context) : default_entry.catalog;
	auto use = side.Query("USE " + QuoteIdentifier(catalog) +
	                      (default_entry.schema.empty() ? "" : "." + QuoteIdentifier(default_entry.schema)));
	if (use->HasError()) {
		use->ThrowError();
	}
	auto explained = side.Query("EXPLAIN (FORMAT json) " + sql);
	if (explained->HasError()) {
		explained->ThrowError();
	}
	std::string json;
	for (idx_t row = 0; row < explained->RowCount(); row++) {
		json += explained->GetValue(1, row).ToString();
	}
	auto plan = ParseJson(json, "the statement");
	PlanWalker walker(context);
	if (plan.has_list_value()) {
		for (auto &root : plan.list_value().values()) {
			walker.Walk(root, 0, "LOCAL");
		}
	}
	auto bind = make_uniq<ExplainBindData>();
	bind->rows = walker.Rows();
	names = {"location", "operator", "detail"};
	return_types = {LogicalType::VARCHAR, LogicalType::VARCHAR, LogicalType::VARCHAR};
	return std::move(bind);
}

unique_ptr<GlobalTableFunctionState> ExplainInit(ClientContext &, TableFunctionInitInput &) {
	return make_uniq<ExplainState>();
}

void ExplainExecute(ClientContext &, TableFunctionInput &input, DataChunk &output) {
	auto &bind = input.bind_data->Cast<ExplainBindData>();
	auto &state = input.global_state->Cast<ExplainState>();
	idx_t count = 0;
	while (state.next < bind.rows.size() && count < STANDARD_VECTOR_SIZE) {
		auto &row = bind.rows[state.next++];
		output.SetValue(0, count, Value(row.location));
		output.SetValue(1, count, Value(row.op));
		output.SetValue(2, count, Value(row.detail));
		count++;
	}
	output.SetCardinality(count);
}

} // namespace

TableFunction ExplainFunction() {
	TableFunction function("openduck_explain", {LogicalType::VARCHAR}, ExplainExecute, ExplainBind, ExplainInit);
	MarkNotSerializable(function);
	return function;
}

} // namespace openduck
