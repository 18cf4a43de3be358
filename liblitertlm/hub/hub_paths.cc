#include "hub/hub_paths.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <vector>

namespace litertlm::hub {
namespace {

namespace fs = std::filesystem;

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos
                                                                  : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return parts;
}

bool IsRepoChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == '-';
}

std::string Printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s.substr(0, 200)) {
    if (IsControl(c)) {
      static const char* kHex = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// Absolute, lexically normalised, without a trailing separator.
fs::path Normal(const fs::path& p) {
  std::error_code ec;
  fs::path abs = p.is_absolute() ? p : fs::absolute(p, ec);
  fs::path n = abs.lexically_normal();
  if (n.has_filename() || n == n.root_path()) return n;
  return n.parent_path();
}

// Canonical path of the deepest existing ancestor of `p`, with the missing tail appended.
fs::path Canonical(const fs::path& p) {
  fs::path existing = p;
  fs::path tail;
  std::error_code ec;
  while (!existing.empty() && !fs::exists(fs::symlink_status(existing, ec))) {
    tail = existing.filename() / tail;
    if (existing == existing.parent_path()) break;
    existing = existing.parent_path();
  }
  fs::path canon = fs::canonical(existing, ec);
  if (ec) canon = existing;
  return Normal(tail.empty() ? canon : canon / tail);
}

bool PathStartsWith(const fs::path& path, const fs::path& root) {
  auto p = path.begin();
  for (auto r = root.begin(); r != root.end(); ++r, ++p) {
    if (p == path.end() || *p != *r) return false;
  }
  return true;
}

}  // namespace

Status ValidateRepoId(std::string_view repo_id) {
  auto bad = [&](const std::string& why) {
    return InvalidArgumentError("invalid model name '" + Printable(repo_id) + "': " + why +
                                " (expected ORG/NAME, e.g. Qwen/Qwen3-0.6B)");
  };
  std::vector<std::string_view> parts = Split(repo_id, '/');
  if (parts.size() != 2) return bad("it must have exactly one '/'");
  for (std::string_view part : parts) {
    if (part.empty()) return bad("empty component");
    if (part.size() > 96) return bad("component longer than 96 characters");
    for (char c : part) {
      if (!IsRepoChar(c)) return bad("character not allowed in a repository id");
    }
    if (part.front() == '.' || part.front() == '-' || part.back() == '.' || part.back() == '-')
      return bad("a component may not start or end with '.' or '-'");
    if (part.find("..") != std::string_view::npos || part.find("--") != std::string_view::npos)
      return bad("'..' and '--' are not allowed");
  }
  return Status::Ok();
}

Status ValidateRepoFilename(std::string_view filename) {
  auto bad = [&](const std::string& why) {
    return InvalidArgumentError("refusing file name '" + Printable(filename) +
                                "' from the Hub: " + why);
  };
  if (filename.empty()) return bad("empty");
  if (filename.size() > 1024) return bad("longer than 1024 bytes");
  if (filename.front() == '/') return bad("absolute path");
  for (unsigned char c : filename) {
    if (IsControl(c)) return bad("control character");
    if (c == '\\') return bad("backslash");
  }
  for (std::string_view part : Split(filename, '/')) {
    if (part.empty()) return bad("empty path component");
    if (part == "." || part == "..") return bad("'.' or '..' path component");
    if (part.size() > 255) return bad("path component longer than 255 bytes");
  }
  return Status::Ok();
}

bool IsInside(const std::string& root, const std::string& path) {
  fs::path r = Canonical(root);
  fs::path p = Canonical(path);
  return PathStartsWith(p, r);
}

StatusOr<std::string> ResolveInside(const std::string& root, const std::string& relative) {
  fs::path rel(relative);
  if (relative.empty() || rel.is_absolute())
    return InvalidArgumentError("path '" + Printable(relative) + "' must be relative");
  fs::path r = Normal(root);
  fs::path joined = Normal(r / rel);
  if (joined == r || !PathStartsWith(joined, r))
    return InvalidArgumentError("path '" + Printable(relative) + "' leaves the models directory " +
                                r.string());
  fs::path canon_root = Canonical(r);
  fs::path canon = Canonical(joined);
  if (canon == canon_root || !PathStartsWith(canon, canon_root))
    return InvalidArgumentError("path '" + Printable(relative) +
                                "' resolves (through a symbolic link) outside the models directory " +
                                r.string());
  return joined.string();
}

StatusOr<std::string> ChooseModelsDir(const ModelsDirSources& s) {
  fs::path chosen;
  if (!s.flag.empty()) {
    chosen = s.flag;
  } else if (!s.env_models_dir.empty()) {
    chosen = s.env_models_dir;
  } else if (!s.xdg_cache_home.empty() && fs::path(s.xdg_cache_home).is_absolute()) {
    chosen = fs::path(s.xdg_cache_home) / "litert-lm" / "models";
  } else if (!s.home.empty()) {
    chosen = fs::path(s.home) / ".cache" / "litert-lm" / "models";
  } else {
    return FailedPreconditionError(
        "cannot choose a models directory: HOME is not set; use --models-dir or "
        "LITERTLM_MODELS_DIR");
  }
  return Normal(chosen).string();
}

StatusOr<std::string> ModelsDirFromEnvironment(const std::string& flag) {
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  return ChooseModelsDir({flag, env("LITERTLM_MODELS_DIR"), env("XDG_CACHE_HOME"), env("HOME")});
}

}  // namespace litertlm::hub
