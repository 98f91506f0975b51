// Synthetic news-like text for neardup's benchmarks.
//
// Benchmarks need realistic input without downloading anything: English newswire
// prose with the features the normalizer has to handle (curly quotes and apostrophes,
// em and en dashes, numbers, percentages, money, capitalized names, paragraphs split
// by newlines) and, separately, non-ASCII heavy text (Cyrillic and CJK with the
// occasional Latin word) that takes the Unicode path.
//
//   std::vector<std::string> docs = neardup::bench::NewsArticles(100, /*seed=*/1);
//   std::vector<std::string> big = neardup::bench::NewsCorpus(8 << 20, /*seed=*/1);
//   std::string mutated = neardup::bench::NearDuplicate(docs[0], 0.05, /*seed=*/7);
//
// Guarantees: output depends only on the arguments (own PRNG and word lists, no
// <random> distributions, whose results differ between standard libraries), so a
// dedup benchmark can plant near-duplicates and know exactly where they are.
// Articles average about 3 KB; ShortDocuments() gives 300-1,000-byte documents in a mix
// of scripts, ScriptText() one script (Cyrillic, CJK, Thai, Indonesian).
// Not part of the library: header for bench/ and `neardup bench` only.
#ifndef NEARDUP_BENCH_NEWS_CORPUS_HPP_
#define NEARDUP_BENCH_NEWS_CORPUS_HPP_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace neardup::bench {

// SplitMix64: small, fast and fully specified, so corpora are identical everywhere.
class CorpusRng {
 public:
  explicit CorpusRng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n > 0.
  size_t Below(size_t n) {
    __extension__ using Uint128 = unsigned __int128;
    return static_cast<size_t>((static_cast<Uint128>(Next()) * n) >> 64);
  }
  // True with probability percent / 100.
  bool Chance(unsigned percent) { return Below(100) < percent; }
  template <class T, size_t N>
  const T& Pick(const T (&list)[N]) {
    return list[Below(N)];
  }

 private:
  uint64_t state_;
};

namespace corpus_internal {

// UTF-8 spellings of the typographic characters wire copy is full of.
inline constexpr std::string_view kLeftQuote = "\u201C";
inline constexpr std::string_view kRightQuote = "\u201D";
inline constexpr std::string_view kApostrophe = "\u2019";
inline constexpr std::string_view kEmDash = "\u2014";
inline constexpr std::string_view kEnDash = "\u2013";

inline constexpr std::string_view kFirstNames[] = {
    "Maria",  "James",   "Aisha",  "Chen",    "Oliver", "Sofia",  "Daniel", "Priya",
    "Lukas",  "Fatima",  "Robert", "Elena",   "Kenji",  "Grace",  "Samuel", "Ingrid",
    "Miguel", "Hannah",  "Tomas",  "Nadia",   "Victor", "Amara",  "Peter",  "Leila",
    "Andrew", "Yuki",    "Claire", "Mateo",   "Irene",  "Omar",   "Julia",  "Henrik"};
inline constexpr std::string_view kLastNames[] = {
    "Lopez",    "Whitfield", "Okafor",  "Nakamura", "Brennan", "Moreau",   "Kowalski",
    "Haddad",   "Lindqvist", "Osei",    "Castillo", "Reinhardt", "Patel",  "Sorensen",
    "Delgado",  "Ashworth",  "Mbeki",   "Fischer",  "Tanaka",  "Ferreira", "Novak",
    "Abernathy", "Quinlan",  "Vasquez", "Hargreaves", "Ibrahim", "Larsen",  "Costa"};
inline constexpr std::string_view kTitles[] = {
    "chief executive",     "finance minister",   "spokeswoman",     "spokesman",
    "senior analyst",      "mayor",              "union leader",    "chief economist",
    "head of research",    "police commissioner", "health secretary", "board chairman",
    "professor of economics", "regional director", "prosecutor",     "committee chair"};
inline constexpr std::string_view kOrganizations[] = {
    "the Central Bank",        "Northfield Energy",     "the Ministry of Transport",
    "Harbor Logistics",        "the city council",      "Meridian Health",
    "the National Statistics Office", "Atlas Mining Group", "the Port Authority",
    "Bluewater Capital",       "the Teachers Union",    "Crestline Airlines",
    "the Supreme Court",       "Greenvale Foods",       "the Federal Reserve",
    "Ironbridge Steel",        "the European Commission", "Solace Pharmaceuticals"};
inline constexpr std::string_view kPlaces[] = {
    "Brussels", "Lagos",   "Osaka",    "Denver",    "Lisbon", "Nairobi",  "Toronto",
    "Hamburg",  "Santiago", "Melbourne", "Istanbul", "Seoul", "Marseille", "Glasgow",
    "Monterrey", "Krakow", "Auckland", "Cape Town", "Rotterdam", "Manila"};
inline constexpr std::string_view kWeekdays[] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                                 "Friday", "Saturday", "Sunday"};
inline constexpr std::string_view kMonths[] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
inline constexpr std::string_view kSubjects[] = {
    "the plan",          "the proposal",      "the deal",          "the new budget",
    "the investigation", "the merger",        "the reform",        "the strike",
    "the recovery",      "the project",       "the agreement",     "the ruling",
    "inflation",         "unemployment",      "the housing market", "energy prices",
    "the election",      "the trial",         "the vaccine rollout", "the trade talks",
    "exports",           "the pension fund",  "public transport",  "the harvest"};
