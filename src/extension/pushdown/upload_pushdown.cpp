#include "extension/pushdown/upload_pushdown.hpp"

#include "arrow/ipc_stream_writer.hpp"
#include "duckdb/catalog/catalog.hpp"
#include "duckdb/catalog/catalog_entry/duck_table_entry.hpp"
#include "duckdb/catalog/catalog_entry/view_catalog_entry.hpp"
#include "duckdb/parser/expression/star_expression.hpp"
#include "duckdb/parser/query_node/select_node.hpp"
#include "duckdb/parser/tableref/basetableref.hpp"
#include "duckdb/common/exception.hpp"
#include "duckdb/common/string_util.hpp"
#include "duckdb/main/database_manager.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/planner/binder.hpp"
#include "duckdb/execution/expression_executor.hpp"
#include "duckdb/planner/expression/bound_columnref_expression.hpp"
#include "duckdb/planner/expression/bound_comparison_expression.hpp"
#include "duckdb/planner/expression/bound_conjunction_expression.hpp"
#include "duckdb/planner/expression/bound_reference_expression.hpp"
#include "duckdb/planner/operator/logical_aggregate.hpp"
#include "duckdb/planner/operator/logical_comparison_join.hpp"
#include "duckdb/planner/operator/logical_join.hpp"
#include "duckdb/planner/expression_iterator.hpp"
#include "duckdb/planner/operator/logical_filter.hpp"
#include "duckdb/planner/operator/logical_get.hpp"
#include "duckdb/planner/operator/logical_projection.hpp"
#include "duckdb/storage/data_table.hpp"
#include "duckdb/storage/table/scan_state.hpp"
#include "duckdb/transaction/duck_transaction.hpp"
#include "extension/catalog/od_catalog.hpp"
#include "extension/client/setting_value.hpp"
#include "extension/pushdown/applied_conditions.hpp"
#include "extension/pushdown/shipped_plan.hpp"
#include "extension/pushdown/sql_rewrite.hpp"
#include "extension/scan/one_snapshot_per_statement.hpp"
#include "extension/scan/remote_scan.hpp"

#include <cmath>
#include <functional>
#include <iterator>
#include <map>
#include <set>

