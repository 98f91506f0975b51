// What the `neardup index` commands share (index_shared.hpp).
#include "index_shared.hpp"

#include <cstdio>

namespace neardup::cli {

int IndexError(Console& console, std::string_view command, const absl::Status& s) {
  console.EndProgress();
  console.Line(absl::StrCat("neardup index ", std::string(command), ": error: ", s.message()));
  return kExitError;
}

DocumentReader IndexInputReader(const std::vector<std::string>& inputs, const InputFlags& flags, Console& console) {
  InputOptions o = flags.ToOptions();
  o.on_problem = [&console](const InputProblem& p) { console.Line(p.ToString()); };
  return DocumentReader(inputs, o);
}

int PrintQueryLines(DocumentReader& reader, Console& console,
                    absl::FunctionRef<absl::StatusOr<size_t>(const Document& doc, std::string* line)> matches) {
  Document doc;
  uint64_t queried = 0, with_duplicates = 0;
  std::string line;
  for (;;) {
    absl::StatusOr<bool> more = reader.Next(&doc);
    if (!more.ok()) return IndexError(console, "query", more.status());
    if (!*more) break;
    line = absl::StrCat("{\"id\":", JsonString(doc.id), ",\"duplicates\":[");
    absl::StatusOr<size_t> found = matches(doc, &line);
    if (!found.ok()) return IndexError(console, "query", found.status());
    line += "]}\n";
    std::fputs(line.c_str(), stdout);
    ++queried;
    with_duplicates += *found != 0;
  }
  console.Line(absl::StrFormat("neardup index query: %d documents, %d with near-duplicates in the index", queried,
                               with_duplicates));
  return reader.stats().failed_inputs != 0 ? kExitInputFailed : kExitOk;
}

void PrintRecovery(const CrawlerRecovery& r) {
  std::printf("log: %llu records replayed, %llu bytes of torn tail dropped%s%s\n",
              static_cast<unsigned long long>(r.log_records_replayed),
              static_cast<unsigned long long>(r.log_bytes_dropped), r.log_tail_problem.empty() ? "" : ": ",
              r.log_tail_problem.c_str());
}

}  // namespace neardup::cli
