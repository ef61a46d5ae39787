#include "arrow/arrow_layout.hpp"

#include "duckdb/common/exception.hpp"

#include <cstdlib>
#include <cstring>

namespace openduck {

static ArrowLayout Fixed(int64_t width) {
	return ArrowLayout {ArrowLayoutKind::FIXED_WIDTH, width};
}

// Parses the positive integer after "<prefix>" in formats such as "w:16" and "+w:3".
static int64_t ParseWidth(const char *format, const char *digits) {
	char *end = nullptr;
	auto value = std::strtoll(digits, &end, 10);
	if (end == digits || *end != '\0' || value <= 0) {
		throw duckdb::IOException("Arrow format \"%s\" has an invalid width", format);
	}
	return value;
}

static int64_t DecimalWidth(const char *format) {
	// "d:precision,scale[,bitWidth]"; the bit width defaults to 128.
	const char *first_comma = std::strchr(format, ',');
	if (!first_comma) {
		throw duckdb::IOException("Arrow decimal format \"%s\" lacks a scale", format);
	}
	const char *second_comma = std::strchr(first_comma + 1, ',');
	if (!second_comma) {
		return 16;
	}
	auto bits = ParseWidth(format, second_comma + 1);
	if (bits != 32 && bits != 64 && bits != 128 && bits != 256) {
		throw duckdb::IOException("Arrow decimal format \"%s\" has an unsupported bit width", format);
	}
	return bits / 8;
}

ArrowLayout ArrowLayout::FromFormat(const char *format) {
	if (!format) {
		throw duckdb::IOException("Arrow schema without a format string");
	}
	const std::string f(format);
	if (f.size() == 1) {
		switch (f[0]) {
		case 'n':
			return {ArrowLayoutKind::NULL_TYPE};
		case 'b':
			return {ArrowLayoutKind::BOOLEAN};
		case 'c':
		case 'C':
			return Fixed(1);
		case 's':
		case 'S':
		case 'e':
			return Fixed(2);
		case 'i':
		case 'I':
		case 'f':
			return Fixed(4);
		case 'l':
		case 'L':
		case 'g':
			return Fixed(8);
		case 'u':
		case 'z':
			return {ArrowLayoutKind::BINARY};
		case 'U':
		case 'Z':
			return {ArrowLayoutKind::LARGE_BINARY};
		default:
			break;
		}
	} else if (f == "vu" || f == "vz") {
		return {ArrowLayoutKind::BINARY_VIEW};
	} else if (f.rfind("d:", 0) == 0) {
		return Fixed(DecimalWidth(format));
	} else if (f.rfind("w:", 0) == 0) {
		return Fixed(ParseWidth(format, format + 2));
	} else if (f == "tdD" || f == "tts" || f == "ttm" || f == "tiM") {
		return Fixed(4);
	} else if (f == "tdm" || f == "ttu" || f == "ttn" || f == "tiD" || f.rfind("tD", 0) == 0) {
		return Fixed(8);
	} else if (f.rfind("ts", 0) == 0 && f.size() >= 4 && f[3] == ':') {
		return Fixed(8);
	} else if (f == "tin") {
		return Fixed(16);
	} else if (f == "+l" || f == "+m") {
		// A map is laid out as a list of key/value structs.
		return {ArrowLayoutKind::LIST};
	} else if (f == "+L") {
		return {ArrowLayoutKind::LARGE_LIST};
	} else if (f == "+vl") {
		return {ArrowLayoutKind::LIST_VIEW};
	} else if (f == "+vL") {
		return {ArrowLayoutKind::LARGE_LIST_VIEW};
	} else if (f.rfind("+w:", 0) == 0) {
		return {ArrowLayoutKind::FIXED_LIST, ParseWidth(format, format + 3)};
	} else if (f == "+s") {
		return {ArrowLayoutKind::STRUCT};
	} else if (f.rfind("+us:", 0) == 0) {
		return {ArrowLayoutKind::SPARSE_UNION};
	} else if (f.rfind("+ud:", 0) == 0) {
		return {ArrowLayoutKind::DENSE_UNION};
	} else if (f == "+r") {
		return {ArrowLayoutKind::RUN_END_ENCODED};
	}
	throw duckdb::IOException("unsupported Arrow format \"%s\"", f);
}

int64_t ArrowLayout::IpcBufferCount() const {
	switch (kind) {
	case ArrowLayoutKind::NULL_TYPE:
	case ArrowLayoutKind::RUN_END_ENCODED:
		return 0;
	case ArrowLayoutKind::FIXED_LIST:
	case ArrowLayoutKind::STRUCT:
	case ArrowLayoutKind::SPARSE_UNION:
		return 1;
	case ArrowLayoutKind::BOOLEAN:
	case ArrowLayoutKind::FIXED_WIDTH:
	case ArrowLayoutKind::LIST:
	case ArrowLayoutKind::LARGE_LIST:
	case ArrowLayoutKind::DENSE_UNION:
	case ArrowLayoutKind::BINARY_VIEW:
		return 2;
	case ArrowLayoutKind::BINARY:
	case ArrowLayoutKind::LARGE_BINARY:
	case ArrowLayoutKind::LIST_VIEW:
	case ArrowLayoutKind::LARGE_LIST_VIEW:
		return 3;
	}
	return 0;
}

int64_t ArrowLayout::CBufferCount() const {
	return kind == ArrowLayoutKind::BINARY_VIEW ? 3 : IpcBufferCount();
}

bool ArrowLayout::HasValidity() const {
	switch (kind) {
	case ArrowLayoutKind::NULL_TYPE:
	case ArrowLayoutKind::RUN_END_ENCODED:
	case ArrowLayoutKind::SPARSE_UNION:
	case ArrowLayoutKind::DENSE_UNION:
		return false;
	default:
		return true;
	}
}

} // namespace openduck
