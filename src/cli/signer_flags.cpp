// Flags and output helpers shared by the CLI commands.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "commands.hpp"

namespace neardup::cli {

SignerOptions SignerFlags::ToOptions() const {
  SignerOptions o;
  o.minhash.algorithm = algo == "classic" ? MinHashAlgorithm::kClassic
                                          : MinHashAlgorithm::kOnePermutation;
  o.minhash.num_perm = num_perm;
  o.minhash.seed = seed;
  if (char_ngram != 0) {
    o.shingle.kind = ShingleKind::kChar;
    o.shingle.n = char_ngram;
  } else {
    o.shingle.kind = ShingleKind::kWord;
    o.shingle.n = ngram;
  }
  return o;
}

std::string SignerFlags::ShingleDescription() const {
  return char_ngram != 0 ? absl::StrCat("character ", char_ngram, "-grams")
                         : absl::StrCat("word ", ngram, "-grams");
}

InputOptions InputFlags::ToOptions() const {
  InputOptions o;
  o.fields.id_field = id_field;
  o.fields.text_field = text_field;
  o.strict = strict;
  o.max_document_bytes = max_doc_bytes;
  o.max_line_bytes = max_line_bytes;
  o.html = html == "all" ? HtmlMode::kAll : HtmlMode::kMain;
  return o;
}

void AddInputFlags(CLI::App* app, InputFlags* flags, bool with_limits) {
  app->add_option("--id-field", flags->id_field,
                  "JSONL id field (string or integer; '/a/b' = JSON Pointer; '' = file:line)")
      ->capture_default_str();
  app->add_option("--text-field", flags->text_field, "JSONL text field")->capture_default_str();
  app->add_flag("--strict", flags->strict, "stop with exit code 1 at the first bad record");
  app->add_option("--html", flags->html,
                  "WARC pages: main content only (drop nav/header/footer/aside and link-dense blocks) or all text")
      ->check(CLI::IsMember({"main", "all"}))
      ->capture_default_str();
  if (!with_limits) return;
  app->add_option("--max-doc-bytes", flags->max_doc_bytes, "skip documents whose text is longer (0 = no limit)")
      ->capture_default_str();
  app->add_option("--max-line-bytes", flags->max_line_bytes,
                  "skip JSONL lines that are longer, without buffering them (0 = no limit)")
      ->capture_default_str();
}

void AddSignerFlags(CLI::App* app, SignerFlags* flags, const std::string& algo_flag) {
  app->add_option(algo_flag, flags->algo, "MinHash algorithm: oph (one permutation) or classic")
      ->check(CLI::IsMember({"oph", "classic"}))
      ->capture_default_str();
  app->add_option("--num-perm", flags->num_perm, "MinHash values per document (k)")
      ->check(CLI::Range(1u, kMaxNumPerm))
      ->capture_default_str();
  CLI::Option* ngram = app->add_option("--ngram", flags->ngram, "words per shingle")
                           ->check(CLI::Range(1u, 64u))
                           ->capture_default_str();
  app->add_option("--char-ngram", flags->char_ngram,
                  "use character shingles of N code points instead of words")
      ->check(CLI::Range(1u, 64u))
      ->excludes(ngram);
  app->add_option("--seed", flags->seed, "MinHash seed")->capture_default_str();
}

}  // namespace neardup::cli
