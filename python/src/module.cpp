// neardup._core: the extension module. The Python package (neardup/__init__.py)
// re-exports these names with their stubs (neardup/_core.pyi).
#include "common.hpp"
#include "neardup/version.hpp"

PYBIND11_MODULE(_core, m) {
  namespace np = neardup::python;
  m.doc() = "neardup's C++ core: signing, indexes, dedup, datasketch-compatible MinHash, the CLI";
  m.attr("__version__") = neardup::Version();
  np::RegisterErrors(m);
  np::RegisterSignature(m);
  np::RegisterIndex(m);
  np::RegisterDedup(m);
  np::RegisterDatasketch(m);
  np::RegisterCli(m);
}