inline constexpr std::string_view kVerbs[] = {
    "could reshape",   "will affect",      "has delayed",     "may undermine",
    "would strengthen", "is expected to lift", "has already cut", "threatens",
    "is likely to slow", "could boost",    "has complicated", "will test",
    "might reverse",   "is set to expand", "has divided",     "continues to weigh on"};
inline constexpr std::string_view kObjects[] = {
    "local businesses",     "consumer confidence", "the regional economy",
    "thousands of workers", "investor sentiment",  "small farmers",
    "public finances",      "long-term growth",    "household budgets",
    "the supply chain",     "export revenue",      "the country's credit rating",
    "rural communities",    "hospital waiting lists", "the tourism sector",
    "interest rates",       "wage negotiations",   "the coalition government"};
inline constexpr std::string_view kAdverbs[] = {
    "sharply", "slightly", "steadily", "unexpectedly", "again", "modestly",
    "quickly", "further",  "briefly",  "significantly"};
inline constexpr std::string_view kTrends[] = {"rose", "fell", "climbed", "dropped", "edged up",
                                               "slipped", "jumped", "declined"};
inline constexpr std::string_view kMeasures[] = {
    "profits",  "sales",         "output",       "prices",   "revenue",
    "spending", "borrowing costs", "shipments",  "turnover", "enrolment"};
inline constexpr std::string_view kClauses[] = {
    "although officials cautioned that the figures were preliminary",
    "according to documents seen by reporters",
    "in a statement released late in the evening",
    "after weeks of closed-door negotiations",
    "despite strong opposition from several regional leaders",
    "as markets opened lower across the region",
    "while critics said the measures did not go far enough",
    "citing concerns about transparency and oversight",
    "in what analysts described as a turning point",
    "amid growing pressure from environmental groups",
    "following a review that lasted nearly two years",
    "with further details expected later this month"};
inline constexpr std::string_view kQuotes[] = {
    "We are not going to back down now",
    "This is a difficult decision, but it is the right one",
    "Nobody expected the numbers to move this quickly",
    "We have been clear from the start about what we can deliver",
    "It is too early to say what this means for families",
    "The data speak for themselves",
    "We will keep listening to people on the ground",
    "There is still a lot of work to do before the winter",
    "Frankly, the timing could not have been worse",
    "Our priority is to keep the lights on and the trains running"};
inline constexpr std::string_view kHeadlineNouns[] = {
    "Talks",  "Prices", "Strike",  "Budget", "Ruling", "Merger",
    "Exports", "Vote",  "Inquiry", "Deal",   "Rates",  "Protest"};
inline constexpr std::string_view kHeadlineVerbs[] = {
    "Stall", "Surge", "Spread", "Collapse", "Advance", "Slip", "Resume", "Divide"};

