// HTML -> text: the visible text of a page, one line per block.
//
// Input: an HTML (or XHTML) document as UTF-8 bytes (io/warc.hpp converts other
// charsets first; SniffHtmlCharset finds a page's <meta> charset). Output: the text a
// reader sees, in document order:
//   - the <title> is the first line;
//   - script, style, noscript and template contents and comments are dropped;
//   - block elements (p, div, li, h1..h6, tr, ...) and <br> end a line, so passage
//     splitting and the line split work on pages; runs of whitespace become one space
//     (kept as is inside <pre>); entities are decoded (&amp; &eacute; &#8217; ...);
//   - HtmlMode::kMain (the default) keeps the main content only: nav, header, footer
//     and aside elements (and role="navigation" / "banner" / "contentinfo") are
//     dropped, and so is every block whose text is mostly link text (menus, tag
//     clouds, "related" lists). Site navigation repeated on every page otherwise makes
//     unrelated pages of one site look alike. HtmlMode::kAll keeps everything visible.
//
//   std::string text = neardup::HtmlToText("<title>T</title><p>One &amp; two<br>three");
//   // text == "T\nOne & two\nthree"
//
// Parser: libxml2's HTML push parser with SAX callbacks (htmlCreatePushParserCtxt,
// htmlParseChunk), in recovery mode: any bytes give some text, nothing is printed
// (libxml2's error reporting is routed to a callback that drops it), no network.
// Cost: one pass, no DOM; memory is the output plus the open-element stack.
// Thread safety: the functions are safe to call from many threads at once.
#ifndef NEARDUP_TEXT_HTML_HPP_
#define NEARDUP_TEXT_HTML_HPP_

#include <cstdint>
#include <string>
#include <string_view>

namespace neardup {

enum class HtmlMode : uint8_t {
  kMain = 0,  // main content: no nav / header / footer / aside, no link-dense blocks
  kAll = 1,   // every visible text node
};

// "main" or "all".
inline const char* HtmlModeName(HtmlMode mode) { return mode == HtmlMode::kAll ? "all" : "main"; }

// Writes the text of `html` (UTF-8) to *out (replacing its contents).
void HtmlToText(std::string_view html, HtmlMode mode, std::string* out);

inline std::string HtmlToText(std::string_view html, HtmlMode mode = HtmlMode::kMain) {
  std::string out;
  HtmlToText(html, mode, &out);
  return out;
}

// The charset a page declares in its first 4096 bytes: <meta charset="..."> or
// <meta http-equiv="Content-Type" content="text/html; charset=...">, lower-cased,
// or empty when it declares none.
std::string SniffHtmlCharset(std::string_view html);

}  // namespace neardup

#endif  // NEARDUP_TEXT_HTML_HPP_
