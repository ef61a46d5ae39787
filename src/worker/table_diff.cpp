#include "worker/table_diff.hpp"

#include "rpc/log.hpp"

#include "duckdb/catalog/catalog.hpp"
#include "duckdb/common/exception.hpp"
#include "duckdb/common/string_util.hpp"
#include "duckdb/function/table_function.hpp"
#include "duckdb/main/connection.hpp"
#include "duckdb/parser/keyword_helper.hpp"
#include "duckdb/parser/parsed_data/create_table_function_info.hpp"

#include <map>
#include <optional>
#include <mutex>
#include <set>

namespace openduck {

using namespace duckdb;

namespace {

constexpr const char *kSideFunction = "openduck_diff_side";

// The scratch instance's view of the two sides. Side columns are named c0, c1, ... there, so
// the comparison's text never depends on the table's column names.
struct DiffSides : public TableFunctionInfo {
	TableDiff::Side sides[2];
	std::string table;      // quoted, qualified
	vector<string> columns; // quoted
	// The table has a column named rowid, which hides DuckDB's row ids from its queries.
	bool rowid_column = false;
	vector<LogicalType> types;

	// Starts reading `side`: the rows of the row ranges whose contents differ (NarrowedSelect),
	// decided once, when the comparison first reads. Each side is read in one transaction of
	// its own connection, so the head's rows are those its fingerprints were taken of.
	unique_ptr<QueryResult> Read(idx_t side) const;

private:
	mutable std::mutex lock_;
	mutable std::string select_;
	mutable unique_ptr<Connection> connections_[2];
};

struct SideBindData : public TableFunctionData {
	const DiffSides *sides = nullptr;
	idx_t side = 0;
};

struct SideScanState : public GlobalTableFunctionState {
	unique_ptr<QueryResult> result;
	// The chunk the output references until the next call.
	unique_ptr<DataChunk> chunk;
};

std::string Quoted(const std::string &name) {
	return KeywordHelper::WriteQuoted(name, '"');
}

[[noreturn]] void ThrowFromSide(const TableDiff::Side &side, const ErrorData &error) {
	throw Exception(error.Type(), "openduck_diff, reading " + side.label + ": " + error.RawMessage());
}

unique_ptr<FunctionData> SideBind(ClientContext &, TableFunctionBindInput &input, vector<LogicalType> &return_types,
                                  vector<string> &names) {
	auto bind = make_uniq<SideBindData>();
	bind->sides = &input.info->Cast<DiffSides>();
	bind->side = input.inputs[0].GetValue<int32_t>() == 0 ? 0 : 1;
	return_types = bind->sides->types;
	for (idx_t i = 0; i < return_types.size(); i++) {
		names.push_back("c" + std::to_string(i));
	}
	return std::move(bind);
}

unique_ptr<GlobalTableFunctionState> SideInit(ClientContext &, TableFunctionInitInput &input) {
	auto &bind = input.bind_data->Cast<SideBindData>();
	auto &side = bind.sides->sides[bind.side];
	auto state = make_uniq<SideScanState>();
	state->result = bind.sides->Read(bind.side);
	if (state->result->HasError()) {
		ThrowFromSide(side, state->result->GetErrorObject());
	}
	// The head may have been altered since the shapes were compared.
	if (state->result->types != bind.sides->types) {
		throw InvalidInputException("openduck_diff: the table's columns changed on %s while the diff started; run it "
		                            "again",
		                            side.label);
	}
	return std::move(state);
}

void SideScan(ClientContext &, TableFunctionInput &input, DataChunk &output) {
	auto &bind = input.bind_data->Cast<SideBindData>();
	auto &state = input.global_state->Cast<SideScanState>();
	state.chunk = state.result->Fetch();
	if (state.result->HasError()) {
		ThrowFromSide(bind.sides->sides[bind.side], state.result->GetErrorObject());
	}
	if (state.chunk) {
		output.Reference(*state.chunk);
	}
}

// Ranges of this many rowids (DuckDB's row group size) are compared by a fingerprint first.
constexpr int64_t kRangeRows = 122880;
// Beyond this many differing ranges, the whole table is compared.
constexpr size_t kMaxNarrowedRanges = 1024;

// Per range of rowids on `side`: its row count and the sum of its rows' hashes, a fingerprint
// of the range's multiset of rows. Empty when the relation has no rowid (a view).
std::optional<std::map<int64_t, std::string>> RangeFingerprints(Connection &connection, const DiffSides &sides) {
	std::string columns;
	for (auto &column : sides.columns) {
		columns += (columns.empty() ? "" : ", ") + column;
	}
	auto result = connection.Query("SELECT rowid // " + std::to_string(kRangeRows) + ", count(*) || ':' || sum(hash(" +
	                               columns + ")) FROM " + sides.table + " GROUP BY ALL");
	if (result->HasError()) {
		return std::nullopt;
	}
	std::map<int64_t, std::string> fingerprints;
	for (auto &row : *result) {
		fingerprints[row.GetValue<int64_t>(0)] = row.GetValue<string>(1);
	}
	return fingerprints;
}

// A range whose fingerprint is the same on both sides holds the same rows on both (up to a
// collision of 64-bit hash sums), so its rows cancel out in the comparison: only the rows of the
// other ranges need to be read. Where rows sit may differ between the sides (a vacuum moves
// them); that only makes more ranges differ. Falls back to the whole table when there is no
// rowid (a view, or a column named rowid hides it) or too many ranges differ.
std::string NarrowedSelect(const DiffSides &sides, Connection &from_connection, Connection &to_connection) {
	auto whole = "SELECT * FROM " + sides.table;
	if (sides.rowid_column) {
		return whole;
	}
	auto from_ranges = RangeFingerprints(from_connection, sides);
	auto to_ranges = RangeFingerprints(to_connection, sides);
	if (!from_ranges || !to_ranges) {
		return whole; // no rowid (a view)
	}
	auto &from = *from_ranges, &to = *to_ranges;
	std::set<int64_t> differing;
	for (auto *side : {&from, &to}) {
		auto &other = side == &from ? to : from;
		for (auto &range : *side) {
			auto same = other.find(range.first);
			if (same == other.end() || same->second != range.second) {
				differing.insert(range.first);
			}
		}
	}
	std::set<int64_t> all;
	for (auto *side : {&from, &to}) {
		for (auto &range : *side) {
			all.insert(range.first);
		}
	}
	LogEvent("table_diff", {{"table", sides.table},
	                        {"from", sides.sides[0].label},
	                        {"to", sides.sides[1].label},
	                        {"ranges_differing", std::to_string(differing.size()), true},
	                        {"ranges", std::to_string(all.size()), true}});
	if (differing.size() > kMaxNarrowedRanges) {
		return whole;
	}
	if (differing.empty()) {
		return whole + " LIMIT 0";
	}
	// Adjacent ranges merge; each becomes a rowid range DuckDB's scan skips row groups by.
	std::string select;
	for (auto range = differing.begin(); range != differing.end();) {
		auto first = *range, last = *range;
		while (++range != differing.end() && *range == last + 1) {
			last = *range;
		}
		select += (select.empty() ? "" : " UNION ALL ") + whole + " WHERE rowid >= " +
		          std::to_string(first * kRangeRows) + " AND rowid < " + std::to_string((last + 1) * kRangeRows);
	}
	return select;
}

// The columns of `select_sql` on `side`, from preparing it (nothing runs).
void DescribeSide(const TableDiff::Side &side, const std::string &select_sql, vector<LogicalType> &types,
                  vector<string> &names) {
	Connection connection(*side.database);
	auto prepared = connection.Prepare(select_sql);
	if (prepared->HasError()) {
		ThrowFromSide(side, prepared->error);
	}
	types = prepared->GetTypes();
	names = prepared->GetNames();
}

std::string ColumnList(const vector<LogicalType> &types, const vector<string> &names) {
	std::string list;
	for (idx_t i = 0; i < types.size(); i++) {
		list += (i ? ", " : "") + names[i] + " " + types[i].ToString();
	}
	return "(" + list + ")";
}

// Each row counted +1 on the `from` side and -1 on the `to` side: a positive sum is a row
// removed that many times, a negative one a row added. range() repeats it that many times.
std::string ComparisonSql(const vector<string> &names) {
	std::string columns, renamed;
	for (idx_t i = 0; i < names.size(); i++) {
		auto column = "c" + std::to_string(i);
		columns += (i ? ", " : "") + column;
		renamed += ", " + column + " AS " + Quoted(names[i]);
	}
	return "SELECT CASE WHEN delta > 0 THEN 'removed' ELSE 'added' END AS change_type" + renamed +
	       " FROM (SELECT " + columns + ", sum(weight) AS delta FROM (SELECT *, 1::BIGINT AS weight FROM " +
	       kSideFunction + "(0) UNION ALL SELECT *, -1::BIGINT FROM " + kSideFunction + "(1)) GROUP BY " + columns +
	       " HAVING delta <> 0), range(abs(delta)::BIGINT)";
}

} // namespace

unique_ptr<QueryResult> DiffSides::Read(idx_t side) const {
	std::lock_guard<std::mutex> guard(lock_);
	if (select_.empty()) {
		for (idx_t i = 0; i < 2; i++) {
			connections_[i] = make_uniq<Connection>(*sides[i].database);
			auto begin = connections_[i]->Query("BEGIN TRANSACTION READ ONLY");
			if (begin->HasError()) {
				ThrowFromSide(sides[i], begin->GetErrorObject());
			}
		}
		select_ = NarrowedSelect(*this, *connections_[0], *connections_[1]);
	}
	return connections_[side]->SendQuery(select_);
}

TableDiff::TableDiff(std::unique_ptr<duckdb::DuckDB> scratch, Side from, Side to, const std::string &schema,
                     const std::string &table)
    : scratch_(std::move(scratch)) {
	auto sides = make_shared_ptr<DiffSides>();
	sides->sides[0] = std::move(from);
	sides->sides[1] = std::move(to);
	auto name = (schema.empty() ? "" : Quoted(schema) + ".") + Quoted(table);
	sides->table = name;
	vector<LogicalType> to_types;
	vector<string> from_names, to_names;
	DescribeSide(sides->sides[0], "SELECT * FROM " + name, sides->types, from_names);
	DescribeSide(sides->sides[1], "SELECT * FROM " + name, to_types, to_names);
	if (sides->types != to_types || from_names != to_names) {
		throw InvalidInputException(
		    "openduck_diff compares rows of one shape, but table %s has columns %s at %s and %s at %s; compare the "
		    "columns both have with a query instead, e.g. SELECT <columns> FROM <table> AT (VERSION => <to>) EXCEPT "
		    "ALL SELECT <columns> FROM <table> AT (VERSION => <from>)",
		    name, ColumnList(sides->types, from_names), sides->sides[0].label, ColumnList(to_types, to_names),
		    sides->sides[1].label);
	}
	for (auto &column : from_names) {
		sides->columns.push_back(Quoted(column));
		sides->rowid_column = sides->rowid_column || StringUtil::CIEquals(column, "rowid");
	}
	TableFunction function(kSideFunction, {LogicalType::INTEGER}, SideScan, SideBind, SideInit);
	function.function_info = sides;
	CreateTableFunctionInfo info(function);
	auto &instance = *scratch_->instance;
	Catalog::GetSystemCatalog(instance).CreateTableFunction(CatalogTransaction::GetSystemTransaction(instance), info);
	sql_ = ComparisonSql(from_names);
}

TableDiff::~TableDiff() = default;

} // namespace openduck