// Mixed Cyrillic, Chinese and Japanese phrases (own wording) for the Unicode path.
inline constexpr std::string_view kCyrillic[] = {
    "Правительство объявило новые меры поддержки",
    "цены на энергию снова выросли",
    "по словам министра, решение было непростым",
    "в среду переговоры продолжились в столице",
    "экономисты ожидают замедления роста",
    "жители города вышли на улицы",
    "компания сообщила о рекордной прибыли",
    "Суд отложил рассмотрение дела до осени"};
inline constexpr std::string_view kCjk[] = {
    "政府宣布了新的经济刺激计划", "能源价格再次上涨", "专家预计增长将放缓",
    "市民对此表示担忧",           "会议将于下周继续举行", "東京で新しい政策が発表された",
    "経済の見通しは依然として不透明だ", "住民の多くが変更に反対している"};

// Indonesian wire copy (own wording), with the accented letters of loanwords and names
// (café, José, Pérez, Müller) that take the normalizer off its ASCII path.
inline constexpr std::string_view kIndonesian[] = {
    "Pemerintah mengumumkan paket kebijakan ekonomi baru pada hari Rabu",
    "harga bahan bakar kembali naik di sejumlah daerah",
    "menurut José Pérez, keputusan itu tidak mudah diambil",
    "warga berkumpul di café dekat alun-alun kota",
    "para ekonom memperkirakan pertumbuhan akan melambat tahun ini",
    "Menteri Müller menghadiri pertemuan di Jakarta",
    "perusahaan itu melaporkan laba rekor pada kuartal ketiga",
    "pengadilan menunda sidang hingga bulan depan, kata jaksa Renée"};
// Thai (own wording): no spaces between words, spaces between phrases, tone marks.
inline constexpr std::string_view kThai[] = {
    "รัฐบาลประกาศมาตรการกระตุ้นเศรษฐกิจใหม่", "ราคาน้ำมันปรับตัวสูงขึ้นอีกครั้ง",
    "นักเศรษฐศาสตร์คาดว่าการเติบโตจะชะลอตัว", "ประชาชนจำนวนมากแสดงความกังวล",
    "การประชุมจะดำเนินต่อในสัปดาห์หน้า",     "บริษัทรายงานกำไรสูงเป็นประวัติการณ์"};

inline void Append(std::string* out, std::string_view s) { out->append(s.data(), s.size()); }

inline void AppendUtf8Char(char32_t c, std::string* out) {
  if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
  }
  out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
}

inline void AppendNumber(std::string* out, uint64_t v) { out->append(std::to_string(v)); }

// 12,345 style grouping, as wire copy writes counts.
inline void AppendGrouped(std::string* out, uint64_t v) {
  const std::string digits = std::to_string(v);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out->push_back(',');
    out->push_back(digits[i]);
  }
}

inline void AppendName(CorpusRng& rng, std::string* out) {
  Append(out, rng.Pick(kFirstNames));
  out->push_back(' ');
  Append(out, rng.Pick(kLastNames));
}

inline void AppendCapitalized(std::string_view s, std::string* out) {
  if (s.empty()) return;
  char first = s[0];
  if (first >= 'a' && first <= 'z') first = static_cast<char>(first - 'a' + 'A');
  out->push_back(first);
  out->append(s.data() + 1, s.size() - 1);
}

