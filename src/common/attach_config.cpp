#include "common/attach_config.hpp"

#include <cstdlib>
#include <stdexcept>

namespace openduck {

static const char *kKnownKeys = "endpoint, token, snapshot, access, secret, ca, client_cert, client_key";

static std::string PercentDecode(const std::string &text) {
	std::string out;
	for (size_t i = 0; i < text.size(); i++) {
		if (text[i] == '%' && i + 2 < text.size() && isxdigit(text[i + 1]) && isxdigit(text[i + 2])) {
			out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
			i += 2;
		} else {
			out += text[i];
		}
	}
	return out;
}

static void SetKey(AttachConfig &config, std::string &endpoint_text, const std::string &key, const std::string &value) {
	if (key == "endpoint") {
		endpoint_text = value;
	} else if (key == "token") {
		config.token = value;
	} else if (key == "snapshot") {
		config.snapshot = value;
	} else if (key == "access") {
		if (value != "read_only" && value != "read_write") {
			throw std::invalid_argument("OpenDuck ATTACH option access='" + value +
			                            "' is not one of read_only, read_write");
		}
		config.read_only = value == "read_only";
	} else if (key == "ca") {
		config.tls.ca_file = value;
	} else if (key == "client_cert") {
		config.tls.cert_file = value;
	} else if (key == "client_key") {
		config.tls.key_file = value;
	} else {
		throw std::invalid_argument("unknown OpenDuck ATTACH option '" + key + "' (known options: " + kKnownKeys + ")");
	}
}

std::string AttachPathDatabase(const std::string &path) {
	return PercentDecode(path.substr(0, path.find('?')));
}

AttachConfig ParseAttachConfig(const std::string &path, const std::map<std::string, std::string> &options,
                               const std::map<std::string, std::string> &secret) {
	AttachConfig config;
	std::string endpoint_text;
	if (const char *env = std::getenv("OPENDUCK_ENDPOINT")) {
		endpoint_text = env;
	}
	if (const char *env = std::getenv("OPENDUCK_TOKEN")) {
		config.token = env;
	}
	if (const char *env = std::getenv("OPENDUCK_CA")) {
		config.tls.ca_file = env;
	}
	if (const char *env = std::getenv("OPENDUCK_CLIENT_CERT")) {
		config.tls.cert_file = env;
	}
	if (const char *env = std::getenv("OPENDUCK_CLIENT_KEY")) {
		config.tls.key_file = env;
	}
	for (auto &setting : secret) {
		SetKey(config, endpoint_text, setting.first, setting.second);
	}

	auto question = path.find('?');
	config.database = AttachPathDatabase(path);
	if (question != std::string::npos) {
		std::string query = path.substr(question + 1);
		size_t pos = 0;
		while (pos <= query.size()) {
			auto amp = query.find('&', pos);
			std::string pair = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
			if (!pair.empty()) {
				auto eq = pair.find('=');
				if (eq == std::string::npos) {
					throw std::invalid_argument("OpenDuck ATTACH parameter '" + pair +
					                            "' has no value (write key=value, e.g. ?endpoint=http://host:7878)");
				}
				std::string key = pair.substr(0, eq);
				for (auto &c : key) {
					c = static_cast<char>(tolower(c));
				}
				SetKey(config, endpoint_text, key, PercentDecode(pair.substr(eq + 1)));
			}
			if (amp == std::string::npos) {
				break;
			}
			pos = amp + 1;
		}
	}
	for (auto &option : options) {
		SetKey(config, endpoint_text, option.first, option.second);
	}
	if (config.database.empty()) {
		throw std::invalid_argument("OpenDuck ATTACH needs a database name, e.g. ATTACH 'openduck:mydb' AS cloud");
	}
	config.endpoint = ParseEndpoint(endpoint_text.empty() ? kDefaultEndpoint : endpoint_text);
	return config;
}

} // namespace openduck
