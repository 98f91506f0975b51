#include "neardup/index/lsh_params.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <xxhash.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace neardup {
namespace {

using ::testing::HasSubstr;

// Reference areas below were computed independently with exact rational arithmetic:
// integral_0^t 1 - (1 - s^r)^b ds expanded by the binomial theorem, t as a fraction.
struct KnownChoice {
  double threshold, fp_weight, fn_weight;
  uint32_t bands, rows;
  double fp_area, fn_area;
};

TEST(LshParams, KnownAnswersAtK128) {
  const KnownChoice cases[] = {
      {0.5, 0.5, 0.5, 25, 5, 0.0537215911972391, 0.0337525094488325},
      {0.8, 0.5, 0.5, 9, 13, 0.0253118632033664, 0.0332821360122041},
      {0.9, 0.5, 0.5, 5, 25, 0.0115583123542776, 0.0253185466092549},
      {0.8, 0.9, 0.1, 6, 21, 0.00198882659127109, 0.0933395935647439},
      {0.8, 0.1, 0.9, 14, 9, 0.10071390131746, 0.00394699744817986},
  };
  for (const KnownChoice& c : cases) {
    SCOPED_TRACE(c.threshold);
    absl::StatusOr<LshChoice> got = ChooseLshParams(c.threshold, 128, c.fp_weight, c.fn_weight);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->params, (LshParams{c.bands, c.rows}));
    EXPECT_LE(got->params.bands * got->params.rows, 128u);
    EXPECT_NEAR(got->false_positive_area, c.fp_area, 1e-12);
    EXPECT_NEAR(got->false_negative_area, c.fn_area, 1e-12);
  }
}

TEST(LshParams, KnownAnswersForOtherK) {
  // t = 0.7, balanced weights (exact reference as above).
  const struct {
    uint32_t k, bands, rows;
    double fp, fn;
  } cases[] = {
      {1, 1, 1, 0.245, 0.045},
      {2, 1, 2, 0.114333333333333, 0.081},
      {16, 3, 5, 0.0536394965169691, 0.0638667692442418},
      {64, 8, 8, 0.0323229060292188, 0.0523136129654819},
      {256, 25, 10, 0.0380052485839042, 0.0260217270002209},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.k);
    absl::StatusOr<LshChoice> got = ChooseLshParams(0.7, c.k);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->params, (LshParams{c.bands, c.rows}));
    EXPECT_NEAR(got->false_positive_area, c.fp, 1e-12);
    EXPECT_NEAR(got->false_negative_area, c.fn, 1e-12);
  }
}

TEST(LshParams, ExplicitParamsAreasMatchExactIntegrals) {
  const struct {
    double t;
    uint32_t b, r;
    double fp, fn;
  } cases[] = {
      {0.8, 1, 128, 2.44353526799346e-15, 0.192248062015506},
      {0.8, 128, 1, 0.792248062015504, 5.27569561117734e-93},
      {0.8, 2, 64, 1.54513249051089e-08, 0.17698272266659},
      {0.5, 9, 13, 3.92269539629267e-05, 0.308009499762801},
      {0.9, 20, 6, 0.339609965406655, 1.58734600072265e-09},
      {0.3, 3, 7, 2.46008803612412e-05, 0.479570055425816},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(testing::Message() << c.b << " x " << c.r);
    absl::StatusOr<LshChoice> got = EvaluateLshParams(c.t, 128, {c.b, c.r});
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_NEAR(got->false_positive_area, c.fp, 1e-13);
    EXPECT_NEAR(got->false_negative_area, c.fn, 1e-13);
  }
}

TEST(LshParams, BalancedChoicePutsTheSteepPartNearTheThreshold) {
  for (const double t : {0.5, 0.7, 0.8, 0.9}) {
    SCOPED_TRACE(t);
    absl::StatusOr<LshChoice> c = ChooseLshParams(t, 128);
    ASSERT_TRUE(c.ok());
    const double at_t = LshCandidateProbability(t, c->params);
    EXPECT_GT(at_t, 0.25);
    EXPECT_LT(at_t, 0.75);
    EXPECT_NEAR(LshCurveMidpoint(c->params), t, 0.06);
    // Well below the threshold pairs are rarely candidates, well above almost always.
    EXPECT_LT(LshCandidateProbability(t - 0.25, c->params), 0.05);
    EXPECT_GT(LshCandidateProbability(std::min(t + 0.1, 0.97), c->params), 0.8);
  }
}