namespace openduck {

using namespace duckdb;

namespace {

constexpr const char *kPlacementSetting = "openduck_placement";
constexpr const char *kMaxUploadSetting = "openduck_max_upload_bytes";
// Every upload travels in the one request message, which servers accept up to 64 MiB.
constexpr uint64_t kUploadCeiling = 48ull << 20;
constexpr const char *kUploadPrefix = "openduck_upload_";
// The most 'auto' sends. Measured on TPC-H and TPC-DS SF1 (bench/hybrid_bench.py): an upload costs
// about 4.5 ms per MB before the worker can start (encoding, one message, the temporary table),
// and the host plan it replaces pulls only the rows the join keys let through, which the
// estimate cannot see exactly. Of the uploads 'auto' chose there, those under 11 MB were as
// fast as the host plan or faster in all but two; of the 13 over 15 MB, 7 were slower (up to
// 3.7x), 4 even and 2 faster.
constexpr uint64_t kAutoUploadBytes = 16ull << 20;
// What 'auto' weighs an uploaded byte at, against a pulled one. Measured with
// bench/hybrid_bench.py (TPC-H SF1, lineitem remote): an upload cost 4.2-7.1 ms per MB over the
// all-local time (Q5, Q8, Q14, Q21), a pull 2.8-4.1 (Q9, Q10; the whole of lineitem 3.5): the
// host reads and encodes its rows, the worker decodes them into a temporary table and scans it,
// where pulled rows go from the worker's encoder straight into the host's scan.
constexpr double kUploadByteCost = 2.0;

void CheckPlacement(ClientContext &, SetScope, Value &parameter) {
	auto value = StringUtil::Lower(parameter.ToString());
	if (value != "auto" && value != "local" && value != "remote") {
		throw InvalidInputException("%s must be 'auto', 'local' or 'remote', not '%s'", kPlacementSetting,
		                            parameter.ToString());
	}
	parameter = Value(value);
}

void CheckMaxUpload(ClientContext &, SetScope, Value &parameter) {
	if (parameter.GetValue<uint64_t>() > kUploadCeiling) {
		throw InvalidInputException("%s can be at most %llu (48 MiB): the uploads travel in one request",
		                            kMaxUploadSetting, (unsigned long long)kUploadCeiling);
	}
}

// Bytes a value of `type` takes on the wire, roughly: strings and nested values are guesses.
double Width(const LogicalType &type) {
	if (type.IsNested()) {
		return 32;
	}
	switch (type.InternalType()) {
	case PhysicalType::VARCHAR:
		return 24;
	default:
		return GetTypeIdSize(type.InternalType());
	}
}

// Bytes a value of `type` takes on the wire at the least (uploads are sent uncompressed): its
// fixed width, a string's offset, a boolean's bit; nothing for what is not counted.
double MinWidth(const LogicalType &type) {
	if (type.IsNested()) {
		return 0;
	}
	if (type.InternalType() == PhysicalType::VARCHAR) {
		return 4;
	}
	switch (type.id()) {
	case LogicalTypeId::BOOLEAN:
		return 0.125;
	case LogicalTypeId::DATE:
	case LogicalTypeId::TIME:
	case LogicalTypeId::TIMESTAMP:
	case LogicalTypeId::TIMESTAMP_SEC:
	case LogicalTypeId::TIMESTAMP_MS:
	case LogicalTypeId::TIMESTAMP_NS:
	case LogicalTypeId::TIMESTAMP_TZ:
		return GetTypeIdSize(type.InternalType());
	default:
		return type.IsNumeric() ? GetTypeIdSize(type.InternalType()) : 0;
	}
}

// The leaves of a hybrid plan, as far as uploads care.
struct Leaves {
	ODCatalog *remote = nullptr;
	// The remote scans by table index: the relation, and the fraction of its rows expected
	// past the filters on it alone (DuckDB's own guess, 0.2 per filter).
	struct Remote {
		const RemoteRelation *relation;
		double selectivity = 1;
		// The smallest fraction of a filtered host table it is joined with (ApplyJoinKeys).
		double keyed = 1;
	};
	std::map<idx_t, Remote> remote_scans;
	// A projection straight above a remote scan (a host view's) stands for that scan.
	std::map<idx_t, idx_t> scan_of_projection;
	// Projections straight above any scan, by table index (a host view's over a host table).
	std::map<idx_t, LogicalProjection *> projection_over_scan;
	vector<Expression *> filters;
	// Host tables by identity: the columns the statement reads of them, and the upload name
	// they get.
	struct Local {
		std::set<idx_t> columns;
		std::string name;
		// Every scan of the table in the plan.
		vector<LogicalGet *> gets;
		// Per scan (as gets), the statement's filters on it alone that every row it reads must
		// pass to reach the result (CollectRowFilters), bound to that scan's columns. A row is
		// sent when one scan keeps it: TPC-H Q22 reads `customer` twice under the same country
		// codes, and sending all of it (5 MB, not 1.4) made the query 2x its all-local time.
		vector<vector<unique_ptr<Expression>>> row_filters;
		// The share of the table's rows its filters let through, erring towards not uploading:
		// what the table would send counts a fifth of its rows, as DuckDB guesses
		// (RelationStatisticsHelper: DEFAULT_SELECTIVITY once, however many conditions), since a
		// fifth per condition made a date range a twenty-fifth and TPC-H Q8 uploaded 10.9 MB
		// estimated at 4.4. The share of its join keys that reduces a remote scan counts a fifth
		// per condition: a dimension's filters are mostly equalities (d_year = 2000 AND d_moy =
		// 11 keeps 1/84 of date_dim), and a fifth once drew uploads into TPC-DS Q34, Q68 and Q73,
		// 2.2-2.8x slower than the join keys.
		bool EveryScanFiltered() const {
			if (row_filters.size() < gets.size()) {
				return false;
			}
			for (auto &filters : row_filters) {
				if (filters.empty()) {
					return false;
				}
			}
			return !gets.empty();
		}
		// A table read more than once counts whole: counted as a fifth per filtered read, TPC-DS
		// Q33, Q56 and Q60 (`item` and `date_dim` read three times) sent 8.3 MB and ran 2-2.5x
		// slower than pulling; it is filtered when sent all the same.
		double SentShare() const {
			return gets.size() == 1 && EveryScanFiltered() ? 0.2 : 1.0;
		}
		// Of a table scanned once.
		double KeyShare() const {
			return row_filters.empty() ? 1.0 : std::pow(0.2, double(row_filters[0].size()));
		}
	};
	std::map<DuckTableEntry *, Local> local;
	// Aggregates that read remote scans and nothing else, outermost first. Such a part (a CTE,
	// a derived table, a subquery) is shipped whole by the host plan (subtree_pushdown.hpp):
	// only its groups cross, never its scans' rows.
	struct RemoteAggregate {
		std::set<idx_t> scans;
		// The groups expected: the product of the group columns' listed distinct counts.
		double groups;
		double row_width;
	};
	vector<RemoteAggregate> remote_aggregates;
	// Tables (by table index) compared for equality by a join condition, as written.
	vector<std::pair<idx_t, idx_t>> equalities;
	bool qualifies = true;
};

// The remote scans of a subtree, and its projections (a host view's over its table), by table
// index.
struct RemoteSubtree {
	std::map<idx_t, LogicalGet *> scans;
	std::map<idx_t, LogicalProjection *> projections;

	// Whether `op`'s subtree reads remote scans only, collecting them.
	bool Collect(LogicalOperator &op) {
		if (op.type == LogicalOperatorType::LOGICAL_GET) {
			auto &get = op.Cast<LogicalGet>();
			scans[get.table_index] = &get;
			return ScannedRelation(get) != nullptr;
		}
		if (op.type == LogicalOperatorType::LOGICAL_PROJECTION) {
			projections[op.Cast<LogicalProjection>().table_index] = &op.Cast<LogicalProjection>();
		}
		if (op.children.empty()) {
			return false; // a CTE reference, constants, a delim get: not known to be remote
		}
		for (auto &child : op.children) {
			if (!Collect(*child)) {
				return false;
			}
		}
		return true;
	}

