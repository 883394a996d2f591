#include "step_printer.h"

namespace kapsel_init {

namespace {

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      static const char hex[] = "0123456789abcdef";
      out += "\\u00";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xf]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "\"";
}

}  // namespace

namespace {

template <class E>
std::string List(const char* name) {
  std::string out = Quote(name) + ":[";
  for (size_t i = 0; i < WireEnum<E>::kCount; i++) out += (i ? "," : "") + Quote(WireEnum<E>::kNames[i]);
  return out + "]";
}

}  // namespace

std::string WireEnumsJson() {
  return "{" + List<PlanKind>("PlanKind") + "," + List<ProcfsSource>("ProcfsSource") + "," +
         List<DeviceType>("DeviceType") + "," + List<MountFilesystem>("MountFilesystem") + "," +
         List<HookKind>("HookKind") + "," + List<CheckedNamespace>("CheckedNamespace") + "," +
         List<HookFailure>("HookFailure") + "," + List<FailReason>("FailReason") + "}";
}

StepPrinter::StepPrinter(const std::string& op) : out_("{\"op\":" + Quote(op)) {}

void StepPrinter::Key(const char* name) { out_ += "," + Quote(name) + ":"; }

void StepPrinter::Str(const char* name, const std::string& value) {
  Key(name);
  out_ += Quote(value);
}

void StepPrinter::Int(const char* name, int64_t value) {
  Key(name);
  out_ += std::to_string(value);
}

void StepPrinter::Uint(const char* name, uint64_t value) {
  Key(name);
  out_ += std::to_string(value);
}

void StepPrinter::Big(const char* name, uint64_t value) {
  Key(name);
  out_ += Quote(std::to_string(value));
}

void StepPrinter::Bool(const char* name, bool value) {
  Key(name);
  out_ += value ? "true" : "false";
}

void StepPrinter::Strs(const char* name, const std::vector<std::string>& value) {
  Key(name);
  out_ += "[";
  for (size_t i = 0; i < value.size(); i++) out_ += (i ? "," : "") + Quote(value[i]);
  out_ += "]";
}

void StepPrinter::Ints(const char* name, const std::vector<int64_t>& value) {
  Key(name);
  out_ += "[";
  for (size_t i = 0; i < value.size(); i++) out_ += (i ? "," : "") + std::to_string(value[i]);
  out_ += "]";
}

void StepPrinter::Bytes(const char* name, const std::string& value) {
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : value) {
    hex.push_back(kHex[c >> 4]);
    hex.push_back(kHex[c & 15]);
  }
  Key(name);
  out_ += Quote(hex);
}

}  // namespace kapsel_init
