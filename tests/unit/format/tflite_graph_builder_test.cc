// TfliteGraphBuilder: a model whose large buffers wait in a scratch file serializes to exactly the
// bytes of the same model held in memory, streamed piece by piece; a sink's error stops it.
#include <gtest/gtest.h>

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "format/tflite_graph_builder.h"
#include "format/tflite_model.h"
#include "unit/test_util.h"

namespace litertlm::format {
namespace {

// Two constants of each size class (below / above the spill threshold) and one op over them.
void BuildSmallModel(TfliteGraphBuilder& b) {
  std::vector<float> small(10), large(TfliteGraphBuilder::kSpillBytes / 4 + 3);
  for (size_t i = 0; i < small.size(); ++i) small[i] = 0.5f * static_cast<float>(i);
  for (size_t i = 0; i < large.size(); ++i) large[i] = static_cast<float>(i % 977) - 3.0f;
  const int sg = b.AddSubgraph("main");
  const int x = b.AddTensor(sg, "x", {1, static_cast<int32_t>(large.size())}, TfliteType::kFloat32);
  const int w = b.AddFloatConst(sg, "w", {1, static_cast<int32_t>(large.size())}, large);
  const int s = b.AddFloatConst(sg, "s", {10}, small);
  const int w2 = b.AddFloatConst(sg, "w2", {1, static_cast<int32_t>(large.size())}, large);
  const int y = b.AddTensor(sg, "y", {1, static_cast<int32_t>(large.size())}, TfliteType::kFloat32);
  b.AddOp(sg, /*ADD=*/0, 1, {x, w}, {y});
  b.SetSubgraphIO(sg, {x}, {y});
  b.AddSignature("main", sg, {{"x", x}}, {{"y", y}});
  (void)s;
  (void)w2;
}

TEST(TfliteGraphBuilderTest, SpilledBuffersSerializeToTheSameBytes) {
  const std::string dir = testing::ScratchDir() + "/spill";
  std::filesystem::create_directories(dir);
  TfliteGraphBuilder in_memory, spilled(dir);
  BuildSmallModel(in_memory);
  BuildSmallModel(spilled);
  auto want = in_memory.Serialize();
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  std::vector<uint8_t> got;
  int pieces = 0;
  ASSERT_TRUE(spilled
                  .WriteTo([&](std::span<const uint8_t> piece) {
                    got.insert(got.end(), piece.begin(), piece.end());
                    ++pieces;
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(got, *want);
  EXPECT_GT(pieces, 3);
  EXPECT_EQ(got.size() % 64, 0u);
  // The result is a TFLite model whose buffers sit after the FlatBuffer.
  auto model = TfliteModel::Open(got, "spilled");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_TRUE(std::filesystem::is_empty(dir));  // the scratch file has no name
}

TEST(TfliteGraphBuilderTest, SinkErrorStopsTheWrite) {
  TfliteGraphBuilder b(testing::ScratchDir());
  BuildSmallModel(b);
  int calls = 0;
  const Status s = b.WriteTo([&](std::span<const uint8_t>) {
    ++calls;
    return ResourceExhaustedError("disk full");
  });
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(calls, 1);
}

TEST(TfliteGraphBuilderTest, UnusableSpillDirectoryIsReportedAtWrite) {
  TfliteGraphBuilder b("/nonexistent/spill/dir");
  BuildSmallModel(b);
  const Status s = b.WriteTo([](std::span<const uint8_t>) { return Status::Ok(); });
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/nonexistent/spill/dir"), std::string::npos);
}

}  // namespace
}  // namespace litertlm::format
