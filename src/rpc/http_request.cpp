#include "rpc/http_request.hpp"

#include <algorithm>
#include <cctype>

namespace openduck {

HttpRequestParser::State HttpRequestParser::Feed(const char *data, std::size_t size) {
	if (state_ != State::kIncomplete) {
		return state_;
	}
	std::size_t scan_from = buffer_.size() >= 3 ? buffer_.size() - 3 : 0;
	buffer_.append(data, size);
	// The head ends at the first empty line, whether lines end with CRLF or with a bare LF
	// (hand-typed netcat probes): the earliest of the two, so the result does not depend on how
	// the bytes were cut into reads (a later CRLF one once took a body line for a header).
	auto end = std::min(buffer_.find("\n\r\n", scan_from), buffer_.find("\n\n", scan_from));
	if (end == std::string::npos) {
		if (buffer_.size() > kMaxRequestBytes) {
			state_ = State::kTooLarge;
		}
		return state_;
	}
	if (end > kMaxRequestBytes) {
		state_ = State::kTooLarge;
		return state_;
	}
	buffer_.resize(end);
	ParseHead();
	return state_;
}

void HttpRequestParser::ParseHead() {
	auto line_end = buffer_.find('\n');
	std::string line = buffer_.substr(0, line_end);
	if (!line.empty() && line.back() == '\r') {
		line.pop_back();
	}
	auto first_space = line.find(' ');
	auto second_space = first_space == std::string::npos ? std::string::npos : line.find(' ', first_space + 1);
	if (first_space == 0 || second_space == std::string::npos || second_space == first_space + 1 ||
	    line.find(' ', second_space + 1) != std::string::npos) {
		state_ = State::kInvalid;
		return;
	}
	request_.method = line.substr(0, first_space);
	std::string target = line.substr(first_space + 1, second_space - first_space - 1);
	request_.version = line.substr(second_space + 1);
	if (target[0] != '/' || request_.version.compare(0, 5, "HTTP/") != 0) {
		state_ = State::kInvalid;
		return;
	}
	request_.path = target.substr(0, target.find('?'));
	// Headers: only Authorization matters (name case-insensitive, value without surrounding blanks).
	static const std::string kAuthorization = "authorization:";
	for (auto start = line_end; start != std::string::npos && start < buffer_.size();) {
		auto end = buffer_.find('\n', start + 1);
		auto header = buffer_.substr(start + 1, end == std::string::npos ? std::string::npos : end - start - 1);
		start = end;
		if (header.size() < kAuthorization.size()) {
			continue;
		}
		bool match = true;
		for (std::size_t i = 0; i < kAuthorization.size() && match; i++) {
			match = std::tolower(static_cast<unsigned char>(header[i])) == kAuthorization[i];
		}
		if (match) {
			auto value = header.substr(kAuthorization.size());
			auto first = value.find_first_not_of(" \t");
			auto last = value.find_last_not_of(" \t\r");
			request_.authorization = first == std::string::npos ? "" : value.substr(first, last - first + 1);
		}
	}
	state_ = State::kComplete;
}

static const char *ReasonPhrase(int status) {
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 431:
		return "Request Header Fields Too Large";
	default:
		return "Error";
	}
}

std::string RenderHttpResponse(int status, const std::string &content_type, const std::string &body) {
	std::string response = "HTTP/1.1 " + std::to_string(status) + " " + ReasonPhrase(status) + "\r\n";
	response += "Content-Type: " + content_type + "\r\n";
	response += "Content-Length: " + std::to_string(body.size()) + "\r\n";
	if (status == 401) {
		response += "WWW-Authenticate: Bearer\r\n";
	}
	response += "Connection: close\r\n\r\n";
	response += body;
	return response;
}

} // namespace openduck