// One sentence of one of several shapes, ending with ". ".
inline void AppendSentence(CorpusRng& rng, std::string* out) {
  switch (rng.Below(7)) {
    case 0: {  // Quote with attribution.
      Append(out, kLeftQuote);
      Append(out, rng.Pick(kQuotes));
      out->push_back(',');
      Append(out, kRightQuote);
      out->append(" said ");
      AppendName(rng, out);
      out->append(", ");
      Append(out, rng.Pick(kTitles));
      out->append(" of ");
      Append(out, rng.Pick(kOrganizations));
      out->push_back('.');
      break;
    }
    case 1: {  // Statistic.
      AppendCapitalized(rng.Pick(kMeasures), out);
      out->push_back(' ');
      Append(out, rng.Pick(kTrends));
      out->push_back(' ');
      AppendNumber(out, rng.Below(20));
      out->push_back('.');
      AppendNumber(out, rng.Below(10));
      out->append(" percent in ");
      Append(out, rng.Pick(kMonths));
      out->append(" from a year earlier, ");
      Append(out, rng.Pick(kClauses));
      out->push_back('.');
      break;
    }
    case 2: {  // Subject verb object, with an em dash aside.
      AppendCapitalized(rng.Pick(kSubjects), out);
      out->push_back(' ');
      Append(out, rng.Pick(kVerbs));
      out->push_back(' ');
      Append(out, rng.Pick(kObjects));
      out->push_back(' ');
      Append(out, kEmDash);
      out->append(" and perhaps ");
      Append(out, rng.Pick(kObjects));
      out->append(" as well ");
      Append(out, kEmDash);
      out->push_back(' ');
      Append(out, rng.Pick(kClauses));
      out->push_back('.');
      break;
    }
    case 3: {  // Money and possessive.
      AppendCapitalized(rng.Pick(kOrganizations), out);
      Append(out, kApostrophe);
      out->append("s ");
      Append(out, rng.Pick(kMeasures));
      out->push_back(' ');
      Append(out, rng.Pick(kTrends));
      out->push_back(' ');
      Append(out, rng.Pick(kAdverbs));
      out->append(" to $");
      AppendNumber(out, 1 + rng.Below(900));
      out->push_back('.');
      AppendNumber(out, rng.Below(10));
      out->append(rng.Chance(50) ? " million" : " billion");
      out->append(" in the ");
      out->append(rng.Chance(50) ? "first" : "third");
      out->append(" quarter.");
      break;
    }
    case 4: {  // Date range and a count.
      out->append("Between ");
      const size_t first_day = 1 + rng.Below(24);
      AppendNumber(out, first_day);
      Append(out, kEnDash);
      AppendNumber(out, first_day + 1 + rng.Below(4));
      out->push_back(' ');
      Append(out, rng.Pick(kMonths));
      out->append(", about ");
      AppendGrouped(out, 100 + rng.Below(250000));
      out->append(" people in ");
      Append(out, rng.Pick(kPlaces));
      out->append(" were affected by ");
      Append(out, rng.Pick(kSubjects));
      out->append(", officials said on ");
      Append(out, rng.Pick(kWeekdays));
      out->push_back('.');
      break;
    }
    case 5: {  // Reported speech with a contraction.
      AppendName(rng, out);
      out->append(" said ");
      Append(out, rng.Pick(kSubjects));
      out->append(" wasn");
      Append(out, kApostrophe);
      out->append("t ");
      Append(out, rng.Pick(kAdverbs));
      out->append(" changing the outlook for ");
      Append(out, rng.Pick(kObjects));
      out->append(", but that ");
      Append(out, rng.Pick(kSubjects));
      out->push_back(' ');
      Append(out, rng.Pick(kVerbs));
      out->push_back(' ');
      Append(out, rng.Pick(kObjects));
      out->push_back('.');
      break;
    }
    default: {  // Plain sentence with a year.
      out->append("In ");
      AppendNumber(out, 1990 + rng.Below(35));
      out->append(", ");
      Append(out, rng.Pick(kSubjects));
      out->push_back(' ');
      Append(out, rng.Pick(kVerbs));
      out->push_back(' ');
      Append(out, rng.Pick(kObjects));
      out->append(" in ");
      Append(out, rng.Pick(kPlaces));
      out->append(", ");
      Append(out, rng.Pick(kClauses));
      out->push_back('.');
      break;
    }
  }
}

}  // namespace corpus_internal

