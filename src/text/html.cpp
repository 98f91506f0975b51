// HTML -> text through libxml2's SAX push parser: the callbacks below keep an
// open-element stack and write visible text straight into the output, so no DOM is
// built. Main-content mode drops a link-dense block after the fact by cutting the
// output back to where the block began.
#include "neardup/text/html.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace neardup {
namespace {

// Link text above this share of a block's letters marks the block as navigation.
constexpr double kMaxLinkDensity = 0.5;

enum ElementFlags : uint8_t {
  kSkip = 1,      // contents never shown (script, style, ...)
  kDrop = 2,      // contents not main content (nav, header, ...), main mode only
  kBlock = 4,     // ends a line before and after
  kLink = 8,      // <a href>
  kTitle = 16,
  kPre = 32,
  kCell = 64,     // td / th: a space between cells
};

uint8_t ComputeFlags(std::string_view name) {
  static constexpr std::string_view kSkipNames[] = {"script", "style",  "noscript",
                                                    "template", "svg", "iframe"};
  static constexpr std::string_view kDropNames[] = {"nav", "header", "footer", "aside"};
  static constexpr std::string_view kBlockNames[] = {
      "address", "article", "aside",   "blockquote", "body",   "caption", "center",  "dd",
      "details", "dialog",  "dir",     "div",        "dl",     "dt",      "fieldset", "figcaption",
      "figure",  "footer",  "form",    "h1",         "h2",     "h3",      "h4",      "h5",
      "h6",      "header",  "hgroup",  "hr",         "html",   "legend",  "li",      "main",
      "menu",    "nav",     "ol",      "option",     "p",      "pre",     "section", "summary",
      "table",   "tbody",   "tfoot",   "thead",      "tr",     "ul",      "br",      "title",
      "select",  "textarea", "noframes"};
  uint8_t flags = 0;
  for (std::string_view s : kSkipNames) {
    if (name == s) flags |= kSkip;
  }
  for (std::string_view s : kDropNames) {
    if (name == s) flags |= kDrop;
  }
  for (std::string_view s : kBlockNames) {
    if (name == s) flags |= kBlock;
  }
  if (name == "a") flags |= kLink;
  if (name == "title") flags |= kTitle;
  if (name == "pre") flags |= kPre;
  if (name == "td" || name == "th") flags |= kCell;
  return flags;
}

// Element names are looked up once per element: a table, not 60 comparisons.
uint8_t FlagsFor(std::string_view name) {
  static const auto* table = [] {
    auto* t = new absl::flat_hash_map<std::string, uint8_t>;
    for (const char* n : {"script", "style", "noscript", "template", "svg", "iframe", "nav", "header", "footer",
                          "aside", "address", "article", "blockquote", "body", "caption", "center", "dd",
                          "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure",
                          "form", "h1", "h2", "h3", "h4", "h5", "h6", "hgroup", "hr", "html", "legend", "li",
                          "main", "menu", "ol", "option", "p", "pre", "section", "summary", "table", "tbody",
                          "tfoot", "thead", "tr", "ul", "br", "title", "select", "textarea", "noframes", "a",
                          "td", "th"}) {
      (*t)[n] = ComputeFlags(n);
    }
    return t;
  }();
  if (name.size() > 12) return 0;
  const auto it = table->find(std::string(name));
  return it == table->end() ? 0 : it->second;
}

bool IsSpace(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

struct Element {
  std::string name;
  uint8_t flags;
  size_t out_start;     // output size when the element opened (blocks only)
  uint64_t letters = 0;  // non-space bytes of text inside (blocks only)
  uint64_t link_letters = 0;
};

class Extractor {
 public:
  Extractor(HtmlMode mode, std::string* out) : mode_(mode), out_(out) { out_->clear(); }

  void Start(const char* raw_name, const xmlChar** attrs) {
    std::string_view name(raw_name != nullptr ? raw_name : "");
    uint8_t flags = FlagsFor(name);
    if (mode_ == HtmlMode::kMain && attrs != nullptr) {
      for (size_t i = 0; attrs[i] != nullptr; i += 2) {
        const char* key = reinterpret_cast<const char*>(attrs[i]);
        const char* value = reinterpret_cast<const char*>(attrs[i + 1]);
        if (value == nullptr || !absl::EqualsIgnoreCase(key, "role")) continue;
        if (absl::EqualsIgnoreCase(value, "navigation") || absl::EqualsIgnoreCase(value, "banner") ||
            absl::EqualsIgnoreCase(value, "contentinfo")) {
          flags |= kDrop | kBlock;
        }
      }
    }
    if (mode_ != HtmlMode::kMain) flags &= static_cast<uint8_t>(~kDrop);
    if (flags & kSkip) ++skip_;
    if (flags & kDrop) ++drop_;
    if (flags & kLink) ++link_;
    if (flags & kTitle) ++title_depth_;
    if (flags & kPre) ++pre_;
    if (flags & kBlock) LineBreak();
    if ((flags & kCell) && !out_->empty() && out_->back() != '\n') pending_space_ = true;
    stack_.push_back({std::string(name), flags, out_->size()});
    if (name == "br") End(raw_name);  // libxml2 may or may not close void elements
  }

  void End(const char* raw_name) {
    std::string_view name(raw_name != nullptr ? raw_name : "");
    // libxml2 closes implied elements itself; an end tag without a matching open
    // element is ignored, one that closes several pops them all.
    size_t i = stack_.size();
    while (i > 0 && stack_[i - 1].name != name) --i;
    if (i == 0) return;
    while (stack_.size() >= i) Pop();
  }

  void Text(const char* p, size_t n) {
    if (skip_ > 0) return;
    if (title_depth_ > 0) {
      if (!title_done_) AppendCollapsed(p, n, &title_, &title_space_);
      return;
    }
    if (drop_ > 0) return;
    uint64_t letters = 0;
    for (size_t i = 0; i < n; ++i) letters += !IsSpace(static_cast<unsigned char>(p[i]));
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
      if (!(it->flags & kBlock)) continue;
      it->letters += letters;
      if (link_ > 0) it->link_letters += letters;
      break;
    }
    if (pre_ > 0) {
      if (pending_space_) out_->push_back(' ');
      pending_space_ = false;
      out_->append(p, n);
      return;
    }
    AppendCollapsed(p, n, out_, &pending_space_);
  }

  void Finish() {
    while (!stack_.empty()) Pop();
    TrimTrailing(out_);
    TrimTrailing(&title_);
    if (!title_.empty()) out_->insert(0, out_->empty() ? title_ : title_ + "\n");
  }

 private:
  void Pop() {
    Element e = std::move(stack_.back());
    stack_.pop_back();
    if (e.flags & kSkip) --skip_;
    if (e.flags & kDrop) --drop_;
    if (e.flags & kLink) --link_;
    if (e.flags & kPre) --pre_;
    if (e.flags & kTitle) {
      --title_depth_;
      if (!title_.empty()) title_done_ = true;
    }
    if (!(e.flags & kBlock)) return;
    const bool container = e.name == "body" || e.name == "html" || e.name == "main" ||
                           e.name == "article";
    if (mode_ == HtmlMode::kMain && !container && e.letters > 0 &&
        static_cast<double>(e.link_letters) > kMaxLinkDensity * static_cast<double>(e.letters)) {
      out_->resize(std::min(out_->size(), e.out_start));
      pending_space_ = false;
      LineBreak();
      return;
    }
    // The enclosing block holds this one's text too.
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
      if (!(it->flags & kBlock)) continue;
      it->letters += e.letters;
      it->link_letters += e.link_letters;
      break;
    }
    LineBreak();
  }

