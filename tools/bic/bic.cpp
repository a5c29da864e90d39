//===- bic.cpp - the bic command line -------------------------------------===//
//
//   bic compile FILE.bic [-o OUT] [--arch sm_90a] [-D NAME=VALUE]...
//               [--emit bic|layout|gpu|llvm|ptx|order] [-O N] [--dump-ir DIR]
//
//===----------------------------------------------------------------------===//
#include "bic/Pipeline/Pipeline.h"

#include <cxxopts.hpp>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/stat.h>

static int usageError(const std::string &msg) {
  std::cerr << "bic: error: " << msg << "\n"
            << "Run 'bic compile --help' for usage.\n";
  return 2;
}

// Writes `text` to `path`. A regular file (or a new one) is written through
// a temporary renamed over it, so that nobody reads half an output; anything
// else (/dev/null, /dev/stdout, a FIFO, a symlink) is written in place: a
// rename would replace the device, the pipe or the link itself.
static bool writeOutput(const std::string &path, const std::string &text) {
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode))
      return false;
    std::ofstream os(path, std::ios::binary);
    os << text;
    return bool(os.flush());
  }
  std::string tmp = path + ".tmp";
  bool ok;
  {
    std::ofstream os(tmp, std::ios::binary);
    os << text;
    ok = bool(os.flush());
  }
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