TEST(LshParams, WeightsShiftTheChoiceTheExpectedWay) {
  double last_fp = 1, last_fn = 0;
  uint32_t last_rows = 0;
  for (const double w : {0.1, 0.3, 0.5, 0.7, 0.9}) {
    absl::StatusOr<LshChoice> c = ChooseLshParams(0.8, 128, w, 1.0 - w);
    ASSERT_TRUE(c.ok());
    // Weighing false positives more buys fewer of them with more misses: longer bands.
    EXPECT_LE(c->false_positive_area, last_fp) << w;
    EXPECT_GE(c->false_negative_area, last_fn) << w;
    EXPECT_GE(c->params.rows, last_rows) << w;
    last_fp = c->false_positive_area;
    last_fn = c->false_negative_area;
    last_rows = c->params.rows;
  }
  // Only the ratio of the weights matters.
  EXPECT_EQ(ChooseLshParams(0.8, 128, 3, 3)->params, ChooseLshParams(0.8, 128)->params);
  EXPECT_EQ(ChooseLshParams(0.8, 128, 1, 0)->params.bands, 1u);  // only FP counts: one band
  EXPECT_EQ(ChooseLshParams(0.8, 128, 0, 1)->params.rows, 1u);   // only FN counts: one row
}

TEST(LshParams, ChoiceIsDeterministic) {
  const LshChoice a = *ChooseLshParams(0.83, 200, 0.3, 0.7);
  const LshChoice b = *ChooseLshParams(0.83, 200, 0.3, 0.7);
  EXPECT_EQ(a.params, b.params);
  EXPECT_EQ(a.false_positive_area, b.false_positive_area);  // bit for bit
  EXPECT_EQ(a.false_negative_area, b.false_negative_area);
  // And the chooser reports exactly what EvaluateLshParams says for its pick.
  const LshChoice e = *EvaluateLshParams(0.83, 200, a.params);
  EXPECT_EQ(a.false_positive_area, e.false_positive_area);
  EXPECT_EQ(a.false_negative_area, e.false_negative_area);
}

TEST(LshParams, CandidateProbability) {
  const LshParams p{9, 13};
  EXPECT_EQ(LshCandidateProbability(0.0, p), 0.0);
  EXPECT_EQ(LshCandidateProbability(1.0, p), 1.0);
  EXPECT_NEAR(LshCandidateProbability(0.8, p), 1 - std::pow(1 - std::pow(0.8, 13), 9), 1e-15);
  EXPECT_NEAR(LshCandidateProbability(0.5, {1, 1}), 0.5, 1e-15);
  EXPECT_NEAR(LshCandidateProbability(0.5, {2, 1}), 0.75, 1e-15);
}

TEST(LshParams, InvalidInputs) {
  const auto message = [](const absl::StatusOr<LshChoice>& s) { return std::string(s.status().message()); };
  EXPECT_EQ(message(ChooseLshParams(0.0, 128)), "LSH threshold must be in (0, 1), got 0");
  EXPECT_EQ(message(ChooseLshParams(1.0, 128)), "LSH threshold must be in (0, 1), got 1");
  EXPECT_EQ(message(ChooseLshParams(-0.5, 128)), "LSH threshold must be in (0, 1), got -0.5");
  EXPECT_EQ(message(ChooseLshParams(std::nan(""), 128)), "LSH threshold must be in (0, 1), got nan");
  EXPECT_EQ(message(ChooseLshParams(0.8, 0)), "num_perm must be in [1, 8192], got 0");
  EXPECT_EQ(message(ChooseLshParams(0.8, 128, -1, 0.5)),
            "LSH error weights must be finite and >= 0, got fp_weight = -1, fn_weight = 0.5");
  EXPECT_EQ(message(ChooseLshParams(0.8, 128, 0.5, INFINITY)),
            "LSH error weights must be finite and >= 0, got fp_weight = 0.5, fn_weight = inf");
  EXPECT_EQ(message(ChooseLshParams(0.8, 128, 0, 0)), "LSH error weights must not both be 0");
  EXPECT_EQ(ChooseLshParams(0.8, 128, 0, 0).status().code(), absl::StatusCode::kInvalidArgument);

  EXPECT_EQ(ValidateLshParams({10, 13}, 128).message(),
            "LSH banding b x r = 10 x 13 = 130 needs more than the k = 128 MinHash values");
  EXPECT_EQ(ValidateLshParams({0, 13}, 128).message(),
            "LSH bands and rows must be at least 1, got b = 0, r = 13");
  EXPECT_EQ(ValidateLshParams({4, 0}, 128).message(),
            "LSH bands and rows must be at least 1, got b = 4, r = 0");
  EXPECT_TRUE(ValidateLshParams({16, 8}, 128).ok());  // b * r == k is allowed
  EXPECT_EQ(ValidateLshParams({0x10000, 0x10000}, 128).message(),
            "LSH banding b x r = 65536 x 65536 = 4294967296 needs more than the k = 128 MinHash values");
  EXPECT_EQ(message(EvaluateLshParams(0.8, 128, {10, 13})),
            "LSH banding b x r = 10 x 13 = 130 needs more than the k = 128 MinHash values");
}

