#include "extension/scan/received_types.hpp"

#include "duckdb/common/exception.hpp"
#include "extension/catalog/od_catalog.hpp"

namespace openduck {

using namespace duckdb;

void CheckReceivedTypes(ODCatalog &catalog, const std::string &what, const vector<std::string> &names,
                        const vector<LogicalType> &bound, const vector<LogicalType> &received) {
	std::string change;
	if (names.empty() && received.size() != bound.size()) {
		change = "it returns " + std::to_string(received.size()) + " columns, " + std::to_string(bound.size()) +
		         " were bound";
	}
	for (idx_t i = 0; change.empty() && i < bound.size(); i++) {
		auto label = names.empty() ? std::to_string(i + 1) : "\"" + names[i] + "\"";
		if (!names.empty() && names[i].empty()) {
			continue;
		}
		if (i >= received.size()) {
			change = "column " + label + " is missing there";
		} else if (received[i] != bound[i]) {
			change = "column " + label + " is " + received[i].ToString() + " there, " + bound[i].ToString() + " here";
		}
	}
	if (change.empty()) {
		return;
	}
	catalog.Invalidate();
	throw InvalidInputException("%s changed on the server after this statement was bound (%s); the catalog has been "
	                            "refreshed, run the statement again",
	                            what, change);
}

} // namespace openduck