  void LineBreak() {
    pending_space_ = false;
    while (!out_->empty() && out_->back() == ' ') out_->pop_back();
    if (!out_->empty() && out_->back() != '\n') out_->push_back('\n');
  }

  static void AppendCollapsed(const char* p, size_t n, std::string* out, bool* pending_space) {
    for (size_t i = 0; i < n; ++i) {
      const unsigned char c = static_cast<unsigned char>(p[i]);
      if (IsSpace(c)) {
        if (!out->empty() && out->back() != '\n') *pending_space = true;
        continue;
      }
      if (*pending_space) {
        out->push_back(' ');
        *pending_space = false;
      }
      // Runs of non-space bytes go in one append.
      size_t j = i + 1;
      while (j < n && !IsSpace(static_cast<unsigned char>(p[j]))) ++j;
      out->append(p + i, j - i);
      i = j - 1;
    }
  }

  static void TrimTrailing(std::string* s) {
    while (!s->empty() && (s->back() == ' ' || s->back() == '\n')) s->pop_back();
  }

  HtmlMode mode_;
  std::string* out_;
  std::vector<Element> stack_;
  int skip_ = 0;
  int drop_ = 0;
  int link_ = 0;
  int pre_ = 0;
  int title_depth_ = 0;
  bool title_done_ = false;
  bool pending_space_ = false;
  bool title_space_ = false;
  std::string title_;
};

