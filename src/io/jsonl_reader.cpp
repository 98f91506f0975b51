// JSONL record parsing with simdjson's DOM API. The DOM parser validates the whole
// line (the on-demand API would skip over, and so accept, garbage in fields it never
// visits), which is what a reader that promises to report every bad line needs.
#include <simdjson.h>

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "neardup/io/jsonl.hpp"

static_assert(neardup::kJsonlPadding >= simdjson::SIMDJSON_PADDING,
              "kJsonlPadding must cover simdjson's padding");

namespace neardup {
namespace {

constexpr size_t kKeepParserCapacity = 16u << 20;

const char* TypeName(simdjson::dom::element_type type) {
  using T = simdjson::dom::element_type;
  switch (type) {
    case T::ARRAY:
      return "an array";
    case T::OBJECT:
      return "an object";
    case T::INT64:
    case T::UINT64:
      return "an integer";
    case T::DOUBLE:
      return "a floating-point number";
    case T::STRING:
      return "a string";
    case T::BOOL:
      return "a boolean";
    case T::NULL_VALUE:
      return "null";
  }
  return "an unknown value";
}

}  // namespace

struct JsonlRecordParser::Impl {
  simdjson::dom::parser parser;
  std::string padded;  // copy of the line for Parse(), with room for the padding
};

JsonlRecordParser::JsonlRecordParser(JsonlFields fields)
    : fields_(std::move(fields)), impl_(std::make_unique<Impl>()) {}
JsonlRecordParser::~JsonlRecordParser() = default;
JsonlRecordParser::JsonlRecordParser(JsonlRecordParser&&) noexcept = default;
JsonlRecordParser& JsonlRecordParser::operator=(JsonlRecordParser&&) noexcept = default;

ProblemKind JsonlRecordParser::Parse(std::string_view line, std::string* id, std::string* text,
                                     std::string* reason) {
  std::string& buf = impl_->padded;
  buf.reserve(line.size() + kJsonlPadding);
  buf.assign(line);
  return ParsePadded(buf, id, text, reason);
}

ProblemKind JsonlRecordParser::ParsePadded(std::string_view line, std::string* id,
                                           std::string* text, std::string* reason) {
  const ProblemKind kind = ParseInto(line, id, text, reason);
  // simdjson keeps buffers of several bytes per input byte for the longest document
  // it has seen; one huge line should not hold that memory for the rest of the run.
  if (impl_->parser.capacity() > kKeepParserCapacity) impl_->parser = simdjson::dom::parser();
  if (impl_->padded.capacity() > kKeepParserCapacity) std::string().swap(impl_->padded);
  return kind;
}

ProblemKind JsonlRecordParser::ParseInto(std::string_view line, std::string* id,
                                         std::string* text, std::string* reason) {
  simdjson::dom::element root;
  if (auto err = impl_->parser.parse(line.data(), line.size(), /*realloc_if_needed=*/false)
                     .get(root)) {
    *reason = absl::StrCat("malformed JSON: ", simdjson::error_message(err));
    return ProblemKind::kMalformedJson;
  }
  if (root.type() != simdjson::dom::element_type::OBJECT) {
    *reason = absl::StrCat("expected a JSON object, found ", TypeName(root.type()));
    return ProblemKind::kNotAnObject;
  }
  simdjson::dom::object object = root.get_object().value_unsafe();
  // A JSON Pointer lookup reports a missing member and an ill-formed pointer the
  // same way for our purpose: the field is not there.
  auto lookup = [&](const std::string& field, simdjson::dom::element* out) {
    auto r = field.starts_with('/') ? root.at_pointer(field) : object.at_key(field);
    return r.get(*out) == simdjson::SUCCESS;
  };

  simdjson::dom::element value;
  if (!lookup(fields_.text_field, &value)) {
    *reason = absl::StrCat("missing string field \"", fields_.text_field, "\"");
    return ProblemKind::kBadText;
  }
  if (value.type() != simdjson::dom::element_type::STRING) {
    *reason = absl::StrCat("field \"", fields_.text_field, "\" is ", TypeName(value.type()),
                           ", expected a string");
    return ProblemKind::kBadText;
  }
  const std::string_view text_view = value.get_string().value_unsafe();

  id->clear();
  if (!fields_.id_field.empty()) {
    if (!lookup(fields_.id_field, &value)) {
      *reason = absl::StrCat("missing string or integer field \"", fields_.id_field, "\"");
      return ProblemKind::kBadId;
    }
    switch (value.type()) {
      case simdjson::dom::element_type::STRING:
        id->assign(value.get_string().value_unsafe());
        if (id->empty()) {
          *reason = absl::StrCat("field \"", fields_.id_field, "\" is an empty string");
          return ProblemKind::kBadId;
        }
        break;
      case simdjson::dom::element_type::INT64:
        *id = absl::StrCat(value.get_int64().value_unsafe());
        break;
      case simdjson::dom::element_type::UINT64:
        *id = absl::StrCat(value.get_uint64().value_unsafe());
        break;
      default:
        *reason = absl::StrCat("field \"", fields_.id_field, "\" is ", TypeName(value.type()),
                               ", expected a string or an integer");
        return ProblemKind::kBadId;
    }
  }
  text->assign(text_view);
  return ProblemKind::kNone;
}

}  // namespace neardup
