#include "hub/hub_client.h"

#include <sys/statvfs.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "hub/etag.h"
#include "hub/hub_paths.h"
#include "hub/partial_file.h"
#include "litertlm/version.h"
#include "util/json.h"
#include "util/status_macros.h"

namespace litertlm::hub {
namespace {

using Clock = std::chrono::steady_clock;

bool IsHex40(const std::string& s) {
  if (s.size() != 40) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::optional<uint64_t> ParseSize(const std::string& s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

long EnvSeconds(const EnvLookup& env, const char* name, long fallback) {
  std::optional<std::string> v = env(name);
  if (!v || v->empty()) return fallback;
  char* end = nullptr;
  double d = std::strtod(v->c_str(), &end);
  if (*end != '\0' || d <= 0) return fallback;
  return static_cast<long>(d + 0.999);
}

std::string WithNetworkHint(const std::string& message) {
  return message +
         "; check your network connection (or HF_ENDPOINT), or use --offline for models "
         "already downloaded";
}

// Free bytes for unprivileged users on the file system holding `dir`; nullopt when unknown.
std::optional<uint64_t> FreeBytes(const std::string& dir) {
  struct statvfs vfs;
  if (::statvfs(dir.c_str(), &vfs) != 0) return std::nullopt;
  return static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
}

Status ParseSibling(const rapidjson::Value& v, const std::string& origin, RepoFile* out) {
  if (!v.IsObject()) return InvalidArgumentError(origin + ": field 'siblings' holds a non-object");
  JsonObjectReader r(v, origin);
  ASSIGN_OR_RETURN(out->name, r.RequireString("rfilename"));
  RETURN_IF_ERROR(ValidateRepoFilename(out->name));
  ASSIGN_OR_RETURN(std::optional<int64_t> size, r.Int("size"));
  if (size && *size >= 0) out->size = static_cast<uint64_t>(*size);
  ASSIGN_OR_RETURN(const rapidjson::Value* lfs, r.Object("lfs"));
  if (lfs != nullptr) {
    JsonObjectReader lr(*lfs, origin + ": " + out->name + ": lfs");
    ASSIGN_OR_RETURN(std::optional<std::string> sha, lr.String("sha256"));
    if (sha) out->lfs_sha256 = NormalizeEtag(*sha);
    ASSIGN_OR_RETURN(std::optional<int64_t> lfs_size, lr.Int("size"));
    if (lfs_size && *lfs_size >= 0) out->size = static_cast<uint64_t>(*lfs_size);
  }
  return Status::Ok();
}

}  // namespace

StatusOr<HubConfig> HubConfigFromEnvironment(const EnvLookup& env, const std::string& cwd) {
  HubConfig config;
  std::string endpoint = env("HF_ENDPOINT").value_or("");
  if (!endpoint.empty()) {
    while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
    if (endpoint.rfind("http://", 0) != 0 && endpoint.rfind("https://", 0) != 0)
      return InvalidArgumentError("HF_ENDPOINT must start with http:// or https:// (got '" +
                                  endpoint + "')");
    config.endpoint = endpoint;
  }
  config.token = FindHubToken(env, cwd);
  config.metadata_timeout_s = EnvSeconds(env, "HF_HUB_ETAG_TIMEOUT", config.metadata_timeout_s);
  config.download_stall_s = EnvSeconds(env, "HF_HUB_DOWNLOAD_TIMEOUT", config.download_stall_s);
  return config;
}

HubRequestContext HubClient::Context(const std::string& repo, const std::string& file,
                                     const std::string& revision) const {
  HubRequestContext ctx;
  ctx.endpoint = config_.endpoint;
  ctx.repo = repo;
  ctx.file = file;
  ctx.revision = revision;
  ctx.has_token = config_.token.has_value();
  if (config_.token) ctx.token_source = config_.token->source;
  return ctx;
}

std::vector<std::string> HubClient::BaseHeaders(bool with_token) const {
  std::vector<std::string> h = {std::string("User-Agent: liblitertlm/") + LITERTLM_VERSION_STRING,
                                "Accept-Encoding: identity"};
  if (with_token && config_.token) h.push_back("Authorization: Bearer " + config_.token->value);
  return h;
}

Status HubClient::Redacted(const Status& status) const {
  if (status.ok() || !config_.token) return status;
  return Status(status.code(), RedactToken(status.message(), config_.token->value));
}

StatusOr<HttpResponse> HubClient::GetApi(const std::string& start_url) {
  std::string url = start_url;
  int hops = 0;
  for (int attempt = 0;;) {
    HttpRequest req;
    req.url = url;
    req.headers = BaseHeaders(true);
    req.headers.push_back("Accept: application/json");
    req.total_timeout_s = config_.metadata_timeout_s * 3;
    req.stall_timeout_s = config_.metadata_timeout_s;
    StatusOr<HttpResponse> r = http_.Perform(req);
    if (!r.ok()) return Redacted(UnavailableError(WithNetworkHint(r.status().message())));
    std::string location = r->Header("location");
    if (r->status >= 300 && r->status < 400 && !location.empty() && hops < 5) {
      std::string next = ResolveLocation(url, location);
      if (UrlOrigin(next) == UrlOrigin(url)) {  // a renamed repository; never leave the Hub
        url = next;
        ++hops;
        continue;
      }
    }
    bool retryable = r->status == 429 || r->status >= 500;
    if (!retryable || ++attempt >= config_.max_attempts) return r;
    uint64_t wait = std::min<uint64_t>(
        ParseSize(r->Header("retry-after")).value_or(uint64_t{1} << (attempt - 1)), 10);
    std::this_thread::sleep_for(std::chrono::seconds(wait));
  }
}

StatusOr<RepoListing> HubClient::ListFiles(const std::string& repo, const std::string& revision) {
  RETURN_IF_ERROR(ValidateRepoId(repo));
  ASSIGN_OR_RETURN(HttpResponse resp,
                   GetApi(config_.endpoint + "/api/models/" + repo + "/revision/" +
                          PercentEncode(revision, false) + "?blobs=true"));
  if (resp.status != 200) return Redacted(HubHttpError(Context(repo, "", revision), resp));
  if (!resp.transfer_error.empty())
    return Redacted(UnavailableError(WithNetworkHint("listing " + repo + " from " +
                                                     config_.endpoint + " broke off: " +
                                                     resp.transfer_error)));
  std::string origin = "Hub listing of " + repo;
  ASSIGN_OR_RETURN(auto doc, ParseJson(resp.body, origin));
  if (!doc->IsObject()) return InvalidArgumentError(origin + ": not a JSON object");
  JsonObjectReader top(*doc, origin);
  RepoListing listing;
  listing.repo = repo;
  ASSIGN_OR_RETURN(std::optional<std::string> sha, top.String("sha"));
  if (sha && IsHex40(*sha)) listing.commit = *sha;
  ASSIGN_OR_RETURN(const rapidjson::Value* siblings, top.Array("siblings"));
  if (siblings == nullptr) return InvalidArgumentError(origin + ": field 'siblings' is missing");
  for (const rapidjson::Value& v : siblings->GetArray()) {
    RepoFile f;
    RETURN_IF_ERROR(ParseSibling(v, origin, &f));
    listing.files.push_back(std::move(f));
  }
  return listing;
}

StatusOr<HubClient::FileMetadata> HubClient::Head(const HubRequestContext& ctx,
                                                  const std::string& start_url) {
  std::string url = start_url;
  for (int hop = 0; hop < 5; ++hop) {
    HttpRequest req;
    req.url = url;
    req.head = true;
    req.headers = BaseHeaders(true);
    req.total_timeout_s = config_.metadata_timeout_s;
    StatusOr<HttpResponse> r = http_.Perform(req);
    if (!r.ok()) return Redacted(UnavailableError(WithNetworkHint(r.status().message())));
    const HttpResponse& resp = *r;
    if (resp.status >= 400 || resp.status < 200) return Redacted(HubHttpError(ctx, resp));
    FileMetadata meta;
    meta.etag = NormalizeEtag(resp.Header("x-linked-etag"));
    if (meta.etag.empty()) meta.etag = NormalizeEtag(resp.Header("etag"));
    meta.size = ParseSize(resp.Header("x-linked-size"));
    std::string location = resp.Header("location");
    if (resp.status >= 300) {
      if (location.empty())
        return UnknownError("HTTP " + std::to_string(resp.status) + " without Location from " +
                            config_.endpoint + " for " + ctx.repo + "/" + ctx.file);
      if (location.find("://") == std::string::npos) {  // renamed repository: follow
        url = ResolveLocation(url, location);
        continue;
      }
      meta.download_url = location;
      meta.send_token = UrlOrigin(location) == UrlOrigin(url);
      return meta;
    }
    if (!meta.size) meta.size = ParseSize(resp.Header("content-length"));
    meta.download_url = url;
    return meta;
  }
  return UnknownError("too many redirects from " + config_.endpoint + " for " + ctx.repo + "/" +
                      ctx.file);
}

namespace {

// Calls `progress` at most every 200 ms, and always for the final state.
class ProgressThrottle {
 public:
  ProgressThrottle(const FileProgressFn& fn, std::string file, uint64_t total, uint64_t start)
      : fn_(fn), start_bytes_(start), start_(Clock::now()), last_(start_) {
    state_.file = std::move(file);
    state_.bytes_total = total;
    state_.bytes_done = start;
  }
  void Update(uint64_t done, bool finished) {
    if (!fn_) return;
    auto now = Clock::now();
    if (!finished && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    state_.bytes_done = done;
    state_.bytes_per_second = secs > 0 ? static_cast<double>(done - start_bytes_) / secs : 0;
    state_.finished = finished;
    fn_(state_);
  }

 private:
  const FileProgressFn& fn_;
  FileProgress state_;
  uint64_t start_bytes_;
  Clock::time_point start_;
  Clock::time_point last_;
};

}  // namespace

Status HubClient::Download(const std::string& repo, const std::string& revision,
                           const RepoFile& file, const std::string& dest_path,
                           const FileProgressFn& progress) {
  RETURN_IF_ERROR(ValidateRepoId(repo));
  RETURN_IF_ERROR(ValidateRepoFilename(file.name));
  HubRequestContext ctx = Context(repo, file.name, revision);
  const std::string label = repo + "/" + file.name;
  std::string url = config_.endpoint + "/" + repo + "/resolve/" + PercentEncode(revision, false) +
                    "/" + PercentEncode(file.name, true);
  ASSIGN_OR_RETURN(FileMetadata meta, Head(ctx, url));
  if (meta.etag.empty()) meta.etag = file.lfs_sha256;
  if (!meta.size) meta.size = file.size;
  ASSIGN_OR_RETURN(PartialFile part, PartialFile::Open(dest_path, meta.etag, meta.size, label));
  if (meta.size && *meta.size > part.size()) {
    std::string dir = std::filesystem::path(dest_path).parent_path().string();
    std::optional<uint64_t> free_bytes = FreeBytes(dir);
    uint64_t need = *meta.size - part.size();
    if (free_bytes && *free_bytes < need) {
      if (part.size() == 0) part.Discard();
      return ResourceExhaustedError("disk full: " + label + " needs " + std::to_string(need) +
                                    " more bytes but only " + std::to_string(*free_bytes) +
                                    " are free in " + dir + "; nothing was written");
    }
  }
  ProgressThrottle throttle(progress, file.name, meta.size.value_or(0), part.size());
  RETURN_IF_ERROR(Transfer(ctx, meta, part, [&](uint64_t done) { throttle.Update(done, false); }));
  throttle.Update(part.size(), true);
  return part.Commit();
}

Status HubClient::Transfer(const HubRequestContext& ctx, const FileMetadata& meta,
                           PartialFile& part, const std::function<void(uint64_t)>& on_bytes) {
  std::string interruption;
  for (int attempt = 0; attempt < config_.max_attempts; ++attempt) {
    if (meta.size && part.size() == *meta.size) return Status::Ok();
    HttpRequest req;
    req.url = meta.download_url;
    req.headers = BaseHeaders(meta.send_token);
    req.stall_timeout_s = config_.download_stall_s;
    const uint64_t offset = part.size();
    if (offset > 0) req.headers.push_back("Range: bytes=" + std::to_string(offset) + "-");
    Status write_status;
    bool first = true;
    auto sink = [&](long status, const char* data, size_t n) {
      if (first) {
        first = false;
        if (status == 200 && offset > 0) write_status = part.Restart();  // Range ignored
        if (!write_status.ok()) return false;
      }
      write_status = part.Append(data, n);
      on_bytes(part.size());
      return write_status.ok();
    };
    StatusOr<HttpResponse> r = http_.Perform(req, sink);
    if (!write_status.ok()) return write_status;  // disk full: partial already deleted
    if (!r.ok()) {
      interruption = r.status().message();
      if (part.size() == 0 && attempt == 0) {
        part.Discard();
        return Redacted(UnavailableError(WithNetworkHint(interruption)));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500 * (attempt + 1)));
      continue;
    }
    if (r->status == 416) {  // our Range is past the end: start over
      RETURN_IF_ERROR(part.Restart());
      continue;
    }
    if (r->status < 200 || r->status >= 300) {
      if (part.size() == 0) part.Discard();
      return Redacted(HubHttpError(ctx, *r));
    }
    if (r->transfer_error.empty()) return Status::Ok();
    interruption = r->transfer_error;
  }
  part.Keep();
  return Redacted(UnavailableError(
      "download of " + ctx.repo + "/" + ctx.file + " was interrupted after " +
      std::to_string(part.size()) +
      (meta.size ? " of " + std::to_string(*meta.size) : std::string()) + " bytes (" +
      interruption + "); run the same command again to resume"));
}

}  // namespace litertlm::hub
