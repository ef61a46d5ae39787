#include "storage/s3_listing.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <stdexcept>

namespace openduck {

// The text of the first <tag> element starting in [from, to), entities decoded; "" when none.
static std::string XmlText(const std::string &xml, const std::string &tag, size_t from, size_t to) {
	auto open = xml.find("<" + tag + ">", from);
	if (open == std::string::npos || open >= to) {
		return "";
	}
	open += tag.size() + 2;
	auto close = xml.find("</" + tag + ">", open);
	std::string text = xml.substr(open, (close == std::string::npos ? xml.size() : std::min(close, to)) - open);
	static const std::pair<const char *, const char *> entities[] = {
	    {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
	for (auto &entity : entities) {
		// Search on after each replacement: "&amp;lt;" decodes to "&lt;", not to "<".
		for (size_t at = text.find(entity.first); at != std::string::npos;
		     at = text.find(entity.first, at + std::strlen(entity.second))) {
			text.replace(at, std::strlen(entity.first), entity.second);
		}
	}
	return text;
}

// An unreadable time counts as the newest possible: GC must never take it for an old orphan.
static int64_t ParseIsoTime(const std::string &text) {
	struct tm tm = {};
	if (sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	           &tm.tm_sec) != 6) {
		return INT64_MAX;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return int64_t(timegm(&tm));
}

static uint64_t ParseSize(const std::string &text, const std::string &key, const std::string &store) {
	if (text.empty()) {
		return 0;
	}
	char *end = nullptr;
	errno = 0;
	auto size = std::strtoull(text.c_str(), &end, 10);
	if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno == ERANGE) {
		throw std::runtime_error(store + " listed object '" + key + "' with size '" + text.substr(0, 40) +
		                         "', which is not a number of bytes");
	}
	return size;
}

S3ListingPage ParseS3Listing(const std::string &xml, const std::string &store) {
	S3ListingPage page;
	for (size_t at = xml.find("<Contents>"); at != std::string::npos; at = xml.find("<Contents>", at + 1)) {
		auto end = xml.find("</Contents>", at);
		if (end == std::string::npos) {
			end = xml.size();
		}
		auto key = XmlText(xml, "Key", at, end);
		auto size = ParseSize(XmlText(xml, "Size", at, end), key, store);
		page.objects.push_back(ObjectInfo {key, size, ParseIsoTime(XmlText(xml, "LastModified", at, end))});
	}
	page.truncated = XmlText(xml, "IsTruncated", 0, xml.size()) == "true";
	page.continuation_token = XmlText(xml, "NextContinuationToken", 0, xml.size());
	return page;
}

} // namespace openduck
