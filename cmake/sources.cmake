# The project's core sources, shared by every target that compiles them: swcore
# (CMakeLists.txt) and its instrumented twin swcore_fuzz (tests/fuzz/CMakeLists.txt).
#
# Everything under src/ and one directory below it, except the program's entry point
# (src/main.c) and the one file that includes curses (src/ui/term.c): those two go
# into the sockwatch executable only, so that the library tests link needs no curses.
# A new module directory (src/NAME/*.c) is picked up without editing this file;
# CONFIGURE_DEPENDS re-runs the glob when a file is added or removed.
#
# Defines SW_ROOT (the source tree), SW_CORE_SOURCES and SW_MAIN_SOURCES.
get_filename_component(SW_ROOT ${CMAKE_CURRENT_LIST_DIR}/.. ABSOLUTE)
set(SW_MAIN_SOURCES ${SW_ROOT}/src/main.c ${SW_ROOT}/src/ui/term.c)
file(GLOB SW_CORE_SOURCES CONFIGURE_DEPENDS ${SW_ROOT}/src/*.c ${SW_ROOT}/src/*/*.c)
list(REMOVE_ITEM SW_CORE_SOURCES ${SW_MAIN_SOURCES})