TEST(LshParams, ReportChoosesAndTabulates) {
  absl::StatusOr<LshReport> r = MakeLshReport(0.8, 128);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->chosen);
  EXPECT_EQ(r->choice.params, (LshParams{9, 13}));
  EXPECT_NEAR(r->false_positive_rate, 0.0253118632033664 / 0.8, 1e-12);
  EXPECT_NEAR(r->false_negative_rate, 0.0332821360122041 / 0.2, 1e-12);
  ASSERT_EQ(r->s_curve.size(), kDefaultSCurveSimilarities.size());
  for (size_t i = 0; i < r->s_curve.size(); ++i) {
    EXPECT_EQ(r->s_curve[i].similarity, kDefaultSCurveSimilarities[i]);
    EXPECT_EQ(r->s_curve[i].probability, LshCandidateProbability(kDefaultSCurveSimilarities[i], {9, 13}));
    if (i > 0) {
      EXPECT_GT(r->s_curve[i].probability, r->s_curve[i - 1].probability);
    }
  }

  const std::string text = FormatLshReport(*r);
  EXPECT_THAT(text, HasSubstr("MinHash LSH for Jaccard threshold 0.8 with k = 128\n"));
  EXPECT_THAT(text, HasSubstr("chosen to minimize 0.5 * false-positive area + 0.5 * false-negative area\n"));
  EXPECT_THAT(text, HasSubstr("bands b = 9, rows r = 13 (uses 117 of 128 values)\n"));
  EXPECT_THAT(text, HasSubstr("S-curve steepest near s = (1/b)^(1/r) = 0.844\n"));
  EXPECT_THAT(text, HasSubstr("false-positive area 0.025312: a pair with s < 0.8 is a candidate with mean "
                              "probability 3.16%\n"));
  EXPECT_THAT(text, HasSubstr("false-negative area 0.033282: a pair with s >= 0.8 is missed with mean "
                              "probability 16.64%\n"));
  // P(0.8) = 1 - (1 - 0.8^13)^9 = 0.398...; P(0.95) = 0.9984...
  EXPECT_THAT(text, HasSubstr("        0.80      0.398"));
  EXPECT_THAT(text, HasSubstr("        0.95      0.998"));
  EXPECT_EQ(text.back(), '\n');
}

TEST(LshParams, ReportWithExplicitParams) {
  const std::vector<double> at = {0.5, 0.9};
  absl::StatusOr<LshReport> r = MakeLshReport(0.8, 128, LshParams{16, 8}, 0.5, 0.5, at);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->chosen);
  EXPECT_EQ(r->choice.params, (LshParams{16, 8}));
  ASSERT_EQ(r->s_curve.size(), 2u);
  EXPECT_EQ(r->s_curve[1].similarity, 0.9);
  EXPECT_THAT(FormatLshReport(*r), HasSubstr("  bands and rows given explicitly\n"));

  EXPECT_EQ(MakeLshReport(0.8, 128, LshParams{16, 9}).status().message(),
            "LSH banding b x r = 16 x 9 = 144 needs more than the k = 128 MinHash values");
  const std::vector<double> bad = {0.5, 1.5};
  EXPECT_EQ(MakeLshReport(0.8, 128, std::nullopt, 0.5, 0.5, bad).status().message(),
            "S-curve similarity must be in [0, 1], got 1.5");
}

TEST(LshBandKeys, AreSeededXxh3OfLittleEndianRows) {
  std::vector<uint32_t> values(128);
  for (uint32_t i = 0; i < 128; ++i) values[i] = i * 0x9e3779b9u;
  const std::vector<uint64_t> seeds = LshBandSeeds(1, 9);
  std::vector<uint64_t> keys(9);
  ComputeLshBandKeys(values, 13, seeds, keys);
  for (uint32_t b = 0; b < 9; ++b) {
    EXPECT_EQ(seeds[b], LshBandSeed(1, b));
    unsigned char bytes[13 * 4];
    for (size_t i = 0; i < 13; ++i) {
      for (size_t j = 0; j < 4; ++j)
        bytes[4 * i + j] = static_cast<unsigned char>(values[b * 13 + i] >> (8 * j));
    }
    EXPECT_EQ(keys[b], XXH3_64bits_withSeed(bytes, sizeof(bytes), seeds[b])) << b;
  }
  // Seeds differ across bands and across MinHash seeds.
  EXPECT_NE(LshBandSeed(1, 0), LshBandSeed(1, 1));
  EXPECT_NE(LshBandSeed(1, 0), LshBandSeed(2, 0));
}

TEST(LshBandKeys, KnownAnswers) {
  // Band keys are persisted with indexes: these values must never change.
  std::vector<uint32_t> values(128);
  for (uint32_t i = 0; i < 128; ++i) values[i] = i * 0x9e3779b9u;
  EXPECT_EQ(LshBandSeed(1, 0), 6896965216286632582ULL);
  EXPECT_EQ(LshBandSeed(1, 8), 2167853511229907947ULL);
  EXPECT_EQ(LshBandSeed(42, 3), 17643187022909927479ULL);
  EXPECT_EQ(LshBandKey(std::span<const uint32_t>(values).subspan(0, 13), LshBandSeed(1, 0)),
            2985500854726656624ULL);
  EXPECT_EQ(LshBandKey(std::span<const uint32_t>(values).subspan(104, 13), LshBandSeed(1, 8)),
            5080603567963689019ULL);
}

}  // namespace
}  // namespace neardup
