// Must NOT compile: the C++ binding before the C header would make the C
// header declare the exports with the C++ types. The C header stops with a
// message saying which order works (test cpp_wrong_include_order).
#include <my_timer/my_timer.hpp>
#include <my_timer/my_timer.h>