// One article of roughly `target_bytes` (at least that many, plus one sentence):
// a headline, a dateline, then paragraphs of 2-5 sentences separated by "\n\n".
inline std::string NewsArticle(CorpusRng& rng, size_t target_bytes = 3000) {
  using namespace corpus_internal;
  std::string out;
  out.reserve(target_bytes + 512);
  Append(&out, rng.Pick(kHeadlineNouns));
  out.push_back(' ');
  Append(&out, rng.Pick(kHeadlineVerbs));
  out.append(" in ");
  Append(&out, rng.Pick(kPlaces));
  out.append(" as ");
  Append(&out, rng.Pick(kSubjects));
  out.append(" Draws Scrutiny\n\n");
  for (const char c : rng.Pick(kPlaces)) {
    out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  out.push_back(' ');
  Append(&out, kEmDash);
  out.push_back(' ');
  while (out.size() < target_bytes) {
    const size_t sentences = 2 + rng.Below(4);
    for (size_t s = 0; s < sentences; ++s) {
      if (s != 0) out.push_back(' ');
      AppendSentence(rng, &out);
    }
    out.append("\n\n");
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  out.push_back('\n');
  return out;
}

// `count` articles of 2.5-3.5 KB each, deterministic for `seed`.
inline std::vector<std::string> NewsArticles(size_t count, uint64_t seed = 1) {
  CorpusRng rng(seed);
  std::vector<std::string> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) out.push_back(NewsArticle(rng, 2500 + rng.Below(1000)));
  return out;
}

// Articles (as NewsArticles) until their total size reaches at least `min_total_bytes`.
inline std::vector<std::string> NewsCorpus(size_t min_total_bytes, uint64_t seed = 1) {
  CorpusRng rng(seed);
  std::vector<std::string> out;
  size_t total = 0;
  while (total < min_total_bytes) {
    out.push_back(NewsArticle(rng, 2500 + rng.Below(1000)));
    total += out.back().size();
  }
  return out;
}

inline size_t TotalBytes(const std::vector<std::string>& docs) {
  size_t total = 0;
  for (const auto& d : docs) total += d.size();
  return total;
}

// Non-ASCII heavy text of at least `min_bytes`: Cyrillic and CJK phrases with some
// ASCII numbers and Latin names, so both the Unicode path and the transitions between
// it and the ASCII path are exercised.
inline std::string NonAsciiText(size_t min_bytes, uint64_t seed = 1) {
  using namespace corpus_internal;
  CorpusRng rng(seed);
  std::string out;
  out.reserve(min_bytes + 256);
  while (out.size() < min_bytes) {
    const size_t kind = rng.Below(10);
    if (kind < 5) {
      Append(&out, rng.Pick(kCyrillic));
      out.append(rng.Chance(30) ? ", " : ". ");
    } else if (kind < 9) {
      Append(&out, rng.Pick(kCjk));
      out.append(rng.Chance(50) ? "\u3002" : "\uFF0C");
    } else {
      AppendName(rng, &out);
      out.push_back(' ');
      AppendNumber(&out, rng.Below(100000));
      out.append(" \u2014 ");
    }
    if (rng.Chance(8)) out.append("\n\n");
  }
  return out;
}

// A made-up word of the script (random letters: Cyrillic а-я, CJK ideographs from the
// 2,000 most common block positions, Thai consonants with vowel and tone marks, Latin
// syllables), so that documents built from the phrase lists do not all share shingles.
enum class Script { kCyrillic, kCjk, kThai, kIndonesian };
inline void AppendMadeUpWord(CorpusRng& rng, Script script, std::string* out) {
  using corpus_internal::AppendUtf8Char;
  const size_t letters = 2 + rng.Below(5);
  for (size_t i = 0; i < letters; ++i) {
    switch (script) {
      case Script::kCyrillic:
        AppendUtf8Char(static_cast<char32_t>(0x430 + rng.Below(32)), out);
        break;
      case Script::kCjk:
        AppendUtf8Char(static_cast<char32_t>(0x4E00 + rng.Below(2000)), out);
        break;
      case Script::kThai:
        AppendUtf8Char(static_cast<char32_t>(0x0E01 + rng.Below(46)), out);
        if (rng.Chance(30)) AppendUtf8Char(rng.Chance(50) ? char32_t{0x0E32} : char32_t{0x0E34}, out);
        if (rng.Chance(25)) AppendUtf8Char(static_cast<char32_t>(0x0E48 + rng.Below(4)), out);
        break;
      case Script::kIndonesian:
        out->push_back("bcdghjklmnprstw"[rng.Below(15)]);
        out->push_back("aiueo"[rng.Below(5)]);
        break;
    }
  }
}

// Text of one script, at least `min_bytes`, deterministic for `seed`: phrases joined
// as that script's prose joins them, with made-up words, the occasional number and
// paragraph breaks.
inline std::string ScriptText(Script script, size_t min_bytes, uint64_t seed = 1) {
  using namespace corpus_internal;
  CorpusRng rng(seed);
  std::string out;
  out.reserve(min_bytes + 256);
  while (out.size() < min_bytes) {
    switch (script) {
      case Script::kCyrillic:
        Append(&out, rng.Pick(kCyrillic));
        out.append(rng.Chance(30) ? ", " : ". ");
        break;
      case Script::kCjk:
        Append(&out, rng.Pick(kCjk));
        out.append(rng.Chance(50) ? "\u3002" : "\uFF0C");
        break;
      case Script::kThai:
        Append(&out, rng.Pick(kThai));
        out.push_back(' ');
        break;
      case Script::kIndonesian:
        AppendCapitalized(rng.Pick(kIndonesian), &out);
        out.append(rng.Chance(30) ? ", " : ". ");
        break;
    }
    for (size_t w = rng.Below(4); w > 0; --w) {
      AppendMadeUpWord(rng, script, &out);
      if (script != Script::kCjk) out.push_back(' ');
    }
    if (rng.Chance(5)) {
      AppendNumber(&out, rng.Below(10000));
      out.push_back(' ');
    }
    if (rng.Chance(8)) out.append("\n\n");
  }
  return out;
}

// Short documents of 300-1,000 bytes, the shape of comments, product listings and
// snippets, in a mix of scripts: 55% English news prose, 15% Indonesian, 10% each
// Cyrillic and CJK, 10% Thai. Deterministic for (count, seed).
inline std::vector<std::string> ShortDocuments(size_t count, uint64_t seed = 1) {
  using namespace corpus_internal;
  CorpusRng rng(seed);
  std::vector<std::string> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const size_t target = 300 + rng.Below(700);
    const size_t kind = rng.Below(20);
    std::string doc;
    if (kind < 11) {
      while (doc.size() < target) {
        if (!doc.empty()) doc.push_back(' ');
        AppendSentence(rng, &doc);
      }
    } else {
      const Script script = kind < 14   ? Script::kIndonesian
                            : kind < 16 ? Script::kCyrillic
                            : kind < 18 ? Script::kCjk
                                        : Script::kThai;
      doc = ScriptText(script, target, rng.Next());
    }
    // At most 1,000 bytes: cut at a character boundary.
    size_t cut = std::min<size_t>(doc.size(), 1000);
    while (cut > 0 && cut < doc.size() && (static_cast<unsigned char>(doc[cut]) & 0xC0) == 0x80) --cut;
    doc.resize(cut);
    out.push_back(std::move(doc));
  }
  return out;
}