Extractor* Self(void* ctx) {
  auto* parser = static_cast<htmlParserCtxtPtr>(ctx);
  return static_cast<Extractor*>(parser->_private);
}

void OnStart(void* ctx, const xmlChar* name, const xmlChar** attrs) {
  Self(ctx)->Start(reinterpret_cast<const char*>(name), attrs);
}
void OnEnd(void* ctx, const xmlChar* name) { Self(ctx)->End(reinterpret_cast<const char*>(name)); }
void OnText(void* ctx, const xmlChar* ch, int len) {
  if (len > 0) Self(ctx)->Text(reinterpret_cast<const char*>(ch), static_cast<size_t>(len));
}
// libxml2 reports parse errors here instead of printing them; recovery goes on.
void OnMessage(void*, const char*, ...) {}
void OnStructuredError(void*, xmlErrorPtr) {}

htmlSAXHandler MakeHandler() {
  htmlSAXHandler h;
  std::memset(&h, 0, sizeof(h));
  h.startElement = OnStart;
  h.endElement = OnEnd;
  h.characters = OnText;
  h.cdataBlock = OnText;
  h.ignorableWhitespace = OnText;
  h.warning = OnMessage;
  h.error = OnMessage;
  h.fatalError = OnMessage;
  h.serror = OnStructuredError;
  h.initialized = XML_SAX2_MAGIC;  // so that serror is used
  return h;
}

void InitLibxml() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

}  // namespace

void HtmlToText(std::string_view html, HtmlMode mode, std::string* out) {
  InitLibxml();
  Extractor extractor(mode, out);
  static const htmlSAXHandler handler = MakeHandler();
  htmlSAXHandler sax = handler;
  htmlParserCtxtPtr ctxt =
      htmlCreatePushParserCtxt(&sax, nullptr, nullptr, 0, nullptr, XML_CHAR_ENCODING_UTF8);
  if (ctxt == nullptr) {
    out->clear();
    return;
  }
  // The user data is the context itself (SAX callbacks get it); the extractor rides
  // in _private.
  ctxt->userData = ctxt;
  ctxt->_private = &extractor;
  htmlCtxtUseOptions(ctxt, HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC |
                               HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_COMPACT);
  // NOERROR / NOWARNING clear the handlers; put the silent ones back so that nothing
  // falls through to libxml2's default printer.
  ctxt->sax->warning = OnMessage;
  ctxt->sax->error = OnMessage;
  ctxt->sax->fatalError = OnMessage;
  ctxt->sax->serror = OnStructuredError;
  constexpr size_t kChunk = 1 << 20;
  size_t at = 0;
  while (html.size() - at > kChunk) {
    htmlParseChunk(ctxt, html.data() + at, static_cast<int>(kChunk), 0);
    at += kChunk;
  }
  htmlParseChunk(ctxt, html.data() + at, static_cast<int>(html.size() - at), 1);
  if (ctxt->myDoc != nullptr) xmlFreeDoc(ctxt->myDoc);
  htmlFreeParserCtxt(ctxt);
  extractor.Finish();
}

std::string SniffHtmlCharset(std::string_view html) {
  std::string head(html.substr(0, 4096));
  for (char& c : head) c = absl::ascii_tolower(static_cast<unsigned char>(c));
  for (size_t at = head.find("<meta"); at != std::string::npos; at = head.find("<meta", at + 5)) {
    const size_t end = head.find('>', at);
    const std::string_view tag = std::string_view(head).substr(at, end == std::string::npos ? head.size() - at : end - at);
    const size_t c = tag.find("charset");
    if (c == std::string_view::npos) continue;
    size_t i = c + 7;
    while (i < tag.size() && (IsSpace(static_cast<unsigned char>(tag[i])) || tag[i] == '=' ||
                              tag[i] == '"' || tag[i] == '\'')) {
      ++i;
    }
    size_t j = i;
    while (j < tag.size() && (absl::ascii_isalnum(static_cast<unsigned char>(tag[j])) || tag[j] == '-' ||
                              tag[j] == '_' || tag[j] == ':' || tag[j] == '.')) {
      ++j;
    }
    if (j > i) return std::string(tag.substr(i, j - i));
  }
  return {};
}

}  // namespace neardup
