#include "hub/hub_errors.h"

namespace litertlm::hub {
namespace {

constexpr const char* kTokensUrl = "https://huggingface.co/settings/tokens";

std::string What(const HubRequestContext& ctx) {
  return ctx.file.empty() ? ctx.repo : ctx.repo + "/" + ctx.file;
}

std::string SetTokenHelp() {
  return std::string("Set your Hugging Face token:\n  export HF_TOKEN=your_huggingface_token\n") +
         "(or write it to a file named HF_TOKEN in the current directory). Get a token at " +
         kTokensUrl;
}

Status Unauthorized(const HubRequestContext& ctx, const std::string& code,
                    const std::string& message) {
  bool invalid = message.find("Invalid credentials") != std::string::npos ||
                 message.find("Invalid username or password") != std::string::npos;
  if (ctx.has_token && (invalid || code == "GatedRepo")) {
    return UnauthenticatedError("Unauthorized (401): the Hugging Face token from " +
                                ctx.token_source + " was rejected by " + ctx.endpoint + " for " +
                                ctx.repo + ".\n" + SetTokenHelp());
  }
  if (code == "GatedRepo") {
    return UnauthenticatedError("Unauthorized (401): " + ctx.repo +
                                " is a gated model and needs a Hugging Face token.\n" +
                                SetTokenHelp() + "\nand accept the license at " + ctx.endpoint +
                                "/" + ctx.repo);
  }
  // The Hub answers 401 for missing *and* private repositories when no token is sent.
  return UnauthenticatedError("Unauthorized (401): model not found or not accessible: " +
                              ctx.repo + " on " + ctx.endpoint +
                              ". Check the name; if it is private or gated, you need a token.\n" +
                              SetTokenHelp());
}

Status NotFound(const HubRequestContext& ctx, const std::string& code) {
  if (code == "RevisionNotFound")
    return NotFoundError("revision '" + ctx.revision + "' not found in " + ctx.repo + " on " +
                         ctx.endpoint + " (404)");
  if (code == "EntryNotFound" || (!ctx.file.empty() && code.empty()))
    return NotFoundError("file not found: " + ctx.file + " in " + ctx.repo + " on " +
                         ctx.endpoint + " (404)");
  std::string hint = ctx.has_token
                         ? " Check the name, and that the token from " + ctx.token_source +
                               " has access if the model is private."
                         : " Check the name; if the model is private, set HF_TOKEN.";
  return NotFoundError("model not found: " + ctx.repo + " does not exist on " + ctx.endpoint +
                       " (404)." + hint);
}

}  // namespace

std::string GatedLicenseSteps(const std::string& endpoint, const std::string& repo) {
  return "Cannot access gated model " + repo + " (403).\n"
         "This model requires accepting a license agreement.\n"
         "Please:\n"
         "  1. Visit: " + endpoint + "/" + repo + "\n"
         "  2. Click 'Agree and access repository'\n"
         "  3. Wait a few minutes for access to be granted\n"
         "  4. Try again";
}

Status HubHttpError(const HubRequestContext& ctx, const HttpResponse& response) {
  const std::string code = response.Header("x-error-code");
  const std::string message = response.Header("x-error-message");
  const long status = response.status;
  if (status == 401) return Unauthorized(ctx, code, message);
  if (status == 403) {
    if (code == "GatedRepo") return PermissionDeniedError(GatedLicenseSteps(ctx.endpoint, ctx.repo));
    if (message.find("disabled") != std::string::npos)
      return PermissionDeniedError("Forbidden (403): " + ctx.repo + " has been disabled on " +
                                   ctx.endpoint);
    return PermissionDeniedError(
        "Forbidden (403): " + ctx.endpoint + " refused access to " + What(ctx) +
        (ctx.has_token ? "; check that the token from " + ctx.token_source +
                             " has read permission"
                       : "; set HF_TOKEN if the model needs a token"));
  }
  if (status == 404) return NotFound(ctx, code);
  if (status == 429)
    return UnavailableError("rate limited by " + ctx.endpoint + " (429) while fetching " +
                            What(ctx) + "; try again in a minute");
  if (status >= 500)
    return UnavailableError(ctx.endpoint + " answered " + std::to_string(status) + " for " +
                            What(ctx) + "; the Hub may be having problems, try again later");
  return UnknownError("unexpected HTTP " + std::to_string(status) + " from " + ctx.endpoint +
                      " for " + What(ctx));
}

}  // namespace litertlm::hub
