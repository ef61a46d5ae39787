// Parsing of one page of an S3 ListObjectsV2 response (XML), as S3-compatible servers send it.
// The server is not trusted to be well-formed: every field is bounded by its <Contents>
// element, and a size that is not a number is an error naming the object, never a crash.
//
// Pure functions: thread-safe.
#pragma once

#include "storage/object_store.hpp"

#include <string>
#include <vector>

namespace openduck {

struct S3ListingPage {
	std::vector<ObjectInfo> objects; // keys as the server sent them (with the store's prefix)
	bool truncated = false;          // more pages follow
	std::string continuation_token;  // for the next page, when truncated
};

// Throws std::runtime_error (naming `store`) for an object whose size is not a number.
S3ListingPage ParseS3Listing(const std::string &xml, const std::string &store);

} // namespace openduck
