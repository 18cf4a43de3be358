#include "hub/hub_errors.h"

#include <gtest/gtest.h>

namespace litertlm::hub {
namespace {

HttpResponse Response(long status, std::string code = "", std::string message = "") {
  HttpResponse r;
  r.status = status;
  if (!code.empty()) r.headers["x-error-code"] = code;
  if (!message.empty()) r.headers["x-error-message"] = message;
  return r;
}

HubRequestContext Ctx(bool token) {
  HubRequestContext c;
  c.endpoint = "https://huggingface.co";
  c.repo = "google/gemma-3-270m";
  c.file = "config.json";
  c.revision = "main";
  c.has_token = token;
  if (token) c.token_source = "the HF_TOKEN environment variable";
  return c;
}

bool Has(const Status& s, const std::string& text) {
  return s.message().find(text) != std::string::npos;
}

TEST(HubHttpErrorTest, GatedWithoutTokenExplainsHfToken) {
  Status s = HubHttpError(Ctx(false), Response(401, "GatedRepo"));
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(Has(s, "Unauthorized (401)"));
  EXPECT_TRUE(Has(s, "export HF_TOKEN=your_huggingface_token"));
  EXPECT_TRUE(Has(s, "https://huggingface.co/settings/tokens"));
  EXPECT_TRUE(Has(s, "https://huggingface.co/google/gemma-3-270m"));
}

TEST(HubHttpErrorTest, RejectedTokenNamesItsSource) {
  Status s = HubHttpError(Ctx(true),
                          Response(401, "", "Invalid credentials in Authorization header"));
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(Has(s, "token from the HF_TOKEN environment variable was rejected"));
}

TEST(HubHttpErrorTest, GatedForbiddenGivesTheFourSteps) {
  Status s = HubHttpError(Ctx(true), Response(403, "GatedRepo"));
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(),
            "Cannot access gated model google/gemma-3-270m (403).\n"
            "This model requires accepting a license agreement.\n"
            "Please:\n"
            "  1. Visit: https://huggingface.co/google/gemma-3-270m\n"
            "  2. Click 'Agree and access repository'\n"
            "  3. Wait a few minutes for access to be granted\n"
            "  4. Try again");
}

TEST(HubHttpErrorTest, NotFoundVariants) {
  HubRequestContext repo_ctx = Ctx(false);
  repo_ctx.file.clear();
  Status repo = HubHttpError(repo_ctx, Response(404, "RepoNotFound"));
  EXPECT_EQ(repo.code(), StatusCode::kNotFound);
  EXPECT_TRUE(Has(repo, "model not found: google/gemma-3-270m"));
  Status file = HubHttpError(Ctx(false), Response(404, "EntryNotFound"));
  EXPECT_TRUE(Has(file, "file not found: config.json in google/gemma-3-270m"));
  Status rev = HubHttpError(Ctx(false), Response(404, "RevisionNotFound"));
  EXPECT_TRUE(Has(rev, "revision 'main' not found"));
  Status private_repo = HubHttpError(repo_ctx, Response(401, "RepoNotFound"));
  EXPECT_TRUE(Has(private_repo, "model not found or not accessible"));
}

TEST(HubHttpErrorTest, ServerErrorsAreUnavailable) {
  EXPECT_EQ(HubHttpError(Ctx(false), Response(503)).code(), StatusCode::kUnavailable);
  EXPECT_EQ(HubHttpError(Ctx(false), Response(429)).code(), StatusCode::kUnavailable);
  EXPECT_EQ(HubHttpError(Ctx(false), Response(418)).code(), StatusCode::kUnknown);
}

TEST(HttpHelpersTest, OriginsAndLocations) {
  EXPECT_EQ(UrlOrigin("HTTPS://Hub.Example:8443/a/b?x"), "https://hub.example:8443");
  EXPECT_EQ(UrlOrigin("http://user@h/x"), "http://h");
  EXPECT_NE(UrlOrigin("http://127.0.0.1:1/a"), UrlOrigin("http://127.0.0.1:2/a"));
  EXPECT_EQ(ResolveLocation("http://h:1/a/b/c", "/x/y"), "http://h:1/x/y");
  EXPECT_EQ(ResolveLocation("http://h:1/a/b/c", "d"), "http://h:1/a/b/d");
  EXPECT_EQ(ResolveLocation("http://h/a", "https://cdn/x"), "https://cdn/x");
  EXPECT_EQ(PercentEncode("refs/pr/1", false), "refs%2Fpr%2F1");
  EXPECT_EQ(PercentEncode("onnx/a b.json", true), "onnx/a%20b.json");
}

}  // namespace
}  // namespace litertlm::hub
