// The neardup executable: the whole command line is neardup::cli::Main (main.cpp).
#include "../main.hpp"

int main(int argc, char** argv) { return neardup::cli::Main(argc, argv); }
