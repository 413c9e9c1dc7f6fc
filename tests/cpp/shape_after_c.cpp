// One shape's C++ binding after its C header (the C layout is the global
// one; the .hpp names it from its detail namespace).
#include SHAPE_HOST
#include SHAPE_HPP
