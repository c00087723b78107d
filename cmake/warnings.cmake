# Compiler warnings, shared by the top-level build and the standalone fuzz build.
#
# SW_WERROR turns every warning into an error. It is off by default, so that a newer
# compiler with new warnings does not break a user's build; scripts/test,
# scripts/sanitize and scripts/fuzz turn it on (SW_WERROR=OFF in their environment
# turns it off again), so the test suite keeps the tree warning-free under gcc and clang.
add_compile_options(-Wall -Wextra -Wshadow -Wformat=2)
option(SW_WERROR "treat compiler warnings as errors" OFF)
if(SW_WERROR)
	add_compile_options(-Werror)
endif()