	// The listed distinct values of the scan column `expression` is, through projections that
	// pass it on; UINT64_MAX when it is none or they are unknown.
	uint64_t DistinctValues(const Expression &expression) const {
		if (expression.GetExpressionClass() != ExpressionClass::BOUND_COLUMN_REF) {
			return NumericLimits<uint64_t>::Maximum();
		}
		auto &binding = expression.Cast<BoundColumnRefExpression>().binding;
		auto projection = projections.find(binding.table_index);
		if (projection != projections.end()) {
			auto &passed = projection->second->expressions;
			return binding.column_index < passed.size() ? DistinctValues(*passed[binding.column_index])
			                                            : NumericLimits<uint64_t>::Maximum();
		}
		auto scan = scans.find(binding.table_index);
		if (scan == scans.end() || binding.column_index >= scan->second->GetColumnIds().size()) {
			return NumericLimits<uint64_t>::Maximum();
		}
		auto &relation = *ScannedRelation(*scan->second);
		auto column = scan->second->GetColumnIds()[binding.column_index].GetPrimaryIndex();
		return column < relation.column_names.size() ? ListedDistinctCount(relation, relation.column_names[column])
		                                             : NumericLimits<uint64_t>::Maximum();
	}
};

// Records `aggregate` (Leaves::remote_aggregates) when it reads remote scans only and groups by
// their columns as such, whose listed statistics count their distinct values.
void AddRemoteAggregate(LogicalAggregate &aggregate, Leaves &leaves) {
	RemoteSubtree subtree;
	if (!subtree.Collect(*aggregate.children[0])) {
		return;
	}
	double groups = 1;
	for (auto &group : aggregate.groups) {
		auto distinct = subtree.DistinctValues(*group);
		if (distinct == NumericLimits<uint64_t>::Maximum()) {
			return;
		}
		groups *= double(distinct);
	}
	Leaves::RemoteAggregate remote;
	for (auto &scan : subtree.scans) {
		remote.scans.insert(scan.first);
	}
	remote.groups = groups;
	remote.row_width = 8.0 * double(aggregate.groups.size() + aggregate.expressions.size());
	leaves.remote_aggregates.push_back(std::move(remote));
}

void Collect(LogicalOperator &op, Leaves &leaves) {
	switch (op.type) {
	case LogicalOperatorType::LOGICAL_GET: {
		auto &get = op.Cast<LogicalGet>();
		if (auto relation = ScannedRelation(get)) {
			auto &bind = get.bind_data->Cast<RemoteReadBindData>();
			if (bind.time_travel || !relation->snapshot.empty() || (leaves.remote && leaves.remote != bind.catalog)) {
				leaves.qualifies = false;
				return;
			}
			leaves.remote = bind.catalog;
			leaves.remote_scans[get.table_index] = {relation.get()};
			break;
		}
		auto table = get.GetTable();
		if (!table || !table->IsDuckTable() ||
		    table->GetColumns().PhysicalColumnCount() != table->GetColumns().LogicalColumnCount()) {
			leaves.qualifies = false; // a table function, a file, a view's other source, generated columns
			return;
		}
		for (auto &column : get.GetColumnIds()) {
			if (column.IsVirtualColumn() && column.GetPrimaryIndex() != COLUMN_IDENTIFIER_EMPTY) {
				leaves.qualifies = false; // rowid: the temporary table's would be its own
				return;
			}
		}
		leaves.local[&table->Cast<DuckTableEntry>()].gets.push_back(&get);
		break;
	}
	case LogicalOperatorType::LOGICAL_EXTENSION_OPERATOR:
		leaves.qualifies = false;
		return;
	case LogicalOperatorType::LOGICAL_FILTER:
		for (auto &expression : op.expressions) {
			leaves.filters.push_back(expression.get());
		}
		break;
	case LogicalOperatorType::LOGICAL_COMPARISON_JOIN:
		for (auto &condition : op.Cast<LogicalComparisonJoin>().conditions) {
			if (condition.comparison == ExpressionType::COMPARE_EQUAL &&
			    condition.left->GetExpressionClass() == ExpressionClass::BOUND_COLUMN_REF &&
			    condition.right->GetExpressionClass() == ExpressionClass::BOUND_COLUMN_REF) {
				leaves.equalities.emplace_back(condition.left->Cast<BoundColumnRefExpression>().binding.table_index,
				                               condition.right->Cast<BoundColumnRefExpression>().binding.table_index);
			}
		}
		break;
	case LogicalOperatorType::LOGICAL_AGGREGATE_AND_GROUP_BY:
		AddRemoteAggregate(op.Cast<LogicalAggregate>(), leaves);
		break;
	case LogicalOperatorType::LOGICAL_PROJECTION:
		if (op.children[0]->type == LogicalOperatorType::LOGICAL_GET) {
			auto &projection = op.Cast<LogicalProjection>();
			leaves.scan_of_projection[projection.table_index] = op.children[0]->Cast<LogicalGet>().table_index;
			leaves.projection_over_scan[projection.table_index] = &projection;
		}
		break;
	default:
		break;
	}
	for (auto &child : op.children) {
		Collect(*child, leaves);
		if (!leaves.qualifies) {
			return;
		}
	}
}

// Whether each row of `get` below `op` reaches `op`'s output on its own: dropping one drops only
// the rows made from it, never adds or changes others (no outer join padding it, no anti or mark
// join deciding on it, no aggregate over it).
bool RowWiseDown(LogicalOperator &op, LogicalGet &get) {
	if (&op == &get) {
		return true;
	}
	auto contains = [&](LogicalOperator &child) {
		std::function<bool(LogicalOperator &)> find = [&](LogicalOperator &node) {
			if (&node == &get) {
				return true;
			}
			for (auto &grandchild : node.children) {
				if (find(*grandchild)) {
					return true;
				}
			}
			return false;
		};
		return find(child);
	};
	switch (op.type) {
	case LogicalOperatorType::LOGICAL_FILTER:
	case LogicalOperatorType::LOGICAL_PROJECTION:
		return RowWiseDown(*op.children[0], get);
	case LogicalOperatorType::LOGICAL_CROSS_PRODUCT:
		return RowWiseDown(*op.children[contains(*op.children[0]) ? 0 : 1], get);
	case LogicalOperatorType::LOGICAL_DELIM_JOIN:
		// A correlated subquery's join: its left rows are each decided on their own (the
		// subquery sees the distinct values of their correlated columns, so fewer rows only
		// means fewer values to try). Its other side reads the left, so nothing goes below it.
		if (op.Cast<LogicalComparisonJoin>().delim_flipped || !contains(*op.children[0])) {
			return false;
		}
		DUCKDB_EXPLICIT_FALLTHROUGH;
	case LogicalOperatorType::LOGICAL_COMPARISON_JOIN:
	case LogicalOperatorType::LOGICAL_ANY_JOIN: {
		auto type = op.Cast<LogicalJoin>().join_type;
		if (contains(*op.children[0])) {
			bool kept = type == JoinType::INNER || type == JoinType::LEFT || type == JoinType::SEMI ||
			            type == JoinType::ANTI || type == JoinType::MARK || type == JoinType::SINGLE;
			return kept && RowWiseDown(*op.children[0], get);
		}
		bool kept = type == JoinType::INNER || type == JoinType::RIGHT || type == JoinType::RIGHT_SEMI ||
		            type == JoinType::RIGHT_ANTI;
		return kept && RowWiseDown(*op.children[1], get);
	}
	default:
		return false;
	}
}

// Finds, for each host table read once, the filter conjuncts on it alone that every row must
// pass to reach the result (RowWiseDown between filter and scan).
void CollectRowFilters(LogicalOperator &op, Leaves &leaves) {
	if (op.type == LogicalOperatorType::LOGICAL_FILTER) {
		vector<unique_ptr<Expression>> conjuncts;
		for (auto &expression : op.expressions) {
			conjuncts.push_back(expression->Copy());
		}
		LogicalFilter::SplitPredicates(conjuncts);
		for (auto &conjunct : conjuncts) {
			std::set<idx_t> tables;
			bool plain = !conjunct->IsVolatile() && !conjunct->HasSubquery();
			// Columns of a host view's projection that pass a table's column through read that column.
			ExpressionIterator::VisitExpressionMutable<BoundColumnRefExpression>(
			    conjunct, [&](BoundColumnRefExpression &column, unique_ptr<Expression> &slot) {
				    auto projection = leaves.projection_over_scan.find(column.binding.table_index);
				    if (projection == leaves.projection_over_scan.end() || column.depth != 0) {
					    return;
				    }
				    auto &source = *projection->second->expressions[column.binding.column_index];
				    if (source.GetExpressionClass() == ExpressionClass::BOUND_COLUMN_REF) {
					    slot = source.Copy();
				    } else {
					    plain = false;
				    }
			    });
			ExpressionIterator::VisitExpression<BoundColumnRefExpression>(
			    *conjunct, [&](const BoundColumnRefExpression &column) {
				    plain = plain && column.depth == 0;
				    tables.insert(column.binding.table_index);
			    });
			if (!plain || tables.size() != 1) {
				continue;
			}
			for (auto &local : leaves.local) {
				auto &gets = local.second.gets;
				for (idx_t i = 0; conjunct && i < gets.size(); i++) {
					if (gets[i]->table_index == *tables.begin() && RowWiseDown(*op.children[0], *gets[i])) {
						local.second.row_filters.resize(gets.size());
						local.second.row_filters[i].push_back(std::move(conjunct));
					}
				}
			}
		}
	}
	for (auto &child : op.children) {
		CollectRowFilters(*child, leaves);
	}
}

// `table`'s row filters as one expression over the scanned columns `columns` (in their order):
// per scan the AND of its filters, the OR of those across scans. Adds the columns they read to
// `columns`; nullptr when a scan reads every row.
unique_ptr<Expression> RowFilterOverColumns(Leaves::Local &table, std::set<idx_t> &columns) {
	if (!table.EveryScanFiltered()) {
		return nullptr;
	}
	for (idx_t i = 0; i < table.gets.size(); i++) {
		auto &column_ids = table.gets[i]->GetColumnIds();
		for (auto &filter : table.row_filters[i]) {
			ExpressionIterator::VisitExpression<BoundColumnRefExpression>(
			    *filter, [&](const BoundColumnRefExpression &ref) {
				    columns.insert(column_ids[ref.binding.column_index].GetPrimaryIndex());
			    });
		}
	}
	auto combine = [](ExpressionType type, vector<unique_ptr<Expression>> parts) -> unique_ptr<Expression> {
		if (parts.size() == 1) {
			return std::move(parts[0]);
		}
		auto conjunction = make_uniq<BoundConjunctionExpression>(type);
		conjunction->children = std::move(parts);
		return std::move(conjunction);
	};
	vector<unique_ptr<Expression>> per_scan;
	for (idx_t i = 0; i < table.gets.size(); i++) {
		auto &column_ids = table.gets[i]->GetColumnIds();
		vector<unique_ptr<Expression>> conjuncts;
		for (auto &filter : table.row_filters[i]) {
			auto copy = filter->Copy();
			ExpressionIterator::VisitExpressionMutable<BoundColumnRefExpression>(
			    copy, [&](BoundColumnRefExpression &ref, unique_ptr<Expression> &slot) {
				    auto column = column_ids[ref.binding.column_index].GetPrimaryIndex();
				    auto position = idx_t(std::distance(columns.begin(), columns.find(column)));
				    slot = make_uniq<BoundReferenceExpression>(ref.return_type, position);
			    });
			conjuncts.push_back(std::move(copy));
		}
		per_scan.push_back(combine(ExpressionType::CONJUNCTION_AND, std::move(conjuncts)));
	}
	return combine(ExpressionType::CONJUNCTION_OR, std::move(per_scan));
}

// The table `view` shows unchanged (SELECT * FROM t, no other clause, no column renames), if it
// is one.
optional_ptr<BaseTableRef> RenamedTable(ViewCatalogEntry &view) {
	if (!view.query || view.query->node->type != QueryNodeType::SELECT_NODE || !view.aliases.empty()) {
		return nullptr;
	}
	auto &node = view.query->node->Cast<SelectNode>();
	if (node.select_list.size() != 1 || node.select_list[0]->GetExpressionClass() != ExpressionClass::STAR ||
	    !node.from_table || node.from_table->type != TableReferenceType::BASE_TABLE || node.where_clause ||
	    !node.groups.group_expressions.empty() || !node.groups.grouping_sets.empty() || node.having || node.qualify ||
	    node.sample || !node.modifiers.empty() || !node.cte_map.map.empty() ||
	    node.aggregate_handling != AggregateHandling::STANDARD_HANDLING) {
		return nullptr;
	}
	auto &star = node.select_list[0]->Cast<StarExpression>();
	auto &table = node.from_table->Cast<BaseTableRef>();
	if (!star.relation_name.empty() || !star.exclude_list.empty() || !star.replace_list.empty() ||
	    !star.rename_list.empty() || star.expr || star.columns || table.at_clause || !table.column_name_alias.empty()) {
		return nullptr;
	}
	return &table;
}

// The columns of `table` the rewritten text can reach (by index); at least one, which carries
// the row count.
std::set<idx_t> ReachedColumns(DuckTableEntry &table, const std::string &name,
                               const ReferenceRewriter::ColumnUse &use) {
	std::set<idx_t> columns;
	bool all = use.all || use.all_of.count(name);
	for (auto &column : table.GetColumns().Physical()) {
		if (all || use.names.count(column.Name())) {
			columns.insert(column.Physical().index);
		}
	}
	if (columns.empty()) {
		columns.insert(0);
	}
	return columns;
}

// The bytes of `columns` of all of `table`'s rows, each value taken as `width` says.
double TableBytes(DuckTableEntry &table, const std::set<idx_t> &columns,
                  double (*width_of)(const LogicalType &) = Width) {
	double width = 0;
	for (auto column : columns) {
		width += width_of(table.GetColumns().GetColumn(PhysicalIndex(column)).Type());
	}
	return double(table.GetStorage().GetTotalRows()) * width;
}

// The conjuncts of `expression` (itself when it is no AND).
vector<unique_ptr<Expression>> Conjuncts(const Expression &expression) {
	vector<unique_ptr<Expression>> conjuncts;
	conjuncts.push_back(expression.Copy());
	LogicalFilter::SplitPredicates(conjuncts);
	return conjuncts;
}

// The scans (by table index; a projection standing for a scan counts as the scan) `expression`
// reads; `subquery` is set when it holds one.
std::set<idx_t> TablesRead(const Leaves &leaves, const Expression &expression, bool &subquery) {
	std::set<idx_t> tables;
	ExpressionIterator::VisitExpression<BoundColumnRefExpression>(
	    expression, [&](const BoundColumnRefExpression &column) {
		    auto scan = leaves.scan_of_projection.find(column.binding.table_index);
		    tables.insert(scan == leaves.scan_of_projection.end() ? column.binding.table_index : scan->second);
	    });
	ExpressionIterator::VisitExpressionClass(expression, ExpressionClass::BOUND_SUBQUERY,
	                                         [&](const Expression &) { subquery = true; });
	return tables;
}

// An OR over several tables, each of whose branches has conditions on remote scan `table` alone:
// DuckDB's filter pushdown derives from it the OR of those conditions and pushes that into the
// scan (TPC-H Q19: the quantity ranges, ship modes and instructions of lineitem), so the host
// plan pulls only the rows past it. The fraction it keeps, a fifth per condition in each branch,
// the branches' added; 1 when a branch has none.
double DerivedSelectivity(const Leaves &leaves, const Expression &disjunction, idx_t table) {
	double kept = 0;
	for (auto &branch : disjunction.Cast<BoundConjunctionExpression>().children) {
		double branch_kept = 1;
		for (auto &conjunct : Conjuncts(*branch)) {
			bool subquery = false;
			auto tables = TablesRead(leaves, *conjunct, subquery);
			if (!subquery && tables.size() == 1 && *tables.begin() == table) {
				branch_kept *= 0.2;
			}
		}
		kept += branch_kept;
	}
	return MinValue(kept, 1.0);
}

// Lowers the selectivity of the remote scans that a filter conjunct reads alone, or that the
// conditions DuckDB derives from an OR read (the rows the host plan would pull are those past
// them).
void ApplyFilters(Leaves &leaves) {
	for (auto filter : leaves.filters) {
		for (auto &conjunct : Conjuncts(*filter)) {
			bool subquery = false;
			auto tables = TablesRead(leaves, *conjunct, subquery);
			if (subquery) {
				continue;
			}
			if (tables.size() == 1) {
				auto scan = leaves.remote_scans.find(*tables.begin());
				if (scan != leaves.remote_scans.end()) {
					scan->second.selectivity *= 0.2;
				}
			} else if (conjunct->GetExpressionType() == ExpressionType::CONJUNCTION_OR) {
				for (auto table : tables) {
					auto scan = leaves.remote_scans.find(table);
					if (scan != leaves.remote_scans.end()) {
						scan->second.selectivity *= DerivedSelectivity(leaves, *conjunct, table);
					}
				}
			}
		}
	}
}

// A remote scan joined for equality with a host table whose own filters keep a fraction of its
// rows is pulled only that far on the host: its join keys go to the worker
// (pushdown/semi_join_pushdown.hpp). Lowers such scans' selectivity by the host table's.
void ApplyJoinKeys(Leaves &leaves) {
	auto equalities = leaves.equalities;
	for (auto filter : leaves.filters) {
		vector<unique_ptr<Expression>> conjuncts;
		conjuncts.push_back(filter->Copy());
		LogicalFilter::SplitPredicates(conjuncts);
		for (auto &conjunct : conjuncts) {
			if (conjunct->GetExpressionType() != ExpressionType::COMPARE_EQUAL) {
				continue;
			}
			auto &comparison = conjunct->Cast<BoundComparisonExpression>();
			if (comparison.left->GetExpressionClass() == ExpressionClass::BOUND_COLUMN_REF &&
			    comparison.right->GetExpressionClass() == ExpressionClass::BOUND_COLUMN_REF) {
				equalities.emplace_back(comparison.left->Cast<BoundColumnRefExpression>().binding.table_index,
				                        comparison.right->Cast<BoundColumnRefExpression>().binding.table_index);
			}
		}
	}
	auto scan_of = [&](idx_t table_index) {
		auto projection = leaves.scan_of_projection.find(table_index);
		return projection == leaves.scan_of_projection.end() ? table_index : projection->second;
	};
	auto host_fraction = [&](idx_t table_index) {
		for (auto &local : leaves.local) {
			if (local.second.gets.size() == 1 && local.second.gets[0]->table_index == table_index) {
				return local.second.KeyShare();
			}
		}
		return 1.0;
	};
	for (auto &pair : equalities) {
		for (auto sides : {pair, std::make_pair(pair.second, pair.first)}) {
			auto remote = leaves.remote_scans.find(scan_of(sides.first));
			if (remote != leaves.remote_scans.end()) {
				remote->second.keyed = std::min(remote->second.keyed, host_fraction(scan_of(sides.second)));
			}
		}
	}
	for (auto &remote : leaves.remote_scans) {
		remote.second.selectivity *= remote.second.keyed;
	}
}

double RelationBytes(const RemoteRelation &relation, const ReferenceRewriter::ColumnUse &use) {
	double width = 0;
	bool all = use.all || use.all_of.count(relation.name);
	for (idx_t i = 0; i < relation.column_names.size(); i++) {
		if (all || use.names.count(relation.column_names[i])) {
			width += Width(relation.column_types[i]);
		}
	}
	return double(relation.estimated_rows) * width;
}

} // namespace

std::string QualifiedTableName(TableCatalogEntry &table) {
	return QuoteIdentifier(table.catalog.GetName()) + "." + QuoteIdentifier(table.schema.name) + "." +
	       QuoteIdentifier(table.name);
}

bool EncodeHostTable(ClientContext &context, DuckTableEntry &table, const std::set<idx_t> &only,
                     optional_ptr<const Expression> keep, uint64_t limit, std::string &out) {
	vector<StorageIndex> column_ids;
	vector<LogicalType> types;
	vector<string> names;
	for (auto &column : table.GetColumns().Physical()) {
		if (!only.empty() && !only.count(column.Physical().index)) {
			continue;
		}
		column_ids.emplace_back(column.StorageOid());
		types.push_back(column.Type());
		names.push_back(column.Name());
	}
	auto &transaction = DuckTransaction::Get(context, table.catalog);
	TableScanState state;
	table.GetStorage().InitializeScan(context, transaction, state, column_ids);
	IpcStreamWriter writer(types, names, IpcStreamWriter::WireProperties(context));
	out = writer.SchemaMessage();
	DataChunk chunk;
	chunk.Initialize(context, types);
	unique_ptr<ExpressionExecutor> filter;
	SelectionVector kept(STANDARD_VECTOR_SIZE);
	if (keep) {
		filter = make_uniq<ExpressionExecutor>(context, *keep);
	}
	while (true) {
		chunk.Reset();
		table.GetStorage().Scan(transaction, chunk, state);
		if (chunk.size() == 0) {
			break;
		}
		if (filter) {
			auto count = filter->SelectExpression(chunk, kept);
			if (count == 0) {
				continue;
			}
			if (count < chunk.size()) {
				chunk.Slice(kept, count);
			}
		}
		writer.Append(chunk);
		if (writer.BufferedBytes() >= (4u << 20)) {
			writer.FlushBatchTo(out);
		}
		if (out.size() + writer.BufferedBytes() > limit) {
			return false;
		}
	}
	writer.FlushBatchTo(out);
	out += IpcStreamWriter::EndOfStream();
	return out.size() <= limit;
}

void AddPlacementSettings(DBConfig &config) {
	config.AddExtensionOption(kPlacementSetting,
	                          "Where a query joining host tables with an OpenDuck database runs: 'auto' (the side that "
	                          "moves fewer bytes moves), 'local' (remote rows come to the host), 'remote' (small host "
	                          "tables go to the worker whenever the query allows)",
	                          LogicalType::VARCHAR, Value("auto"), CheckPlacement);
	config.AddExtensionOption(kMaxUploadSetting,
	                          "The most bytes of host tables (as sent) a query may upload to run next to remote data "
	                          "(openduck_placement); 48 MiB, the most there is",
	                          LogicalType::UBIGINT, Value::UBIGINT(kUploadCeiling), CheckMaxUpload);
}

bool ShipWithUploads(OptimizerExtensionInput &input, unique_ptr<LogicalOperator> &target,
                     const SQLStatement &original, bool explained) {
	auto &context = input.context;
	auto placement = SettingValue<std::string>(context, kPlacementSetting, "auto");
	if (original.type != StatementType::SELECT_STATEMENT || placement == "local") {
		return false;
	}
	Leaves leaves;
	Collect(*target, leaves);
	// No host table at all: the statement reads the database only through host views that
	// rename its tables, and runs whole there with nothing to send.
	if (!leaves.qualifies || !leaves.remote) {
		return false;
	}
	auto &catalog = *leaves.remote;
	auto options = catalog.OptionsWithoutNewSession(context);
	if (!options.session_id.empty()) {
		return false; // the uploads' temporary tables would outlive the statement in the session
	}
	// Every table reference resolved as the binder did: the database's own tables lose their
	// alias, host tables become the uploads' temporary tables (keeping their name as alias).
	ReferenceRewriter rewriter(catalog.GetName(), "");
	int named = 0;
	std::function<bool(BaseTableRef &, int)> resolve = [&](BaseTableRef &ref, int depth) {
		auto catalog_name = ref.catalog_name, schema_name = ref.schema_name;
		optional_ptr<CatalogEntry> entry;
		try {
			Binder::BindSchemaOrCatalog(context, catalog_name, schema_name);
			EntryLookupInfo lookup(CatalogType::TABLE_ENTRY, ref.table_name);
			entry = Catalog::GetEntry(context, catalog_name, schema_name, lookup, OnEntryNotFound::RETURN_NULL);
		} catch (std::exception &) {
			return false;
		}
		if (!entry) {
			return false;
		}
		if (ref.alias.empty()) {
			ref.alias = ref.table_name;
		}
		if (&entry->ParentCatalog() == &catalog) {
			ref.catalog_name.clear();
			ref.schema_name = entry->ParentSchema().name;
			return true;
		}
		if (entry->type == CatalogType::VIEW_ENTRY) {
			// A host view that only renames a table (CREATE VIEW t AS SELECT * FROM cloud.t) reads
			// as that table.
			auto &view = entry->Cast<ViewCatalogEntry>();
			auto table = RenamedTable(view);
			if (!table || depth > 8) {
				return false;
			}
			ref.catalog_name = table->catalog_name;
			ref.schema_name = table->schema_name;
			ref.table_name = table->table_name;
			if (ref.catalog_name.empty() && ref.schema_name.empty()) {
				ref.catalog_name = view.ParentCatalog().GetName();
				ref.schema_name = view.ParentSchema().name;
			}
			return resolve(ref, depth + 1);
		}
		if (entry->type != CatalogType::TABLE_ENTRY || !entry->Cast<TableCatalogEntry>().IsDuckTable()) {
			return false;
		}
		auto local = leaves.local.find(&entry->Cast<DuckTableEntry>());
		if (local == leaves.local.end()) {
			return false;
		}
		if (local->second.name.empty()) {
			local->second.name = kUploadPrefix + std::to_string(named++);
		}
		ref.catalog_name = "temp";
		ref.schema_name = "main";
		ref.table_name = local->second.name;
		return true;
	};
	rewriter.ResolveWith([&](BaseTableRef &ref) { return resolve(ref, 0); });
	auto statement = original.Copy();
	if (!rewriter.Rewrite(*statement) || rewriter.Columns().names.count("rowid")) {
		return false;
	}
	// Estimated bytes each way, over the columns the text can reach.
	CollectRowFilters(*target, leaves);
	double local_bytes = 0, remote_bytes = 0;
	// What the host tables sent whole take at the least.
	double sure_local_bytes = 0;
	std::map<DuckTableEntry *, unique_ptr<Expression>> keep;
	for (auto &table : leaves.local) {
		table.second.columns = ReachedColumns(*table.first, table.second.name, rewriter.Columns());
		keep[table.first] = RowFilterOverColumns(table.second, table.second.columns);
		local_bytes += table.second.SentShare() * TableBytes(*table.first, table.second.columns);
		if (!keep[table.first] && !table.second.name.empty()) {
			sure_local_bytes += TableBytes(*table.first, table.second.columns, MinWidth);
		}
	}
	ApplyFilters(leaves);
	ApplyJoinKeys(leaves);
	std::map<idx_t, double> scan_bytes;
	for (auto &scan : leaves.remote_scans) {
		scan_bytes[scan.first] = scan.second.selectivity * RelationBytes(*scan.second.relation, rewriter.Columns());
	}
	// TPC-H Q15 with `lineitem` remote: its `revenue` CTE returns 10K groups, but counted as the
	// 225K filtered rows it reads, `supplier` (763 KiB) looked worth sending, 46 ms against 31.
	for (auto &aggregate : leaves.remote_aggregates) {
		double read = 0;
		for (auto table : aggregate.scans) {
			read += scan_bytes[table];
			scan_bytes[table] = 0; // counted once, by the outermost aggregate over it
		}
		remote_bytes += std::min(read, aggregate.groups * aggregate.row_width);
	}
	for (auto &scan : scan_bytes) {
		remote_bytes += scan.second;
	}
	auto limit = SettingValue<uint64_t>(context, kMaxUploadSetting, kUploadCeiling);
	if (placement == "auto") {
		limit = MinValue<uint64_t>(limit, kAutoUploadBytes);
	}
	// Strings are guessed wide: the estimate only rules out what surely will not fit, and so
	// does what the host tables sent whole take at the least (TPC-H Q9 with `orders` on the host
	// encoded 16 MiB of its 1.5M rows of 12 bytes, 13 ms, to find out). The encoding below
	// stops at the limit itself.
	if (local_bytes > 2.0 * double(limit) || sure_local_bytes > double(limit) ||
	    (placement == "auto" && local_bytes > 0 && kUploadByteCost * local_bytes >= remote_bytes)) {
		return false;
	}
	auto uploads = std::make_shared<std::vector<v1::Upload>>();
	uint64_t sent = 0;
	for (auto &table : leaves.local) {
		if (table.second.name.empty()) {
			continue; // planned but never named in the text (a view's source): cannot be placed
		}
		v1::Upload upload;
		upload.set_table(table.second.name);
		upload.set_source(QualifiedTableName(*table.first));
		if (!EncodeHostTable(context, *table.first, table.second.columns, keep[table.first].get(), limit - sent,
		                     *upload.mutable_arrow())) {
			return false;
		}
		sent += upload.arrow().size();
		uploads->push_back(std::move(upload));
	}
	if (!uploads->empty()) {
		options.uploads = std::move(uploads);
	}
	// A table sent with only the rows its reads' conditions keep: a condition every read has holds
	// for every row sent, and repeated in the text it would be counted twice by the worker's
	// estimates (applied_conditions.hpp). TPC-DS Q38 reads `date_dim` three times, each for the
	// same months.
	for (auto &table : leaves.local) {
		if (table.second.name.empty() || !keep[table.first]) {
			continue;
		}
		std::set<std::string> applied;
		for (idx_t i = 0; i < table.second.row_filters.size(); i++) {
			std::set<std::string> read;
			for (auto &condition : table.second.row_filters[i]) {
				auto text = AppliedConditionText(*condition);
				if (i == 0 || applied.count(text)) {
					read.insert(std::move(text));
				}
			}
			applied = std::move(read);
		}
		DropAppliedConditions(*statement, table.second.name, applied);
	}
	ShippedStatement how;
	how.read_only = true;
	return ShipPlan(input, target, catalog, statement->ToString(), std::move(options), std::move(how), !explained, "");
}

} // namespace openduck
