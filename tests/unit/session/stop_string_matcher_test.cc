// StopStringMatcher: text that could still become a stop string is held back, a completed stop
// string ends the stream before it, and nothing else is ever lost or reordered.
#include "session/stop_string_matcher.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace litertlm {
namespace {

// Feeds `pieces` one by one; returns everything emitted (including the final Flush() when no
// stop string matched) and whether a stop string ended the stream.
struct MatchRun {
  std::vector<std::string> emitted;
  std::string text;
  bool stopped = false;
};
MatchRun Feed(std::vector<std::string> stops, const std::vector<std::string>& pieces) {
  StopStringMatcher matcher(std::move(stops));
  MatchRun run;
  for (const std::string& piece : pieces) {
    std::string out = matcher.Push(piece, &run.stopped);
    run.emitted.push_back(out);
    run.text += out;
    if (run.stopped) return run;
  }
  std::string rest = matcher.Flush();
  run.emitted.push_back(rest);
  run.text += rest;
  return run;
}

TEST(StopStringMatcherTest, NoStopsPassesEverythingThroughImmediately) {
  MatchRun run = Feed({}, {"Hel", "lo", " world"});
  EXPECT_EQ(run.emitted, (std::vector<std::string>{"Hel", "lo", " world", ""}));
  EXPECT_FALSE(run.stopped);
}

TEST(StopStringMatcherTest, EmptyStopStringsAreIgnored) {
  MatchRun run = Feed({"", ""}, {"abc", "def"});
  EXPECT_EQ(run.text, "abcdef");
  EXPECT_FALSE(run.stopped);
}

TEST(StopStringMatcherTest, StopInsideOnePieceCutsBeforeIt) {
  MatchRun run = Feed({"END"}, {"abc", "xyENDzz", "never"});
  EXPECT_TRUE(run.stopped);
  EXPECT_EQ(run.text, "abcxy");
  EXPECT_EQ(run.emitted.size(), 2u);
}

TEST(StopStringMatcherTest, HoldsBackAPrefixAcrossPieces) {
  StopStringMatcher m({"END"});
  bool stopped = false;
  EXPECT_EQ(m.Push("abE", &stopped), "ab");  // "E" might start "END"
  EXPECT_FALSE(stopped);
  EXPECT_EQ(m.Push("N", &stopped), "");      // "EN" still might
  EXPECT_FALSE(stopped);
  EXPECT_EQ(m.Push("D!", &stopped), "");     // the stop completes: nothing of it is emitted
  EXPECT_TRUE(stopped);
}

TEST(StopStringMatcherTest, ReleasesHeldTextWhenItCannotBeAStop) {
  StopStringMatcher m({"END"});
  bool stopped = false;
  EXPECT_EQ(m.Push("xEN", &stopped), "x");
  EXPECT_EQ(m.Push("x", &stopped), "ENx");
  EXPECT_FALSE(stopped);
  EXPECT_EQ(m.Push("E", &stopped), "");
  EXPECT_EQ(m.Flush(), "E");  // generation ended: the held-back text is still delivered
  EXPECT_EQ(m.Flush(), "");
}

TEST(StopStringMatcherTest, EarliestOfSeveralStopsWins) {
  MatchRun run = Feed({"zz", "b"}, {"aabzz"});
  EXPECT_TRUE(run.stopped);
  EXPECT_EQ(run.text, "aa");
  run = Feed({"bcd", "cd"}, {"abcd"});  // "bcd" starts earlier than "cd"
  EXPECT_EQ(run.text, "a");
}

TEST(StopStringMatcherTest, OverlappingPrefixesHoldTheLongestCandidate) {
  // "aab" ends with "aa" (prefix of "aaa") and with "ab" (prefix of "abc"): hold both.
  StopStringMatcher m({"aaa", "abc"});
  bool stopped = false;
  EXPECT_EQ(m.Push("xaa", &stopped), "x");
  EXPECT_EQ(m.Push("b", &stopped), "a");  // "aab": "aa" can no longer be "aaa"; "ab" may be "abc"
  EXPECT_EQ(m.Push("c", &stopped), "");
  EXPECT_TRUE(stopped);
}

TEST(StopStringMatcherTest, SelfOverlappingStopFoundAfterFalseStart) {
  MatchRun run = Feed({"abab"}, {"ab", "a", "bab", "x"});  // "ababab": the first match at 0
  EXPECT_TRUE(run.stopped);
  EXPECT_EQ(run.text, "");
  run = Feed({"abac"}, {"ab", "ab", "ac", "!"});      // "ababac": match at 2
  EXPECT_TRUE(run.stopped);
  EXPECT_EQ(run.text, "ab");
}

TEST(StopStringMatcherTest, StopSplitIntoSingleBytes) {
  std::vector<std::string> pieces;
  for (char c : std::string("hello<|stop|>bye")) pieces.emplace_back(1, c);
  MatchRun run = Feed({"<|stop|>"}, pieces);
  EXPECT_TRUE(run.stopped);
  EXPECT_EQ(run.text, "hello");
  for (const std::string& e : run.emitted) EXPECT_EQ(e.find('<'), std::string::npos);
}

TEST(StopStringMatcherTest, Utf8StopAndTextStayWhole) {
  // "é" is C3 A9; the stop "éa" shares its first character with the text "éb".
  MatchRun run = Feed({"\xC3\xA9" "a"}, {"caf\xC3\xA9", "b ", "\xC3\xA9", "a", "z"});
  EXPECT_TRUE(run.stopped);
  EXPECT_EQ(run.text, "caf\xC3\xA9" "b ");
  // Held-back text is a whole character here, since pieces are whole characters and the
  // matcher holds back at most a prefix of a stop string (itself whole characters).
  for (const std::string& e : run.emitted) {
    if (!e.empty()) {
      EXPECT_NE(static_cast<unsigned char>(e.back()), 0xC3);
    }
  }
  run = Feed({"\xE2\x9C\x93"}, {"ok ", "\xE2\x9C\x93", " more"});  // ✓ as the stop
  EXPECT_EQ(run.text, "ok ");
}

TEST(StopStringMatcherTest, ConcatenationWithoutStopEqualsInput) {
  const std::vector<std::string> pieces = {"<", "|st", "o", "p", "x", "|", "><|", "sto"};
  MatchRun run = Feed({"<|stop|>", "stopper"}, pieces);
  EXPECT_FALSE(run.stopped);
  std::string all;
  for (const std::string& p : pieces) all += p;
  EXPECT_EQ(run.text, all);
}

}  // namespace
}  // namespace litertlm
