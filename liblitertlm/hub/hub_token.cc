#include "hub/hub_token.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace litertlm::hub {
namespace {

namespace fs = std::filesystem;

std::string Trim(const std::string& s) {
  const char* ws = " \t\r\n\v\f";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

// The first line of a small regular file, trimmed; empty when absent or unreadable.
std::string ReadTokenFile(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return "";
  if (fs::file_size(path, ec) > 4096) return "";
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return "";
  return Trim(line);
}

fs::path HfTokenFile(const EnvLookup& env) {
  auto get = [&](const char* name) { return env(name).value_or(""); };
  if (std::string p = get("HF_TOKEN_PATH"); !p.empty()) return p;
  if (std::string p = get("HF_HOME"); !p.empty()) return fs::path(p) / "token";
  if (std::string p = get("XDG_CACHE_HOME"); !p.empty())
    return fs::path(p) / "huggingface" / "token";
  if (std::string p = get("HOME"); !p.empty())
    return fs::path(p) / ".cache" / "huggingface" / "token";
  return {};
}

}  // namespace

EnvLookup ProcessEnvironment() {
  return [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

std::optional<HubToken> FindHubToken(const EnvLookup& env, const std::string& cwd) {
  for (const char* name : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"}) {
    std::string v = Trim(env(name).value_or(""));
    if (!v.empty()) return HubToken{v, std::string("the ") + name + " environment variable"};
  }
  fs::path dir = cwd.empty() ? fs::path(".") : fs::path(cwd);
  fs::path here = dir / "HF_TOKEN";
  if (std::string v = ReadTokenFile(here); !v.empty()) return HubToken{v, here.string()};
  std::error_code ec;
  fs::path abs = fs::absolute(dir, ec).lexically_normal();
  if (!abs.has_filename()) abs = abs.parent_path();
  fs::path parent = abs.parent_path() / "HF_TOKEN";
  if (abs.has_parent_path() && abs != abs.root_path()) {
    if (std::string v = ReadTokenFile(parent); !v.empty()) return HubToken{v, parent.string()};
  }
  fs::path file = HfTokenFile(env);
  if (!file.empty()) {
    if (std::string v = ReadTokenFile(file); !v.empty()) return HubToken{v, file.string()};
  }
  return std::nullopt;
}

std::string RedactToken(std::string text, const std::string& token) {
  if (token.empty()) return text;
  size_t pos = 0;
  while ((pos = text.find(token, pos)) != std::string::npos) {
    text.replace(pos, token.size(), "<redacted>");
    pos += 10;
  }
  return text;
}

}  // namespace litertlm::hub
