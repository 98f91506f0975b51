"""Builds neardup._core by driving the project's CMake (target neardup_python): the
library is compiled with -fPIC and linked statically into the module. Settings come
from pyproject.toml; this file only adds the CMake build step.

Environment: NEARDUP_PY_BUILD_DIR (default build/python in the checkout, reused between
installs), CMAKE_BUILD_PARALLEL_LEVEL (default 2)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


class CMakeExtension(Extension):
    def __init__(self, name: str) -> None:
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        build_dir = Path(os.environ.get("NEARDUP_PY_BUILD_DIR", ROOT / "build" / "python"))
        build_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "cmake", "-S", str(ROOT), "-B", str(build_dir),
                "-DCMAKE_BUILD_TYPE=Release",
                "-DNEARDUP_BUILD_TESTS=OFF", "-DNEARDUP_BUILD_BENCH=OFF",
                "-DNEARDUP_BUILD_EXAMPLES=OFF", "-DNEARDUP_BUILD_PYTHON=ON",
                f"-DPython3_EXECUTABLE={sys.executable}",
            ],
            check=True,
        )
        env = dict(os.environ)
        env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", "2")
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "neardup_python"], check=True, env=env)
        built = next((build_dir / "python").glob("_core*.so"))
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, target)


setup(ext_modules=[CMakeExtension("neardup._core")], cmdclass={"build_ext": CMakeBuild})
