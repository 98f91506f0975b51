"""python -m neardup ...: the neardup command line, the same C++ entry point as the
``neardup`` executable (same flags, outputs and exit codes)."""

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main(sys.argv))
