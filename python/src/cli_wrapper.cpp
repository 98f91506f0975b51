// neardup._core.main(argv): the neardup command line (src/cli/main.hpp), the same
// function the executable runs, so `python -m neardup` cannot drift from `neardup`.
#include <string>
#include <vector>

#include "common.hpp"
#include "main.hpp"

namespace neardup::python {

void RegisterCli(py::module_& m) {
  m.def(
      "main",
      [](const std::vector<std::string>& argv) {
        std::vector<std::string> args = argv;
        if (args.empty()) args.push_back("neardup");
        std::vector<char*> ptrs;
        for (std::string& a : args) ptrs.push_back(a.data());
        ptrs.push_back(nullptr);
        // Python may have buffered output of its own; the command writes to fd 1 and 2.
        py::module_::import("sys").attr("stdout").attr("flush")();
        py::module_::import("sys").attr("stderr").attr("flush")();
        py::gil_scoped_release release;
        return neardup::cli::Main(static_cast<int>(args.size()), ptrs.data());
      },
      py::arg("argv"), "Runs the neardup command line with argv (argv[0] is the program name); returns the exit code.");
}

}  // namespace neardup::python