static int compileMain(int argc, char **argv) {
  cxxopts::Options o("bic compile",
                     "Compile a bic tile-language kernel file to PTX.\n"
                     "Every reduction is checked to have a fixed order that "
                     "no @batch parameter can change.");
  o.positional_help("FILE.bic");
  o.add_options()
      ("o,output", "Write output to FILE ('-' for stdout)",
       cxxopts::value<std::string>()->default_value("-"), "FILE")
      ("arch", "Target GPU architecture: sm_80, sm_90 or sm_90a",
       cxxopts::value<std::string>()->default_value("sm_90a"), "ARCH")
      ("D,define", "Set a constexpr parameter (or num_warps, num_stages, "
                   "warp_specialize, overlap, cluster) to an integer, "
                   "or a dtype parameter to a type: NAME=VALUE",
       cxxopts::value<std::vector<std::string>>(), "NAME=VALUE")
      ("emit", "What to write: bic (frontend IR), layout (IR after layout "
               "assignment), gpu, llvm, ptx, order (order signature), cpp "
               "(OUT.h + OUT.cpp embedding the PTX with typed launchers)",
       cxxopts::value<std::string>()->default_value("ptx"), "KIND")
      ("O", "Optimisation level for the NVPTX backend (0-3)",
       cxxopts::value<unsigned>()->default_value("3"), "N")
      ("dump-ir", "Write the IR after every pass and the PTX into DIR",
       cxxopts::value<std::string>(), "DIR")
      ("h,help", "Print this help")
      ("file", "Input file", cxxopts::value<std::string>());
  o.parse_positional({"file"});
  cxxopts::ParseResult r;
  try {
    r = o.parse(argc, argv);
  } catch (const std::exception &e) {
    return usageError(e.what());
  }
  if (r.count("help")) {
    std::cout << o.help() << "\n"
              << "Examples:\n"
              << "  bic compile kernels_src/rmsnorm.bic -D BLOCK=8192 -o rmsnorm.ptx\n"
              << "  bic compile kernels_src/rmsnorm.bic -D BLOCK=4096 --emit=order\n";
    return 0;
  }
  if (!r.count("file"))
    return usageError("no input file");
  std::string file = r["file"].as<std::string>();
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return usageError("cannot read '" + file + "'");
  std::stringstream ss;
  ss << in.rdbuf();

  bic::CompileOptions opts;
  opts.arch = r["arch"].as<std::string>();
  opts.optLevel = r["O"].as<unsigned>();
  if (r.count("dump-ir"))
    opts.dumpDir = r["dump-ir"].as<std::string>();
  else if (const char *d = std::getenv("BIC_DUMP_IR"))
    opts.dumpDir = d;
  if (r.count("define"))
    for (const auto &d : r["define"].as<std::vector<std::string>>()) {
      auto eq = d.find('=');
      if (eq == std::string::npos || eq == 0)
        return usageError("-D expects NAME=VALUE, got '" + d + "'");
      std::string name = d.substr(0, eq), val = d.substr(eq + 1);
      if (val.empty())
        return usageError("-D " + name + " needs a value");
      // A value starting like a number is a decimal integer (no octal
      // "010", no "0x10", no "1e3"); one starting with a letter names a
      // dtype (-D T=f16).
      size_t digits = val[0] == '-' ? 1 : 0;
      if (digits < val.size() && std::isdigit((unsigned char)val[digits])) {
        if (val.find_first_not_of("0123456789", digits) != std::string::npos)
          return usageError("-D " + name + "=" + val + ": not a decimal integer");
        errno = 0;
        long long v = std::strtoll(val.c_str(), nullptr, 10);
        if (errno == ERANGE)
          return usageError("-D " + name + "=" + val + ": out of the range of a 64-bit integer");
        opts.defines[name] = v;
      } else if (val[0] == '-' || val[0] == '+' || val[0] == '.') {
        return usageError("-D " + name + "=" + val + ": not a decimal integer");
      } else {
        opts.typeDefines[name] = val;
      }
    }
  static const std::pair<const char *, bic::Emit> kEmit[] = {
      {"bic", bic::Emit::Bic},   {"layout", bic::Emit::Layout},
      {"gpu", bic::Emit::GPU},   {"llvm", bic::Emit::LLVM},
      {"ptx", bic::Emit::PTX},   {"order", bic::Emit::Order},
      {"cpp", bic::Emit::PTX}};
  std::string emitName = r["emit"].as<std::string>();
  const bic::Emit *emit = nullptr;
  for (auto &e : kEmit)
    if (emitName == e.first)
      emit = &e.second;
  if (!emit)
    return usageError("unknown --emit kind '" + emitName +
                      "' (bic, layout, gpu, llvm, ptx, order, cpp)");

  auto res = bic::compile(ss.str(), file, opts, *emit);
  if (!res) {
    std::string msg = llvm::toString(res.takeError());
    if (msg.find("error: ") == std::string::npos)
      msg = "bic: error: " + msg;
    else if (msg.rfind("error: ", 0) == 0)
      msg = "bic: " + msg;
    std::cerr << msg << (msg.empty() || msg.back() != '\n' ? "\n" : "");
    return 1;
  }
  std::string out = r["output"].as<std::string>();
  if (emitName == "cpp") {
    if (out == "-" || out.empty() || out.back() == '/')
      return usageError("--emit=cpp needs -o PATH (writes PATH.h and PATH.cpp)");
    std::string base = out;
    for (const char *ext : {".h", ".cpp"})
      if (base.size() > strlen(ext) && base.compare(base.size() - strlen(ext), strlen(ext), ext) == 0)
        base.resize(base.size() - strlen(ext));
    std::string name = base.substr(base.find_last_of('/') + 1);
    auto aot = bic::aotSources(res->text, res->kernels, name);
    if (!aot) {
      std::cerr << "bic: error: " << llvm::toString(aot.takeError()) << "\n";
      return 1;
    }
    for (auto [path, text] : {std::pair{base + ".h", &aot->header},
                              std::pair{base + ".cpp", &aot->source}})
      if (!writeOutput(path, *text))
        return usageError("cannot write '" + path + "'");
    return 0;
  }
  if (out == "-") {
    std::cout << res->text;
    return 0;
  }
  if (!writeOutput(out, res->text))
    return usageError("cannot write '" + out + "'");
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cout << "OVERVIEW: bic, the batch-invariant kernel compiler\n\n"
              << "USAGE: bic compile FILE.bic [options]\n\n"
              << "Run 'bic compile --help' for the options.\n";
    return argc < 2 ? 2 : 0;
  }
  if (std::string(argv[1]) == "--version") {
    std::cout << "bic " << bic::compilerVersion().str() << "\n";
    return 0;
  }
  if (std::string(argv[1]) != "compile")
    return usageError("unknown command '" + std::string(argv[1]) +
                      "' (expected 'compile')");
  return compileMain(argc - 1, argv + 1);
}