// A near-duplicate of `text`: about `edit_fraction` of its space-separated words are
// deleted, duplicated or replaced by a word from elsewhere in the text, and the rest
// is kept byte for byte. Deterministic for (text, edit_fraction, seed).
inline std::string NearDuplicate(std::string_view text, double edit_fraction, uint64_t seed) {
  CorpusRng rng(seed);
  std::vector<std::string_view> words;
  size_t start = 0;
  while (start < text.size()) {
    size_t stop = text.find(' ', start);
    if (stop == std::string_view::npos) stop = text.size();
    if (stop > start) words.push_back(text.substr(start, stop - start));
    start = stop + 1;
  }
  const auto threshold = static_cast<uint64_t>(edit_fraction * 1e6);
  std::string out;
  out.reserve(text.size() + 64);
  for (size_t i = 0; i < words.size(); ++i) {
    std::string_view w = words[i];
    if (rng.Below(1000000) < threshold) {
      const size_t op = rng.Below(3);
      if (op == 0) continue;  // delete
      if (op == 1) {          // duplicate
        out.append(w.data(), w.size());
        out.push_back(' ');
      } else {  // replace
        w = words[rng.Below(words.size())];
      }
    }
    out.append(w.data(), w.size());
    out.push_back(' ');
  }
  if (!out.empty()) out.pop_back();
  return out;
}

}  // namespace neardup::bench

#endif  // NEARDUP_BENCH_NEWS_CORPUS_HPP_
